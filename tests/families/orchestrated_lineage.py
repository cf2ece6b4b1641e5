"""The OpenLineage events of an orchestrated run (an Airflow dag.test(), a Prefect flow run the
suite already does), judged as the local run's are (tests/families/lineage_check.py):

- every event validates against the OpenLineage JSON Schema and its facet schemas in
  ../shared/schemas/openlineage, every `$ref` resolved locally (tests/judges/openlineage.py);
- the DAG run or flow run is the pipeline's run: one START, then COMPLETE (or FAIL when the run
  failed), one run id; every other event is a step's, a child of that run id, and each of a step's
  runs is a START followed by its COMPLETE or FAIL (a retried task: a FAIL, then a new run);
- the jobs are the tasks that ran a step, as the caller expects them from the task states it wrote
  by hand; the caller checks the datasets against the warehouse its driver counted.

Returns {step: its last COMPLETE or FAIL event}."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.judges.openlineage import SchemaSet, read_events, schemas_dir

__all__ = ["EVENTS", "check", "names", "read_events", "row_counts"]

EVENTS = "lineage/events.jsonl"  # the local file an orchestrated run with `local` writes (lineage/jobs.json)


@cache
def schemas() -> SchemaSet:
    root = schemas_dir()
    assert root is not None, "../shared/schemas/openlineage is missing: the lineage judge cannot run"
    loaded = SchemaSet.load(root)
    assert not loaded.unresolved(), loaded.unresolved()
    return loaded


def check(project: Path, pipeline: str, steps: set[str], succeeded: bool) -> dict[str, dict[str, Any]]:
    events = read_events(project / EVENTS)
    assert events, f"the orchestrated run wrote no lineage events ({project / EVENTS})"
    problems = {f"{e['eventType']} {e['job']['name']}": p for e in events if (p := schemas().problems(e))}
    assert not problems, json.dumps(problems, indent=1)[:4000]

    run = [e for e in events if e["job"]["name"] == pipeline]
    assert [e["eventType"] for e in run] == ["START", "COMPLETE" if succeeded else "FAIL"], run
    assert events[0] is run[0] and events[-1] is run[-1], "the run's START is not first or its end not last"
    run_id = run[0]["run"]["runId"]
    assert run[-1]["run"]["runId"] == run_id
    open_runs: dict[str, str] = {}
    ended: dict[str, dict[str, Any]] = {}
    for event in events[1:-1]:
        job = event["job"]["name"]
        assert job.startswith(f"{pipeline}."), job
        assert event["run"]["facets"]["parent"]["run"]["runId"] == run_id, job
        step = job.removeprefix(f"{pipeline}.")
        if event["eventType"] == "START":
            assert step not in open_runs, f"{step}: a second START before the first run ended"
            open_runs[step] = event["run"]["runId"]
        else:
            assert event["eventType"] in ("COMPLETE", "FAIL"), event["eventType"]
            assert open_runs.pop(step, None) == event["run"]["runId"], f"{step}: {event['eventType']} without START"
            ended[step] = event
    assert not open_runs, f"steps that started and never ended: {sorted(open_runs)}"
    assert set(ended) == steps, (sorted(ended), sorted(steps))
    return ended


def names(datasets: list[dict[str, Any]], namespace: str = "duckdb://") -> set[str]:
    """The warehouse tables among a step's datasets."""
    return {d["name"] for d in datasets if d["namespace"].startswith(namespace)}


def row_counts(event: dict[str, Any]) -> dict[str, int]:
    return {
        d["name"]: d["outputFacets"]["outputStatistics"]["rowCount"]
        for d in event["outputs"]
        if "outputStatistics" in (d.get("outputFacets") or {})
    }
