"""Which systems a name reaches, so identifier limits apply only where a name lands."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.spec.model import Spec
from pipegen.spec.reach import job_systems, mart_systems, table_systems, tightest
from pipegen.spec.validate import check_bytes
from tests.conftest import spec_data

TABLE = {"name": "t", "primary_key": "id", "columns": [{"name": "id", "type": "int"}]}


def _spec(sources: list[dict[str, Any]], targets: list[dict[str, Any]], **extra: Any) -> Spec:
    return Spec.model_validate(spec_data(sources=sources, targets=targets, latency="1m", **extra))


def _source(name: str, type_: str, ingestion: str = "batch", **extra: Any) -> dict[str, Any]:
    key = "topics" if type_ in ("kafka", "eventhubs", "kinesis", "pubsub") else "tables"
    return {"name": name, "type": type_, "ingestion": ingestion, key: [TABLE], **extra}


@pytest.mark.parametrize(
    ("source", "targets", "expected"),
    [
        (("faker", "batch"), ["duckdb"], {"faker", "duckdb"}),
        (("postgres", "batch"), ["duckdb", "snowflake"], {"postgres", "duckdb", "snowflake"}),
        (("mysql", "cdc"), ["duckdb"], {"mysql", "kafka", "duckdb"}),  # Debezium topics
        (("faker", "stream"), ["duckdb"], {"faker", "kafka", "duckdb"}),
        (("eventhubs", "stream"), ["delta"], {"eventhubs", "delta"}),  # no Kafka topic of ours
        (("postgres", "batch"), ["duckdb", "kafka"], {"postgres", "duckdb"}),  # Kafka targets get job output
    ],
)
def test_a_table_reaches_its_source_its_landing_targets_and_kafka_when_streamed(
    source: tuple[str, str], targets: list[str], expected: set[str]
) -> None:
    spec = _spec(
        [_source("s", *source)],
        [{"name": f"t{i}", "type": t} for i, t in enumerate(targets)],
        cloud="azure" if source[0] == "eventhubs" or "snowflake" in targets else "local",
    )
    assert table_systems(spec.sources[0], spec.targets) == expected


def test_a_table_does_not_reach_an_unrelated_source() -> None:
    spec = _spec([_source("fake", "faker"), _source("pg", "postgres")], [{"name": "wh", "type": "duckdb"}])
    assert table_systems(spec.sources[0], spec.targets) == {"faker", "duckdb"}
    assert tightest(table_systems(spec.sources[0], spec.targets)) is None  # neither limits names
    assert tightest(table_systems(spec.sources[1], spec.targets)) == (63, "postgres")


def test_marts_reach_transforming_targets_and_jobs_their_sink() -> None:
    data = spec_data(
        latency="1m",
        targets=[
            {"name": "wh", "type": "duckdb"},
            {"name": "lake", "type": "files"},
            {"name": "pg", "type": "postgres"},
        ],
    )
    data["sources"][0]["ingestion"] = "cdc"
    data["transforms"] = {
        "marts": [{"name": "m", "from": "orders", "group_by": ["status"]}],
        "streams": [{"name": "j", "from": "orders", "sink": "pg"}, {"name": "k", "from": "orders"}],
    }
    spec = Spec.model_validate(data)
    assert mart_systems(spec.transforms.marts[0], spec.targets) == {"duckdb", "postgres"}
    assert job_systems(spec.transforms.streams[0], spec.targets) == {"postgres"}
    assert job_systems(spec.transforms.streams[1], spec.targets) == {"duckdb"}


def test_a_long_faker_table_name_is_not_refused_because_of_a_postgres_source() -> None:
    long_name = "x" * 80
    spec = spec_data(
        sources=[
            {**_source("fake", "faker"), "tables": [{**TABLE, "name": long_name}]},
            _source("pg", "postgres"),
        ],
        targets=[{"name": "wh", "type": "duckdb"}],
    )
    import json

    checked = check_bytes(json.dumps(spec).encode())
    assert [d.code for d in checked.diagnostics if d.code == "R202"] == []
    spec["sources"][1]["tables"] = [{**TABLE, "name": long_name}]
    checked = check_bytes(json.dumps(spec).encode())
    assert [d.message for d in checked.diagnostics if d.code == "R202"] == [
        f"'{'x' * 40}…' is 80 bytes long; postgres allows at most 63"
    ]
