"""The hostile spec of tests/hostile/cases.py (every name a reserved word, injection-shaped accepted
values, a watermark named `where`) runs the generated project's own local path: synthetic data into
SQLite stand-ins, dlt ingestion into DuckDB (the incremental cursor on `where`), then dbt build
with every model built and every test passing on clean data."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import generate
from tests.hostile import cases
from tests.judges import offline_env

RESULTS = """
import json, pathlib
doc = json.loads(pathlib.Path("dbt/target/run_results.json").read_text())
print(json.dumps({r["unique_id"]: r["status"] for r in doc["results"]}))
"""


@pytest.mark.judge
def test_synthesize_ingest_and_dbt_build_pass_on_the_hostile_spec(tmp_path: Path, batch_python: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    YAML().dump(cases.spec(), spec)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    env = offline_env(tmp_path / "home")
    for argv in (("-m", "pipeline.synthesize", "--force", "--rows", "200"), ("-m", "pipeline.ingest", "--local"),
                 ("-m", "pipeline.transform"), ("-c", RESULTS)):  # fmt: skip
        done = subprocess.run([str(batch_python), *argv], cwd=project, capture_output=True, text=True, timeout=900,
                              check=False, env=env)  # fmt: skip
        assert done.returncode == 0, f"{argv}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    statuses = json.loads(done.stdout)
    models = {u.split(".")[-1] for u in statuses if u.startswith("model.")}
    assert models == {"stg_select__limit", "stg_select__order", "stg_select__table", "group"}
    tests = [u for u in statuses if u.startswith("test.")]
    assert len(tests) >= 20  # every rule of the three tables and the mart
    assert set(statuses.values()) <= {"success", "pass"}, statuses
