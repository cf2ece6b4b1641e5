"""The architecture selector: one case per architecture, the boundaries, overrides."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.plan.select import STREAMING_THRESHOLD_SECONDS, facts_of, feasibility, select
from pipegen.spec.model import Architecture, Spec
from tests.conftest import spec_data

KAFKA_SOURCE: dict[str, Any] = {
    "name": "events",
    "type": "kafka",
    "ingestion": "stream",
    "topics": [
        {
            "name": "clicks",
            "event_time": "ts",
            "columns": [{"name": "user_id", "type": "bigint"}, {"name": "ts", "type": "timestamp"}],
        }
    ],
}
API_SOURCE: dict[str, Any] = {
    "name": "crm",
    "type": "api",
    "tables": [{"name": "contacts", "endpoint": "/contacts", "columns": [{"name": "id", "type": "bigint"}]}],
}


def build(**overrides: Any) -> Spec:
    return Spec.model_validate(spec_data(**overrides))


def cdc_source() -> dict[str, Any]:
    source = spec_data()["sources"][0]
    source["ingestion"] = "cdc"
    return source


def batch_source() -> dict[str, Any]:
    return dict(spec_data()["sources"][0])


def with_pii() -> list[dict[str, Any]]:
    source = batch_source()
    source["tables"][0]["columns"].append({"name": "email", "type": "string", "pii": "hash"})
    return [source]


CASES = [
    ("batch warehouse, 1h -> elt", {}, Architecture.ELT, "batch-warehouse"),
    ("cdc only, 1m -> kappa", {"latency": "1m", "sources": [cdc_source()]}, Architecture.KAPPA, "all-streaming"),
    (
        "stream only, realtime -> kappa",
        {"latency": "realtime", "sources": [KAFKA_SOURCE]},
        Architecture.KAPPA,
        "all-streaming",
    ),
    (
        "stream + batch, 30s -> lambda",
        {"latency": "30s", "sources": [KAFKA_SOURCE, batch_source()]},
        Architecture.LAMBDA,
        "streaming-with-batch",
    ),
    (
        "delta target -> lakehouse",
        {"targets": [{"name": "lake", "type": "delta"}]},
        Architecture.LAKEHOUSE,
        "lake-target",
    ),
    (
        "delta target wins over low latency",
        {"latency": "1m", "sources": [cdc_source()], "targets": [{"name": "lake", "type": "iceberg"}]},
        Architecture.LAKEHOUSE,
        "lake-target",
    ),
    ("pii masked, 1d -> etl", {"latency": "1d", "sources": with_pii()}, Architecture.ETL, "mask-before-landing"),
    (
        "files-only target -> etl",
        {"targets": [{"name": "out", "type": "files"}]},
        Architecture.ETL,
        "target-cannot-transform",
    ),
    ("cdc sources but 1h latency -> elt", {"sources": [cdc_source()]}, Architecture.ELT, "batch-warehouse"),
    (
        "mixed cdc + batch at 1h -> elt",
        {"sources": [cdc_source() | {"name": "db2"}, batch_source()]},
        Architecture.ELT,
        "batch-warehouse",
    ),
    ("rest api, 1d -> elt", {"latency": "1d", "sources": [API_SOURCE]}, Architecture.ELT, "batch-warehouse"),
]


@pytest.mark.parametrize(("label", "overrides", "expected", "rule"), CASES, ids=[c[0] for c in CASES])
def test_auto_selection_picks_the_documented_architecture(
    label: str, overrides: dict[str, Any], expected: Architecture, rule: str
) -> None:
    selection = select(build(**overrides))
    assert selection.architecture == expected
    assert selection.reasons[0].rule == rule
    assert not selection.explicit
    assert selection.reasons[0].text  # every decision carries its sentence


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        ("14m", Architecture.KAPPA),
        ("899s", Architecture.KAPPA),
        ("15m", Architecture.ELT),
        ("900s", Architecture.ELT),
        ("901s", Architecture.ELT),
    ],
)
def test_latency_threshold_boundary_is_fifteen_minutes(latency: str, expected: Architecture) -> None:
    assert STREAMING_THRESHOLD_SECONDS == 900
    assert select(build(latency=latency, sources=[cdc_source()])).architecture == expected


def test_kappa_reason_names_the_facts_it_used() -> None:
    reason = select(build(latency="1m", sources=[cdc_source()])).reasons[0]
    assert reason.text == (
        "Kappa: every source is CDC or a stream (db) and latency 1m < 15m; one streaming path, "
        "replayed from Kafka offsets"
    )
    assert reason.facts == ("latency_seconds", "stream_jobs", "streaming_sources", "batch_sources")


def test_stream_jobs_alone_require_streaming_even_at_one_hour() -> None:
    streams = {
        "streams": [
            {
                "name": "per_minute",
                "from": "clicks",
                "window": {"type": "tumble", "size": "1m"},
                "measures": [{"name": "n", "agg": "count"}],
            }
        ]
    }
    selection = select(build(sources=[KAFKA_SOURCE], transforms=streams))
    assert selection.architecture == Architecture.KAPPA
    assert "stream jobs (per_minute) run continuously" in selection.reasons[0].text


def test_explicit_choice_matching_auto_is_accepted_without_findings() -> None:
    selection = select(build(architecture="elt"))
    assert selection.architecture == Architecture.ELT
    assert selection.explicit
    assert selection.findings == ()
    assert "also the automatic choice" in selection.reasons[0].text


def test_explicit_kappa_with_batch_only_rest_source_is_an_error_with_hint() -> None:
    selection = select(build(architecture="kappa", latency="1m", sources=[API_SOURCE]))
    codes = [(f.code, f.severity) for f in selection.findings]
    assert ("A301", "error") in codes
    hint = next(f.hint for f in selection.findings if f.code == "A301")
    assert hint is not None and "crm can only be read in batch" in hint


def test_explicit_kappa_with_cdc_capable_batch_source_hints_at_cdc() -> None:
    selection = select(build(architecture="kappa", latency="1m"))
    finding = next(f for f in selection.findings if f.code == "A301")
    assert finding.hint is not None and "ingestion: cdc" in finding.hint


@pytest.mark.parametrize(
    ("overrides", "code", "severity"),
    [
        ({"architecture": "elt", "latency": "1m"}, "A302", "error"),
        ({"architecture": "etl", "latency": "realtime"}, "A302", "error"),
        ({"architecture": "elt", "targets": [{"name": "out", "type": "files"}]}, "A303", "error"),
        ({"architecture": "lakehouse"}, "A304", "error"),
        ({"architecture": "kappa", "sources": [KAFKA_SOURCE]}, "A310", "warning"),
        ({"architecture": "lambda", "latency": "1m", "sources": [KAFKA_SOURCE]}, "A311", "warning"),
        ({"architecture": "elt", "latency": "1d", "sources": with_pii()}, "A312", "warning"),
    ],
)
def test_explicit_override_rejected_or_warned(overrides: dict[str, Any], code: str, severity: str) -> None:
    selection = select(build(**overrides))
    assert (code, severity) in [(f.code, f.severity) for f in selection.findings]
    assert all(f.path == ("architecture",) for f in selection.findings)


def test_explicit_override_differing_from_auto_says_what_auto_would_pick() -> None:
    selection = select(build(architecture="etl"))
    assert selection.architecture == Architecture.ETL
    assert "auto would pick elt" in selection.reasons[0].text


def test_feasibility_of_every_architecture_for_a_plain_batch_spec() -> None:
    facts = facts_of(build())
    errors = {a: [f.code for f in feasibility(a, facts) if f.severity == "error"] for a in Architecture}
    assert errors[Architecture.ELT] == [] and errors[Architecture.ETL] == []
    assert errors[Architecture.KAPPA] == ["A301"]
    assert errors[Architecture.LAKEHOUSE] == ["A304"]
