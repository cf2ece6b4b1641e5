"""`monitoring.freshness_sla` means exactly its duration wherever it reaches, whatever its text: for
durations at the edges of what validate accepts (a millisecond, seconds that are no whole minute,
seven significant digits, ten years, padding, leading zeros, unit words) the generated
Prometheus alert, run by `promtool test rules` (one process for every case), does not fire while
the newest row is exactly that old and fires once it is older (by a millisecond for a
sub-second SLA, a second otherwise); Airflow's DeadlineAlert interval, read back by Python's own
parser, is that many seconds. Text that is no duration (a PromQL or Python fragment, a template
marker, a sign, a fraction, zero, past ten years) is refused by validate at the field, located.

Expected seconds and alert texts are written here by hand from each value, never taken from
pipegen; the series reach promtool as numbers."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipegen.pipeline import prepare, render_tree
from pipegen.spec.validate import check_bytes
from tests.judges import promtool

RULES = "monitoring/prometheus/rules.yml"
TABLE = "raw_shop.orders"
# text -> (seconds, how the alert's summary writes it): what each value means, by hand
ACCEPTED = {
    "1ms": (0.001, "1ms"),
    "59s": (59.0, "59s"),
    "1000001s": (1_000_001.0, "1000001s"),  # seven significant digits
    "1234567 seconds": (1_234_567.0, "1234567s"),
    "3650d": (315_360_000.0, "3650d"),  # the longest duration accepted
    " 007 h ": (25_200.0, "7h"),
    "90 minutes": (5_400.0, "90m"),
    "2wk": (1_209_600.0, "2w"),
}
REFUSED = [
    "2h' or vector(1)",
    "2h > 0 or up",
    "1h\n- alert: x",
    "7200) or (1",
    "${SLA}",
    "{{ sla }}",
    "1.5h",
    "-1h",
    "0s",
    "3651d",
    "1e3s",
    "2 h 30 m",
    "",
]


def spec(sla: str) -> dict[str, Any]:
    return {
        "version": 1,
        "pipeline": {"name": "fresh"},
        "latency": "1h",
        "orchestrator": "airflow",
        "monitoring": {"freshness_sla": sla},
        "sources": [{"name": "shop", "type": "postgres", "ingestion": "batch",
                     "connection": {"host": "db", "password": "${secret:SHOP_PASSWORD}"},
                     "tables": [{"name": "orders", "primary_key": "id", "watermark": "updated_at", "columns": [
                         {"name": "id", "type": "bigint", "not_null": True},
                         {"name": "updated_at", "type": "timestamp"}]}]}],
        "targets": [{"name": "wh", "type": "duckdb"}],
    }  # fmt: skip


def errors(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    checked = check_bytes(json.dumps(doc).encode())
    return [(d.code, d.path, d.line) for d in checked.diagnostics if d.severity == "error"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    out = {}
    for i, sla in enumerate(ACCEPTED):
        path = tmp_path_factory.mktemp("sla") / f"sla{i}.yaml"
        path.write_text(yaml.safe_dump(spec(sla)), encoding="utf-8")
        ready = prepare(path)
        out[sla] = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    return out


def stale_rules(rules: str) -> str:
    """The stale alerts and the recording rule they read, in one group in the generated order (groups
    are evaluated concurrently: at one instant an alert in another group may read the recording of
    the step before); descriptions dropped (they quote $value)."""
    doc = yaml.safe_load(rules)
    kept = [
        r for g in doc["groups"] for r in g["rules"] if r.get("alert", "PipelineTableStale") == "PipelineTableStale"
    ]
    for rule in kept:
        rule.get("annotations", {}).pop("description", None)
    return yaml.safe_dump({"groups": [{"name": "stale", "rules": kept}]}, sort_keys=False)


def stale_case(seconds: float, shown: str, past: float) -> list[dict[str, Any]]:
    """At time 0 the newest row is `seconds` old (no alert); in a second case `seconds + past` old (alert)."""
    labels = {"pipeline": "fresh", "table": TABLE, "severity": "critical"}
    annotations = {"summary": f"{TABLE} is older than {shown}", "runbook_url": "docs/runbooks.md#pipelinetablestale"}
    series = f'pipegen_table_newest_row_timestamp_seconds{{pipeline="fresh",table="{TABLE}"}}'
    return [
        {
            "interval": "1m",
            "input_series": [{"series": series, "values": f"{-age!r}x2"}],
            "alert_rule_test": [{"eval_time": "0m", "alertname": "PipelineTableStale", "exp_alerts": alerts}],
        }
        for age, alerts in ((seconds, []), (seconds + past, [{"exp_labels": labels, "exp_annotations": annotations}]))
    ]


def test_every_sla_text_validate_accepts_is_at_the_edge_it_claims() -> None:
    for sla in ACCEPTED:
        assert errors(spec(sla)) == [], sla


@pytest.mark.parametrize("sla", REFUSED, ids=repr)
def test_text_that_is_no_duration_is_refused_at_the_field(sla: str) -> None:
    found = errors(spec(sla))
    assert found and all(path == "monitoring.freshness_sla" and line > 0 for _, path, line in found), found


def test_the_stale_alert_fires_exactly_past_the_sla_under_promtool(
    generated: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    files = []
    for i, (sla, (seconds, shown)) in enumerate(ACCEPTED.items()):
        (tmp_path / f"rules{i}.yml").write_text(stale_rules(generated[sla][RULES]), encoding="utf-8")
        past = 0.001 if seconds < 1 else 1.0
        tests = {
            "rule_files": [f"rules{i}.yml"],
            "evaluation_interval": "1m",
            "tests": stale_case(seconds, shown, past),
        }
        (tmp_path / f"tests{i}.yml").write_text(yaml.safe_dump(tests, sort_keys=False), encoding="utf-8")
        files.append(f"tests{i}.yml")
    done = promtool.run("test", "rules", *files, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("SUCCESS") == len(ACCEPTED), done.stdout  # every case judged


def test_airflow_deadline_is_exactly_the_sla_in_seconds(generated: dict[str, dict[str, str]]) -> None:
    for sla, (seconds, _) in ACCEPTED.items():
        dag = next(
            text for path, text in generated[sla].items() if path.startswith("dags/") and "DeadlineAlert(" in text
        )
        found = re.findall(r"interval=timedelta\(seconds=([^)]*)\)", dag)
        assert len(found) == 1, sla
        assert ast.literal_eval(found[0]) == seconds, (sla, found)
