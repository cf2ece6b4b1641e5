"""The metrics a local run wrote, checked against independent references: the row counts and
newest timestamps read straight from the DuckDB warehouse, the statistics of the validation
event log, the steps the run printed. Every metric the run wrote is one `metrics.EMITTED` lists (the
list the rules and dashboards are checked against; a run with a timed table and evaluated
expectations writes all of them). And the cross-reference: every `pipegen_` metric the generated
Prometheus rules and dashboards query is one the run really wrote."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pipegen.generators.monitoring.metrics import EMITTED
from pipegen.pipeline import prepare
from pipegen.spec.types import parse_column_type
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("metrics_driver.py")
RULES = "monitoring/prometheus/rules.yml"


def watched(spec: Path) -> list[str]:
    """schema.table[:column] of every landed table; the column when its watermark is a timestamp."""
    ready = prepare(spec)
    out = []
    for i in ready.plan.graph.batch_sources:
        source = ready.spec.sources[i]
        for d in (*source.tables, *source.topics):
            n = ready.plan.names.dataset(source.name, d.name)
            col = next((c for c in d.columns if c.name == d.watermark), None)
            timed = col is not None and parse_column_type(col.type).name in {"timestamp", "timestamp_tz"}
            out.append(f"{n.raw_schema}.{n.raw_table}" + (f":{n.column(col.name)}" if timed and col else ""))
    return out


def queried_metrics(rules_text: str) -> set[str]:
    doc = yaml.safe_load(rules_text)
    # a metric name, not a part of a recorded one (`level:pipegen_metric:operations`)
    return {
        m for g in doc["groups"] for r in g["rules"] for m in re.findall(r"(?<![:\w])pipegen_\w+\b(?!:)", r["expr"])
    }


def dashboard_metrics(project: Path) -> set[str]:
    """The `pipegen_` metrics the generated Grafana dashboards' panels query."""
    out: set[str] = set()
    for board in sorted((project / "monitoring" / "grafana" / "dashboards").glob("*.json")):
        for panel in json.loads(board.read_text(encoding="utf-8"))["panels"]:
            for target in panel["targets"]:
                out |= set(re.findall(r"(?<![:\w])pipegen_\w+\b(?!:)", target["expr"]))
    return out


def check(spec: Path, project: Path, python: Path, home: Path, run_output: str) -> int:
    """Asserts the run's metrics; returns how many values were compared."""
    ready = prepare(spec)
    files = list((project / "metrics").glob("*.prom")) if (project / "metrics").is_dir() else []
    if not ready.spec.monitoring.prometheus:
        assert not files, f"{spec.stem}: monitoring.prometheus is off, yet the run wrote {files}"
        return 0
    assert len(files) == 1, f"{spec.stem}: want one metrics file under metrics/, found {files}"
    tables = watched(spec)
    read = subprocess.run(
        [str(python), str(DRIVER), str(files[0]), str(project / "warehouse.duckdb"),
         str(project / "quality" / "events.jsonl"), *tables],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(home),
    )  # fmt: skip
    assert read.returncode == 0, read.stderr[-3000:]
    got: dict[str, Any] = json.loads(read.stdout)
    values: dict[tuple[str, str], float] = {}
    for name, labels, value in got["samples"]:
        assert labels.get("pipeline") == str(ready.plan.names.pipeline), (name, labels)
        key = labels.get("table") or labels.get("step") or ""
        if name in {"pipegen_step_runs_total", "pipegen_quality_breaches_total"}:
            key += "/" + (labels.get("outcome") or labels.get("severity") or "")
        values[(name, key)] = value
    compared = 0

    steps = re.findall(r"^==> (\S+)$", run_output, flags=re.M)
    assert steps, "the run printed no step"
    for step in steps:
        assert values[("pipegen_step_success", step)] == 1, step
        assert values[("pipegen_step_runs_total", f"{step}/success")] == 1, step
        assert values[("pipegen_step_runs_total", f"{step}/failure")] == 0, step
        assert values[("pipegen_step_duration_seconds", step)] > 0, step
        compared += 4

    for entry in tables:
        table, _, column = entry.partition(":")
        loaded = got["rows"].get(table, 0)
        rejected = got["rows"].get(f"{table}__dead_letter", 0)
        assert values[("pipegen_rows_loaded_total", table)] == loaded, (table, loaded)
        assert values[("pipegen_rows_rejected_total", table)] == rejected, (table, rejected)
        assert values[("pipegen_rows_extracted_total", table)] == loaded + rejected, table
        compared += 3
        if column and table in got["newest"]:
            assert abs(values[("pipegen_table_newest_row_timestamp_seconds", table)] - got["newest"][table]) < 1e-3
            compared += 1

    for table, (evaluated, failed) in got["quality"].items():
        assert values[("pipegen_quality_expectations_evaluated_total", table)] == evaluated, table
        assert values[("pipegen_quality_expectations_failed_total", table)] == failed, table
        if evaluated:
            assert abs(values[("pipegen_quality_pass_ratio", table)] - (evaluated - failed) / evaluated) < 1e-9
        compared += 3

    names = {name for name, _ in values}
    assert names <= set(EMITTED), (
        f"{spec.stem}: the run wrote metrics metrics.EMITTED lacks: {sorted(names - set(EMITTED))}"
    )
    if got["newest"] and any(evaluated for evaluated, _ in got["quality"].values()):  # every metric has a value
        assert names == set(EMITTED), f"{spec.stem}: the run never wrote {sorted(set(EMITTED) - names)}"
        compared += len(EMITTED)
    written = names | {name.removesuffix("_total") for name in names}
    missing = queried_metrics((project / RULES).read_text(encoding="utf-8")) - written
    assert not missing, f"{spec.stem}: the rules query metrics the run never wrote: {sorted(missing)}"
    panels = dashboard_metrics(project)
    assert panels or not ready.spec.monitoring.grafana, f"{spec.stem}: no dashboard query"
    missing = panels - written
    assert not missing, f"{spec.stem}: the dashboards query metrics the run never wrote: {sorted(missing)}"
    return compared
