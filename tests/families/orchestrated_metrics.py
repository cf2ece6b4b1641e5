"""The metrics an orchestrated run published (an Airflow dag.test(), a Prefect flow run the suite
already does), judged against what the run did, as the local run's are (metrics_check.py):

- the textfile `metrics/<pipeline>.prom` the tasks wrote parses as Prometheus' text format (the
  parser of prometheus_client, in the batch judge env), every series carries `pipeline`, and every
  metric in it is one `metrics.EMITTED` lists (the list the rules and dashboards are checked against);
- one step per task that ran a step, named as its lineage job (a source's ingestion:
  `ingest_<source>`), with the outcome and the runs by outcome the caller read from the
  orchestrator's own task states, and a duration;
- rows loaded per table equal to the rows the caller counted in the warehouse (or the stand-in);
- expectations evaluated and failed per table equal to the run's validation events.

Returns the samples: {(name, step or table[/outcome or severity]): value}."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipegen.generators.monitoring.metrics import EMITTED
from tests.judges import judge_python, offline_env

PARSE = """
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
print(json.dumps([[s.name, s.labels, s.value] for f in text_string_to_metric_families(text) for s in f.samples]))
"""
Samples = dict[tuple[str, str], float]


def samples(project: Path, pipeline: str) -> Samples:
    path = project / "metrics" / f"{pipeline}.prom"
    assert path.is_file(), f"the orchestrated run published no metrics ({path})"
    done = subprocess.run(
        [str(judge_python("batch")), "-c", PARSE, str(path)],
        capture_output=True, text=True, timeout=120, check=False, env=offline_env(project.parent / "metrics-home"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out: Samples = {}
    for name, labels, value in json.loads(done.stdout):
        assert labels.get("pipeline") == pipeline, (name, labels)
        key = labels.get("table") or labels.get("step") or ""
        if "outcome" in labels or "severity" in labels:
            key += "/" + (labels.get("outcome") or labels.get("severity") or "")
        out[(name, key)] = value
    names = {name for name, _ in out}
    assert names <= set(EMITTED), f"metrics metrics.EMITTED lacks: {sorted(names - set(EMITTED))}"
    return out


def quality_counts(project: Path) -> dict[str, tuple[int, int]]:
    """table -> (evaluated, failed) summed over the validation events the run logged."""
    log = project / "quality" / "events.jsonl"
    out: dict[str, tuple[int, int]] = {}
    for line in log.read_text(encoding="utf-8").splitlines() if log.is_file() else []:
        event = json.loads(line) if line.strip() else {}
        if event.get("event_type") in ("ValidationPassed", "ValidationFailed"):
            evaluated, failed = out.get(event["table"], (0, 0))
            stats = event["statistics"]
            out[event["table"]] = (evaluated + stats["evaluated"], failed + stats["failed"])
    return out


def check(project: Path, pipeline: str, runs: dict[str, tuple[int, int]], rows: dict[str, int]) -> Samples:
    """`runs`: step -> (successful runs, failed runs) from the orchestrator's task states;
    `rows`: landed table -> rows the run loaded into it."""
    got = samples(project, pipeline)
    steps = {key for name, key in got if name == "pipegen_step_success"}
    assert steps == set(runs), (sorted(steps), sorted(runs))
    for step, (ok, failed) in runs.items():
        assert got[("pipegen_step_runs_total", f"{step}/success")] == ok, step
        assert got[("pipegen_step_runs_total", f"{step}/failure")] == failed, step
        assert got[("pipegen_step_success", step)] == (1 if ok else 0), step
        assert got[("pipegen_step_duration_seconds", step)] > 0, step
        assert (("pipegen_step_last_success_timestamp_seconds", step) in got) == bool(ok), step
    for table, count in rows.items():
        assert got[("pipegen_rows_loaded_total", table)] == count, (table, count)
        assert got[("pipegen_rows_extracted_total", table)] == count + got[("pipegen_rows_rejected_total", table)]
    for table, (evaluated, failed) in quality_counts(project).items():
        assert got[("pipegen_quality_expectations_evaluated_total", table)] == evaluated, table
        assert got[("pipegen_quality_expectations_failed_total", table)] == failed, table
    return got


def watched_tables(project: Path) -> list[str]:
    """The landed tables monitoring/metrics.json lists (the tables the run counts rows of)."""
    config = json.loads((project / "monitoring" / "metrics.json").read_text(encoding="utf-8"))
    return [t["table"] for t in config["tables"]]
