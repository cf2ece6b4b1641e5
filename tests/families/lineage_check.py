"""The OpenLineage events a local run wrote (lineage/events.jsonl), judged:

- every event validates against the OpenLineage JSON Schema and every facet against its facet
  schema, from ../shared/schemas/openlineage with every `$ref` resolved locally (tests/judges/openlineage.py);
- the run is one parent job (START first, COMPLETE last) and every step of it a child with a START
  and a COMPLETE of one run id, naming the parent's run;
- the datasets are the real tables of the run: every warehouse dataset is a table or view the
  warehouse holds after the run (read with DuckDB in the batch environment), the ingest step writes
  every landed table, the transform step every staging model and materialized mart dbt's model files
  name (tests/specgen/judges.models), and the outputs with row counts match the warehouse's rows.

Returns the number of events judged (the caller asserts it judged something)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.judges import offline_env
from tests.judges.openlineage import SchemaSet, read_events, schemas_dir

DRIVER = Path(__file__).with_name("local_run_driver.py")
EVENTS = "lineage/events.jsonl"


def check(project: Path, landed: list[str], models: list[str], batch_python: Path, home: Path) -> int:
    root = schemas_dir()
    assert root is not None, "../shared/schemas/openlineage is missing: the lineage judge cannot run"
    events = read_events(project / EVENTS)
    schemas = SchemaSet.load(root)
    assert not schemas.unresolved(), schemas.unresolved()
    problems = {f"{e['eventType']} {e['job']['name']}": p for e in events if (p := schemas.problems(e))}
    assert not problems, json.dumps(problems, indent=1)[:4000]

    runs = _structure(events)
    outputs = {job: _names(e["outputs"]) for job, e in runs.items()}
    inputs = {job: _names(e["inputs"]) for job, e in runs.items()}
    by_step = {job.split(".", 1)[1]: job for job in runs}
    if "ingest" in by_step:
        missing = set(landed) - {n for _, n in outputs[by_step["ingest"]]}
        assert not missing, f"the ingest step's outputs leave out landed tables: {sorted(missing)}"
    if "transform" in by_step:
        written = {n for _, n in outputs[by_step["transform"]]}
        assert written == set(models), f"transform outputs {sorted(written)} != dbt's models {sorted(models)}"

    warehouse = sorted({n for job in runs for ns, n in (*inputs[job], *outputs[job]) if ns.startswith("duckdb://")})
    read = subprocess.run(
        [str(batch_python), str(DRIVER), str(project / "warehouse.duckdb"), *warehouse],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(home),
    )  # fmt: skip
    assert read.returncode == 0, read.stderr[-3000:]
    rows = json.loads(read.stdout)
    absent = sorted(n for n, count in rows.items() if count == "missing")
    assert not absent, f"lineage names tables the warehouse does not hold: {absent}"
    counted = {d["name"]: d["outputFacets"]["outputStatistics"]["rowCount"]
               for d in (runs[by_step["ingest"]]["outputs"] if "ingest" in by_step else [])
               if "outputStatistics" in (d.get("outputFacets") or {})}  # fmt: skip
    wrong = {n: (c, rows[n]) for n, c in counted.items() if c != rows[n]}
    assert not wrong, f"ingest rowCount (lineage, warehouse) differ on a first run: {wrong}"
    return len(events)


def _names(datasets: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(d["namespace"], d["name"]) for d in datasets}


def _structure(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """job -> its COMPLETE event, after checking the parent/child shape of the run."""
    assert events, f"the local run wrote no lineage events ({EVENTS})"
    first, last = events[0], events[-1]
    assert first["eventType"] == "START" and last["eventType"] == "COMPLETE", (first["eventType"], last["eventType"])
    parent = first["job"]["name"]
    assert last["job"]["name"] == parent and last["run"]["runId"] == first["run"]["runId"]
    started: dict[str, str] = {}
    done: dict[str, dict[str, Any]] = {}
    for event in events[1:-1]:
        job, run_id = event["job"]["name"], event["run"]["runId"]
        assert job.startswith(parent + "."), job
        assert event["run"]["facets"]["parent"]["run"]["runId"] == first["run"]["runId"], job
        if event["eventType"] == "START":
            started[job] = run_id
        else:
            assert event["eventType"] == "COMPLETE" and started.get(job) == run_id, (job, event["eventType"])
            done[job] = event
    assert set(done) == set(started) and done, (sorted(started), sorted(done))
    return done
