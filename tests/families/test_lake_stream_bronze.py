"""A stream landing in the lake (issue 20): a Lakehouse plan whose speed layer is Flink lands its CDC
table in bronze through a Flink job, and the local run does the same over the local change events.

tests/judges/flink_lake_bronze.yaml (orders captured from PostgreSQL; a Delta and an Iceberg lake
target; a mart over the orders) is generated and run locally as the user runs it, `pipegen run` with
the batch env as the project's and the flink env as PyFlink's (PIPEGEN_FLINK_PYTHON the session's
Flink judge service's stand-in: the stream step in a fork of its PyFlink server, whose JVM is up;
tests/judges/flink_service.py), through the steps that move the
orders: synthesize, ingest, stream (the bronze job in PyFlink over synthetic change events, a share
of them breaking the spec's rules), lake (bronze and silver), transform (dbt over silver's
copy), lake_gold. Then, in the lake env (tests/families/lake_stream_driver.py), each target's silver
and gold read back with DuckDB's delta_scan / iceberg_scan equal a plain-Python reference computed
from the raw change events (per key the latest valid event, deletes removed; the mart over it; a
Kafka topic's records, with no key, each once);
bronze holds every event once and silver's rejected rows the events that break a rule. A second run
over the same events lands nothing twice: bronze, silver and gold unchanged, no key twice in silver.
The Flink job itself is planned in Flink's planner by tests/judges/test_flink_jobs.py (this spec is
one of its projects); its Iceberg/Delta sink is not (no connector jar offline), see docs/families.md.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, generate, pipegen_exe
from tests.judges import offline_env

pytestmark = pytest.mark.judge

SPEC = REPO / "tests" / "judges" / "flink_lake_bronze.yaml"
DRIVER = Path(__file__).with_name("lake_stream_driver.py")
STEPS = "synthesize,ingest,stream,lake,transform,lake_gold"


def run(project: Path, batch: Path, flink: Path, home: Path, *options: str) -> str:
    env = offline_env(home, PIPEGEN_FLINK_PYTHON=str(flink), PYTHONPATH=str(REPO / "src"))
    proc = subprocess.run(
        [pipegen_exe(), "run", str(project), "--python", str(batch), "--no-docs", "--only", STEPS, *options],
        cwd=project, capture_output=True, text=True, timeout=900, check=False, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    return proc.stdout


def read(project: Path, lake: Path, home: Path) -> dict[str, Any]:
    proc = subprocess.run([str(lake), str(DRIVER), str(project)], capture_output=True, text=True, timeout=300,
                          check=False, env=offline_env(home))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, batch_python: Path, flink_shared: Path, lake_python: Path
) -> tuple[Path, dict[str, Any], dict[str, Any], str]:
    """The project, what the driver read after the first and after the second run, the first run's output."""
    root = tmp_path_factory.mktemp("lake_stream")
    project, home = root / "project", root / "home"
    code, output = generate(SPEC, project)
    assert code == 0, output
    first_out = run(project, batch_python, flink_shared, home, "--rows", "300", "--bad-row-rate", "0.1")
    first = read(project, lake_python, home)
    run(project, batch_python, flink_shared, home)
    return project, first, read(project, lake_python, home), first_out


def test_the_stream_lands_in_bronze_before_the_lake_step_and_not_through_the_warehouse(runs: tuple) -> None:
    project, _, _, output = runs
    run_py = (project / "pipeline" / "run.py").read_text()
    assert run_py.index('"name": "stream"') < run_py.index('"name": "lake"')
    lake = json.loads((project / "pipeline" / "lake.json").read_text())
    assert [t.get("stream") for t in lake["tables"]] == [True, True]
    jobs = json.loads((project / "flink" / "jobs.json").read_text())["jobs"]
    bronze = ["stream_lake__shop__orders__bronze", "stream_lake__web__clicks__bronze"]
    assert [j["job"] for j in jobs if "bronze" in j] == bronze
    assert list((project / "data" / "landing" / "shop" / "orders").glob("stream-*.parquet"))
    assert "rows to bronze's landing" in output


def test_silver_and_gold_equal_the_reference_from_the_raw_change_events(runs: tuple) -> None:
    _, first, _, _ = runs
    ref = first["reference"]
    assert ref["rejected"] > 0 and ref["silver"] and ref["gold"], ref  # bad events, and rows to compare
    assert set(first["targets"]) == {"lake", "archive"}  # Delta and Iceberg
    for name, got in first["targets"].items():
        assert got["silver"] == ref["silver"], name
        assert got["gold"] == ref["gold"], name
        assert got["bronze"] == ref["events"], name  # every event once (one landed batch)
        assert got["rejected"] == ref["rejected"], name
        assert got["silver_keys"] == len(got["silver"]), name
        assert got["clicks"] == ref["clicks"], name  # the valid records, each once
        assert got["clicks_bronze"] == ref["clicks_records"] > len(ref["clicks"]), name


def test_a_second_run_over_the_same_events_lands_nothing_twice(runs: tuple) -> None:
    _, first, second, _ = runs
    for name, got in second["targets"].items():
        before = first["targets"][name]
        assert got["silver"] == second["reference"]["silver"] == first["reference"]["silver"], name
        assert (got["bronze"], got["bronze_batches"]) == (before["bronze"], before["bronze_batches"]), name
        assert got["silver_keys"] == len(got["silver"]), name
        assert got["versions"]["bronze"] == before["versions"]["bronze"], name  # nothing appended
        assert got["gold"] == before["gold"], name
        assert (got["clicks"], got["clicks_bronze"]) == (before["clicks"], before["clicks_bronze"]), name
