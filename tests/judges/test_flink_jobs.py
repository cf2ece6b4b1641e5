"""Flink judges in PyFlink 2.3 (the flink judge env), through the generated project's own
pipeline/flink_local.py rewrite:

- every statement of every stream job of every example is planned (EXPLAIN), external
  connectors swapped for filesystem/blackhole of the same schema (every example in one JVM);
- in the same JVM, a file sink on an S3, GCS and Azure bucket is planned as production writes it
  (its own connector and `s3://`/`gs://`/`abfss://` path; tests/generators/test_flink_cloud_paths.py);
- the flink_bids oracle (../shared/oracles/flink_bids, Flink's documented results): each job of
  tests/judges/flink_bids.yaml runs in the local mini-cluster over the oracle's rows and must produce
  exactly the documented rows (a mismatch is a bug in pipegen, never in the oracle), in the same JVM
  as the EXPLAINs, after them (tests/specgen/flink_plans.py `--run`).
"""

from __future__ import annotations

import csv
import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipegen.ledger import baseline
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO, example_specs
from tests.conftest import generate as generate_in_process
from tests.generators.test_flink_cloud_paths import JUDGED, cloud_spec
from tests.judges import offline_env
from tests.judges.crds import shared_path
from tests.judges.flink_cluster import CODE_SPLIT_ENV

DRIVER = Path(__file__).with_name("flink_driver.py")
BIDS_SPEC = Path(__file__).with_name("flink_bids.yaml")  # the oracle's stream jobs, as a spec
# a Lakehouse whose stream lands in bronze (issue 20): its bronze jobs, a CDC table's and a topic's
LAKE_BRONZE_SPEC = Path(__file__).with_name("flink_lake_bronze.yaml")
# Avro topics read through their schema registry (avro-confluent), planned over their local JSON stand-ins
AVRO_SPEC = Path(__file__).with_name("flink_avro_topics.yaml")
ORACLE = shared_path("oracles", "flink_bids")

# Jobs that cannot be planned yet, with the reason (Flink refuses them in production too). None:
# ecommerce_realtime__suspicious_orders (an OVER-window history over a CDC table, which Flink
# refuses over a changelog: "StreamPhysicalOverAggregate doesn't support consuming update") now
# reads its CDC topic append-only (plain json, `after`, op c/r) and plans.
KNOWN_UNPLANNABLE: dict[str, str] = {}


@functools.cache
def with_flink() -> tuple[Path, ...]:
    """The examples whose generated tree has stream jobs, the oracle and the Lakehouse whose stream
    lands in bronze (its sinks planned as the blackhole stand-in: no Delta/Iceberg jar offline): every example rendered
    once per process (its two parametrizations and a test ask; collection happens in each worker)."""
    out = []
    for spec in example_specs():
        ready = prepare(spec)
        if any(p.startswith("flink/sql/") for p in render_tree(ready.spec, ready.plan)):
            out.append(spec)
    return (*out, BIDS_SPEC, LAKE_BRONZE_SPEC, AVRO_SPEC)


def generate(spec: Path, out: Path) -> Path:
    """The project, generated through the CLI's Typer app in this process (the console script is
    judged in tests/cli)."""
    code, output = generate_in_process(spec, out)
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """{spec: its project} of every example with stream jobs and the oracle, generated once for the
    module's judges (EXPLAIN, the oracle's run, the FlinkDeployment CRD)."""
    tmp = tmp_path_factory.mktemp("flink_projects")
    return {spec: generate(spec, tmp / spec.stem / "project") for spec in with_flink()}


def driver(python: Path, home: Path, *args: str) -> dict[str, object]:
    proc = subprocess.run(
        [str(python), str(DRIVER), *args],
        capture_output=True,
        text=True,
        env=offline_env(home),
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_examples_with_stream_jobs_include_the_oracle_and_the_streaming_examples() -> None:
    names = {p.stem for p in with_flink()}
    assert {"ecommerce_realtime", "iot_lambda", "flink_bids", "flink_lake_bronze", "flink_avro_topics"} <= names


PLANS = REPO / "tests" / "specgen" / "flink_plans.py"  # many projects planned in one JVM


def write_project(data: dict[str, object], out: Path) -> Path:
    for rel, text in baseline(data).files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    return out


def oracle_data(out: Path) -> Path:
    """The oracle's rows, one JSON-lines file per topic, where the oracle project's jobs read them."""
    names = prepare(BIDS_SPEC).plan.names
    for source_file, topic, _ in ORACLE_JOBS.values():
        folder = out / names.dataset("auction", topic).topic
        folder.mkdir(parents=True, exist_ok=True)
        _, rows = _rows(ORACLE / source_file)
        lines = [json.dumps({k: (float(v) if k == "price" else v) for k, v in r.items()}) for r in rows]
        (folder / "part-0.json").write_text("\n".join(lines) + "\n")
    return out


@pytest.fixture(scope="module")
def flink_runs(
    flink_shared: Path, projects: dict[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """In one JVM (a PyFlink gateway start costs 10-30 s of CPU): EXPLAIN of every job of every
    example with stream jobs and of the cloud sinks (JUDGED), then the oracle's jobs run in the
    local mini-cluster over its rows."""
    tmp = tmp_path_factory.mktemp("flink_plans")
    clouds = {cloud: write_project(cloud_spec(cloud, **conn), tmp / f"cloud_{cloud}") for cloud, conn, _ in JUDGED}
    run = [str(projects[BIDS_SPEC]), str(oracle_data(tmp / "cdc"))]
    # Flink's own code-split threshold (CODE_SPLIT_ENV): every example's jobs through the splitter, as in production
    proc = subprocess.run(
        [str(flink_shared), str(PLANS), *map(str, projects.values()), "--sinks", *map(str, clouds.values()),
         "--run", *run],
        capture_output=True, text=True, env={**offline_env(tmp / "home"), CODE_SPLIT_ENV: "flink"},
        timeout=1800, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    planned = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"projects": projects, "planned": planned, "clouds": clouds}


@pytest.fixture(scope="module")
def plans(flink_runs: dict[str, Any]) -> dict[Path, tuple[Path, dict[str, str]]]:
    """{spec: (its project, {job: "planned" or the planner's reason})}."""
    planned = flink_runs["planned"]
    return {spec: (project, planned[str(project)]) for spec, project in flink_runs["projects"].items()}


def test_pyflink_plans_file_sinks_on_s3_gcs_and_azure_as_production_writes_them(flink_runs: dict[str, Any]) -> None:
    """Each cloud project's one job, its sink kept as generated: the path is the bucket's URI
    (written out by hand in JUDGED) and Flink's planner accepts the statement."""
    sinks = flink_runs["planned"]["sinks"]
    for cloud, _connection, expected in JUDGED:
        project = flink_runs["clouds"][cloud]
        assert f"'path' = '{expected}'" in (project / "flink/sql/clouds__per_minute.sql").read_text()
        assert sinks[str(project)] == {"clouds__per_minute": "planned"}, (cloud, sinks[str(project)])


@pytest.mark.parametrize("spec", with_flink(), ids=lambda p: p.stem)
def test_pyflink_plans_every_generated_statement(spec: Path, plans: dict[Path, tuple[Path, dict[str, str]]]) -> None:
    project, planned = plans[spec]
    jobs = json.loads((project / "flink" / "jobs.json").read_text())["jobs"]
    assert set(planned) == {j["job"] for j in jobs}
    failures = {job: why for job, why in planned.items() if why != "planned"}
    expected = {job: why for job, why in KNOWN_UNPLANNABLE.items() if job in planned}
    assert set(failures) == set(expected), failures
    for job, why in expected.items():
        assert why in str(failures[job]), failures[job]


# job -> (the oracle's data file, its topic, the expected results)
ORACLE_JOBS = {
    "tumble_10m": ("bids.csv", "bids", "expected_tumble_10m.csv"),
    "hop_slide5m_size10m": ("bids.csv", "bids", "expected_hop_slide5m_size10m.csv"),
    "cumulate_step2m_max10m": ("bids.csv", "bids", "expected_cumulate_step2m_max10m.csv"),
    "tumble_10m_by_supplier": ("bids.csv", "bids", "expected_tumble_10m_by_supplier.csv"),
    "top3_suppliers_tumble_10m": ("bids_topn.csv", "bids_topn", "expected_top3_suppliers_tumble_10m.csv"),
    "session_gap5m_by_item": ("bids_session.csv", "bids_session", "expected_session_gap5m_by_item.csv"),
    "session_gap5m": ("bids_session.csv", "bids_session", "expected_session_gap5m.csv"),
}


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_the_oracle_declares_every_documented_job() -> None:
    spec = prepare(BIDS_SPEC).spec
    assert {j.name for j in spec.transforms.streams} == set(ORACLE_JOBS)


@pytest.fixture(scope="module")
def oracle_results(flink_runs: dict[str, Any]) -> dict[str, object]:
    """{job: {"columns", "rows"} or {"error"}}: the oracle project's jobs run over its rows (flink_runs' JVM)."""
    runs: dict[str, object] = flink_runs["planned"]["runs"]
    return runs


def _normalise(columns: list[str], row: list[object]) -> tuple[str, ...]:
    out = []
    for c, v in zip(columns, row, strict=True):
        text = str(v)
        if c in ("window_start", "window_end"):
            text = text.replace("T", " ")[:19]
        elif c in ("price", "total_price"):
            text = f"{float(text):.2f}"
        out.append(text)
    return tuple(out)


@pytest.mark.parametrize("job", sorted(ORACLE_JOBS))
def test_generated_sql_reproduces_flinks_documented_window_results(job: str, oracle_results: dict[str, object]) -> None:
    result = oracle_results[f"flink_bids__{job}"]
    assert isinstance(result, dict) and "error" not in result, result
    columns, expected_rows = _rows(ORACLE / ORACLE_JOBS[job][2])
    assert result["columns"] == columns
    got = sorted(_normalise(columns, r) for r in result["rows"])
    want = sorted(_normalise(columns, [r[c] for c in columns]) for r in expected_rows)
    assert got == want


@pytest.mark.parametrize("spec", with_flink(), ids=lambda p: p.stem)
def test_every_flinkdeployment_validates_strictly_against_the_operator_crd(
    spec: Path, projects: dict[Path, Path]
) -> None:
    from tests.judges.crds import CrdCatalog, load_resources, shared_crds_dir

    folder = shared_crds_dir()
    if folder is None:
        pytest.skip("../shared/crds is absent (it lives in the steering repo's shared/ folder)")
    catalog = CrdCatalog.load(folder)
    project = projects[spec]
    deployments = sorted((project / "flink" / "deploy").glob("*.yaml"))
    jobs = json.loads((project / "flink" / "jobs.json").read_text())["jobs"]
    assert len(deployments) == len(jobs)
    assert jobs, "the spec plans no Flink job: no FlinkDeployment was judged"
    for path in deployments:
        resources = load_resources(path.read_text())
        assert [r["kind"] for r in resources] == ["FlinkDeployment"]
        assert catalog.validate_all(resources) == []
        assert resources[0]["spec"]["job"]["upgradeMode"] == "savepoint"
