"""The lineage family: what each step reads and writes (lineage/jobs.json), the transport the spec
chooses, the OpenLineage judge itself, and the runtime's FAIL path with the real openlineage-python.

The local run's own events (START/COMPLETE of every step of every example) are judged in
tests/families/test_local_run.py through tests/families/lineage_check.py."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.judges import offline_env
from tests.judges.openlineage import SchemaSet, read_events, schemas_dir

HELLO = REPO / "specs" / "hello.yaml"
RUNTIME = REPO / "templates" / "runtime" / "lineage.py"


def _tree(text: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipegen.yaml"
        path.write_text(text, encoding="utf-8")
        ready = prepare(path)
    return render_tree(ready.spec, ready.plan)


def _runtime() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pipegen_lineage_runtime", RUNTIME)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    root = schemas_dir()
    if root is None:
        pytest.skip("../shared/schemas/openlineage is absent: the OpenLineage schemas ship with no package")
    return SchemaSet.load(root)


def _event() -> dict[str, Any]:
    """A valid RunEvent written by hand from the OpenLineage spec (not by the code under test)."""
    producer = "https://example.com/producer"
    return {
        "eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00+00:00", "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "01a244d3-31ef-7f1b-af00-172796397208", "facets": {}},
        "job": {"namespace": "shop", "name": "shop.ingest", "facets": {}},
        "inputs": [],
        "outputs": [{"namespace": "duckdb://warehouse.duckdb", "name": "raw_app.orders", "facets": {"schema": {
            "_producer": producer,
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
            "fields": [{"name": "id", "type": "bigint"}],
        }}}],
    }  # fmt: skip


def test_the_judge_accepts_a_valid_event_and_resolves_every_stored_reference(schemas: SchemaSet) -> None:
    assert len(schemas.ids) > 30  # the core schema and its facets
    assert schemas.unresolved() == []
    assert schemas.problems(_event()) == []


def test_the_judge_refuses_broken_events_and_unknown_schemas(schemas: SchemaSet) -> None:
    no_run_id = _event()
    del no_run_id["run"]["runId"]
    assert any("runId" in p for p in schemas.problems(no_run_id))
    bad_field = _event()
    bad_field["outputs"][0]["facets"]["schema"]["fields"][0]["name"] = 3
    assert any("not of type 'string'" in p for p in schemas.problems(bad_field))
    unknown = _event()
    facet = unknown["outputs"][0]["facets"]["schema"]
    facet["_schemaURL"] = facet["_schemaURL"].replace("1-2-0", "9-9-9")
    assert any("does not resolve locally" in p for p in schemas.problems(unknown))


def test_an_unresolvable_reference_in_a_stored_schema_is_reported(tmp_path: Path, schemas: SchemaSet) -> None:
    root = schemas_dir()
    assert root is not None
    core = json.loads((root / "OpenLineage.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(core)
    broken["$defs"]["RunEvent"]["allOf"] = [{"$ref": "https://openlineage.io/spec/nowhere.json"}]
    (tmp_path / "OpenLineage.json").write_text(json.dumps(broken), encoding="utf-8")
    assert SchemaSet.load(tmp_path).unresolved() == ["https://openlineage.io/spec/2-0-2/OpenLineage.json: "
                                                    "https://openlineage.io/spec/nowhere.json"]  # fmt: skip


def test_each_step_names_the_tables_it_reads_and_writes() -> None:
    tree = _tree(HELLO.read_text(encoding="utf-8"))
    jobs = json.loads(tree["lineage/jobs.json"])
    steps = {s["step"]: s for s in jobs["steps"]}
    # synthesize makes stand-ins, not a job; an orchestrated run ingests per source (task ingest_shop)
    assert set(steps) == {"ingest", "transform", "quality", "ingest_shop"}

    def names(step: str, side: str) -> list[tuple[str, str]]:
        return [(d["store"], d["name"]) for d in steps[step][side]]

    # hello.yaml: source `shop` (postgres) table `orders` -> raw_shop.orders -> staging.stg_shop__orders
    assert names("ingest", "inputs") == [("postgres://shop", "orders")]
    assert names("ingest", "outputs") == [("warehouse", "raw_shop.orders")]
    assert names("ingest", "optional") == [("warehouse", "raw_shop.orders__dead_letter")]
    for side in ("inputs", "outputs", "optional"):  # the only source: its task's job reads and writes the same
        assert names("ingest_shop", side) == names("ingest", side)
    assert names("transform", "inputs") == [("warehouse", "raw_shop.orders")]
    assert names("transform", "outputs") == [("warehouse", "staging.stg_shop__orders")]
    assert names("quality", "inputs") == [("warehouse", "staging.stg_shop__orders")]
    fields = steps["ingest"]["inputs"][0]["fields"]
    assert fields[0] == ["order_id", "bigint"] and fields[3] == ["amount", "decimal(12,2)"]
    assert jobs["transport"] == {"type": "file", "log_file_path": "lineage/events.jsonl", "append": True}
    assert jobs["stores"] == {"warehouse": "duckdb://warehouse"}
    assert "openlineage-python==1.54.0" in tree["requirements.txt"].splitlines()
    assert "lineage.Tracker.begin(env)" in tree["pipeline/run.py"]
    assert "| ingest | `orders` | `raw_shop.orders`, `raw_shop.orders__dead_letter` |" in tree["docs/lineage.md"]


def test_an_http_transport_reads_its_url_and_key_from_the_environment() -> None:
    text = HELLO.read_text(encoding="utf-8") + (
        "monitoring:\n  lineage:\n    transport: http\n    url: ${env:MARQUEZ_URL}\n"
        "    api_key: ${secret:MARQUEZ_KEY}\n    namespace: shop-prod\n"
    )
    tree = _tree(text)
    jobs = json.loads(tree["lineage/jobs.json"])
    assert jobs["namespace"] == "shop-prod"
    assert jobs["transport"] == {"type": "http", "url": "${env:MARQUEZ_URL}", "endpoint": "api/v1/lineage",
                                 "auth": {"type": "api_key", "apiKey": "${secret:MARQUEZ_KEY}"}}  # fmt: skip
    assert "MARQUEZ_URL=" in tree[".env.example"] and "MARQUEZ_KEY" in tree[".env.example"]
    runtime = _runtime()
    env = {"MARQUEZ_URL": "http://marquez:5000", "MARQUEZ_KEY": "k"}
    chosen, local = runtime.transport_config(jobs, env, Path("/p"))
    assert not local and chosen["url"] == "http://marquez:5000" and chosen["auth"]["apiKey"] == "k"
    local_cfg, local = runtime.transport_config(
        jobs, {**env, "PIPEGEN_LINEAGE_FILE": "lineage/events.jsonl"}, Path("/p")
    )
    assert local and local_cfg == {"type": "file", "log_file_path": "/p/lineage/events.jsonl", "append": True}
    with pytest.raises(KeyError, match="MARQUEZ_KEY"):
        runtime.transport_config(jobs, {"MARQUEZ_URL": "http://marquez:5000"}, Path("/p"))


def test_lineage_off_writes_nothing() -> None:
    tree = _tree(HELLO.read_text(encoding="utf-8") + "monitoring:\n  lineage: {enabled: false}\n")
    assert not [p for p in tree if "lineage" in p]
    assert "openlineage" not in tree["requirements.txt"] and "lineage" not in tree["pipeline/run.py"]


DRIVER = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from pipeline import lineage
root = Path(sys.argv[1])
tracker = lineage.Tracker.begin({"PIPEGEN_LINEAGE_FILE": "lineage/events.jsonl"}, root)
run = tracker.step_started("ingest")
tracker.step_ended("ingest", run, 1, {"failures": ["shop.orders: connection refused"]})
tracker.end(1)
"""


@pytest.mark.judge
def test_a_failed_step_emits_fail_events_that_validate(tmp_path: Path, batch_python: Path, schemas: SchemaSet) -> None:
    project = tmp_path / "hello"
    for path, text in _tree(HELLO.read_text(encoding="utf-8")).items():
        if path.startswith(("pipeline/", "lineage/")):
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(text, encoding="utf-8")
    proc = subprocess.run([str(batch_python), "-c", DRIVER, str(project)], capture_output=True, text=True,
                          timeout=300, check=False, env=offline_env(tmp_path / "home"))  # fmt: skip
    assert proc.returncode == 0 and "lineage:" not in proc.stderr, proc.stderr[-3000:]
    events = read_events(project / "lineage" / "events.jsonl")
    assert [(e["eventType"], e["job"]["name"]) for e in events] == [
        ("START", "hello"),
        ("START", "hello.ingest"),
        ("FAIL", "hello.ingest"),
        ("FAIL", "hello"),
    ]
    assert all(schemas.problems(e) == [] for e in events), [schemas.problems(e) for e in events]
    error = events[2]["run"]["facets"]["errorMessage"]
    assert error["message"] == "shop.orders: connection refused" and error["programmingLanguage"] == "PYTHON"
    assert events[2]["outputs"][0]["name"] == "raw_shop.orders"
    assert "outputStatistics" not in (events[2]["outputs"][0].get("outputFacets") or {})  # FAIL: no counts


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_an_orchestrated_runs_ingest_jobs_split_the_ingest_step_per_source() -> None:
    """One job per batch source (the DAG's task group, the flow's task run `ingest_<source>`), each
    writing exactly its source's landed tables (`raw_<source>`), together the ingest step's."""
    split = 0
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        tree = _tree(spec.read_text(encoding="utf-8"))
        steps = {s["step"]: s for s in json.loads(tree["lineage/jobs.json"])["steps"]}
        if "ingest" not in steps:
            continue
        per_source = {k: s for k, s in steps.items() if k.startswith("ingest_")}
        assert per_source, spec.stem
        landed = sorted(d["name"] for d in steps["ingest"]["outputs"])
        assert sorted(d["name"] for s in per_source.values() for d in s["outputs"]) == landed, spec.stem
        for step, job in per_source.items():
            schema = "raw_" + step.removeprefix("ingest_")
            assert {d["name"].split(".")[0] for d in job["outputs"]} == {schema}, (spec.stem, step)
        split += len(per_source) > 1
    assert split, "no example with two batch sources: the split judged nothing"
