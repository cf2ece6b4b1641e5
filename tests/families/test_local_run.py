"""The local run, judged end to end: for every example with a batch layer, the generated project's
local run (synthesize -> ingest with dlt into DuckDB -> dbt build -> quality, a Lakehouse's lake steps)
exits 0 in the batch judge environment, and every landed
table, every staging model and every non-ephemeral mart is in the warehouse with rows (a Lakehouse:
every table of its lake in bronze and silver with rows); its quality step passed every GX suite of
the project with schema-valid ValidationPassed events; and the run's metrics file (the monitoring
family) holds the row counts, newest rows and quality statistics the warehouse and the event log
hold (tests/families/metrics_check.py); and its OpenLineage events validate against the OpenLineage
schemas and name the run's real tables (tests/families/lineage_check.py). jaffle_shop runs over the
shop's real CSVs (files source -> dlt -> dbt), and its marts must then pass the jaffle oracle
(../shared/oracles/jaffle). The counts the steps reported while they ran (run.json's "progress",
what the live display shows on a terminal) agree with what their summaries say they did.

The examples' runs, and the CDC variant's, share one batch-env process (the `runs` fixture,
tests/specgen/local_runs.py: each project's own runner whole, its steps run in that process as `python -m`
runs them); the command the user types, `pipegen run DIR --python <the batch env>` with every step a
process of its own, is judged as a process by the README walk-throughs (tests/judges/test_readme_walkthrough*.py),
whose four examples' runs take every kind of step these examples have (and with `--python`, as here, by
tests/families/test_lake_stream_bronze.py)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare
from tests.conftest import REPO, example_specs, generate
from tests.families import lineage_check, metrics_check
from tests.families.test_gx_quality import assert_valid, events
from tests.judges import offline_env
from tests.judges.crds import shared_path
from tests.offline_assets import remote_assets, unshipped_scripts
from tests.specgen.judges import DATA_DOCS, DBT_DOCS, models

ORACLE = shared_path("oracles", "jaffle")
DRIVER = Path(__file__).with_name("local_run_driver.py")
LAKE_COUNTS = Path(__file__).with_name("lake_counts_driver.py")
LAKE_GOLD = Path(__file__).with_name("lake_gold_driver.py")
LOCAL_RUNS = REPO / "tests" / "specgen" / "local_runs.py"


@functools.cache
def with_local_run() -> tuple[Path, ...]:
    """Examples whose plan generates a local run (pipeline/run.py). Cached: each call renders every
    example (~4 s of CPU here), and the parametrization, this module's test, the walk-throughs'
    and test_gx_quality's ask it in the same process."""
    return tuple(p for p in example_specs() if "pipeline/run.py" in _paths(p))


def _paths(spec: Path) -> set[str]:
    from pipegen.pipeline import render_tree

    ready = prepare(spec)
    return set(render_tree(ready.spec, ready.plan))


def landed(spec: Path) -> list[str]:
    """schema.table of every table the batch layer lands (streams included in Lambda/Lakehouse)."""
    ready = prepare(spec)
    sources = [ready.spec.sources[i] for i in ready.plan.graph.batch_sources]
    names = [ready.plan.names.dataset(s.name, d.name) for s in sources for d in (*s.tables, *s.topics)]
    return [f"{n.raw_schema}.{n.raw_table}" for n in names]


# Examples whose run also builds the report's docs (dbt's static page, GX's Data Docs: ~3 s of CPU
# a run); the others run with --no-docs. The README walk-through builds hello's.
WITH_DOCS = {"jaffle_shop"}


def assert_progress(run: dict[str, object]) -> None:
    """The counts the steps reported while they ran (pipeline.progress; the live display shows them
    on a terminal) agree with what the steps' summaries say they did."""
    steps = {s["name"]: s for s in run["steps"]}  # type: ignore[attr-defined,index]
    synthesize, ingest, transform = steps["synthesize"], steps["ingest"], steps["transform"]
    written = {} if synthesize["rows"] is None else {"rows written": synthesize["rows"]}  # jaffle: its CSVs are there
    assert synthesize["progress"] == written, synthesize
    assert ingest["progress"]["rows loaded"] == ingest["rows"] and ingest["progress"]["rows extracted"] > 0, ingest
    built = transform["progress"]  # dbt's nodes by kind, counted from its NodeFinished events
    assert built.get("models built", 0) > 0, transform
    assert sum(built.values()) == sum(int(n) for n in re.findall(r"(\d+) \w+", transform["text"])), transform


def judge_run(
    spec: Path, project: Path, output: str, python: Path, home: Path, docs: bool, sized: bool = False
) -> None:
    """What a local run of `spec` in `project` must have left (its printed `output`): the summary
    and report, the docs asked for, every landed table, staging model and mart with rows, every GX
    suite passed with schema-valid events, the metrics and OpenLineage events true to the run, and
    a Lakehouse's bronze and silver tables with rows. Also judges the README walk-through's runs
    (tests/judges/test_readme_walkthrough*.py), which the parametrization below leaves out.
    `sized`: the run was asked for fewer rows (`--rows`) than a table's `row_count` rule wants, so
    that rule (a warning) may fail; nothing else may."""
    # every architecture's run ends with its summary and report
    assert "local run" in output and (project / "reports" / "index.html").is_file()
    built = [(project / p).is_file() for p in (DBT_DOCS, DATA_DOCS)]
    assert built == [docs, docs], f"{spec.stem}: docs built {built}, asked for {docs}"
    for page in sorted((project / DATA_DOCS).parent.rglob("*.html")):  # GX's pages, rewritten by the run
        assert remote_assets(page.read_text(encoding="utf-8")) == [] and unshipped_scripts(page) == [], page
    expected = landed(spec) + models(project)
    read = subprocess.run(
        [str(python), str(DRIVER), str(project / "warehouse.duckdb"), *expected],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(home),
    )  # fmt: skip
    assert read.returncode == 0, read.stderr[-3000:]
    rows = json.loads(read.stdout)
    empty = {m: n for m, n in rows.items() if n in {"missing", 0}}
    assert not empty, f"{spec.stem}: models missing or empty after the local run: {empty}"
    # the same run's quality step (GX, both stages of a quarantine plan): every suite passed, and
    # every event is valid against the project's schema (test_gx_quality judges the failures)
    emitted = events(project)
    suites = {p.stem for p in (project / "gx" / "expectations").glob("*.json")}
    assert suites, f"{spec.stem}: the project has no suite to run"
    failed = [e for e in emitted if e["event_type"] in ("ValidationFailed", "ThresholdBreached")]
    row_count = "expect_table_row_count_to_be_between"
    row_counts = [e for e in failed if sized and e.get("failed_expectations") and all(
        f["expectation"] == row_count and f["severity"] == "warning" for f in e["failed_expectations"])]  # fmt: skip
    assert {e["suite"] for e in emitted if e["event_type"] == "ValidationPassed" or e in row_counts} == suites
    assert failed == row_counts, failed
    assert_valid(project, emitted)
    # the same run's metrics file (the monitoring family), against the warehouse and event log
    compared = metrics_check.check(spec, project, python, home, output)
    assert compared or not prepare(spec).spec.monitoring.prometheus, f"{spec.stem}: no metric compared"
    # the same run's OpenLineage events (the lineage family): schemas, parent/child runs, real tables
    judged = lineage_check.check(project, landed(spec), models(project), python, home)
    assert judged, f"{spec.stem}: no lineage event judged"
    if (project / "pipeline" / "lake.json").is_file():  # a Lakehouse: every landed table in bronze and silver
        lake = subprocess.run(
            [str(python), str(LAKE_COUNTS), str(project)],
            capture_output=True, text=True, timeout=300, check=False, env=offline_env(home),
        )  # fmt: skip
        assert lake.returncode == 0, lake.stderr[-3000:]
        counts = json.loads(lake.stdout)
        assert counts and all(isinstance(n, int) and n > 0 for n in counts.values()), counts


def lake_gold(python: Path, action: str, project: Path, home: Path) -> str:
    """tests/families/lake_gold_driver.py in the batch env: `land` a batch for silver before the run,
    `check` gold against the gated reference after it (its JSON)."""
    done = subprocess.run([str(python), str(LAKE_GOLD), action, str(project)], capture_output=True, text=True,
                          timeout=300, check=False, env=offline_env(home))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_example_with_a_batch_layer_has_a_local_run() -> None:
    names = {p.stem for p in with_local_run()}
    assert {"hello", "saas_elt", "iot_lambda", "azure_playground", "jaffle_shop", "pii_etl"} <= names


# Examples whose local run the README's walk-throughs make and judge with judge_run (their `pipegen
# run` is a local run: one run instead of two; tests/judges/test_readme_walkthrough*.py)
WALKED = {"hello", "ecommerce_realtime", "iot_lambda", "azure_playground"}


# The examples run here (the walked ones are the walk-throughs' `pipegen run`s)
LOCAL = [p for p in with_local_run() if p.stem not in WALKED]
PARAMETRIZED = "test_the_local_run_builds_every_staging_model_and_mart_with_rows"


CDC = "hello_cdc"  # the CDC variant's run (test_a_cdc_source_in_a_batch_layer_runs_locally_from_its_sqlite_stand_in)


def selected(request: pytest.FixtureRequest) -> list[Path]:
    """The examples of LOCAL whose test this session runs (after -k and the like)."""
    stems = {item.callspec.params["spec"].stem for item in request.session.items
             if getattr(item, "originalname", "") == PARAMETRIZED and item.module is request.module}  # fmt: skip
    return [spec for spec in LOCAL if spec.stem in stems]


def cdc_variant(folder: Path) -> Path:
    """hello's spec with its source ingested by CDC (a batch layer reading the SQLite stand-in), written
    to FOLDER/hello_cdc.yaml."""
    spec = folder / f"{CDC}.yaml"
    text = (REPO / "specs" / "hello.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace("    ingestion: batch", "    ingestion: cdc"), encoding="utf-8")
    return spec


def cdc_selected(request: pytest.FixtureRequest) -> bool:
    return any(getattr(item, "originalname", "") == CDC_TEST and item.module is request.module
               for item in request.session.items)  # fmt: skip


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, batch_python: Path
) -> dict[str, dict[str, Any]]:
    """The local run of every selected example in ONE batch-env process (tests/specgen/local_runs.py):
    each project's own runner `main(argv)` runs whole (the steps it picks, their environments, the
    report, metrics, lineage), and the steps it starts as `python -m pipeline.NAME` processes of its
    interpreter run in that process as `python -m` runs them, so dbt, Great Expectations, dlt and the
    lake libraries are imported once, not once a step. That a step starts as its own process, and
    `pipegen run` itself, are judged as processes by the README walk-throughs. The CDC variant's run
    (CDC, when its test is selected) is one more project there.
    {example: {"project", "code", "in_process", "error", "seconds", "output"}}."""
    root = tmp_path_factory.mktemp("local_runs")
    todo: list[tuple[str, list[str]]] = []
    specs = [*selected(request), *([cdc_variant(root)] if cdc_selected(request) else [])]
    for spec in specs:
        if spec.stem == "jaffle_shop" and not (ORACLE / "seeds").is_dir():
            continue  # the test skips, saying why
        project = root / spec.stem
        code, output = generate(spec, project)
        assert code == 0, output
        assert not (project / "requirements-flink.txt").is_file(), f"{project}: its stream step needs PyFlink's env"
        if spec.stem == "jaffle_shop":  # the shop's real CSVs, not synthetic rows
            (project / "data").mkdir(exist_ok=True)
            for csv in sorted((ORACLE / "seeds").glob("*.csv")):
                shutil.copy(csv, project / "data" / csv.name)
        if spec.stem in GATED:
            lake_gold(batch_python, "land", project, root / "home")
        todo.append((str(project), [] if spec.stem in WITH_DOCS else ["--no-docs"]))
    if not todo:
        return {}
    (root / "runs.json").write_text(json.dumps(todo))
    done = subprocess.run(
        [str(batch_python), str(LOCAL_RUNS), "--json", str(root / "runs.json")],
        capture_output=True, text=True, timeout=1800, check=False, env=offline_env(root / "home"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        Path(project).name: {**results[project], "project": Path(project),
                             "output": (Path(project) / "judge.log").read_text(encoding="utf-8", errors="replace")}
        for project, _ in todo
    }  # fmt: skip


# gold judged against a reference with silver's gate applied (lake_gold_driver.py)
GATED = {"spark_lakehouse"}


@pytest.mark.judge
@pytest.mark.parametrize("spec", LOCAL, ids=lambda p: p.stem)
def test_the_local_run_builds_every_staging_model_and_mart_with_rows(
    spec: Path, tmp_path: Path, batch_python: Path, runs: dict[str, dict[str, Any]]
) -> None:
    jaffle = spec.stem == "jaffle_shop"
    if jaffle and not (ORACLE / "seeds").is_dir():
        pytest.skip(f"the jaffle oracle's seeds are not at {ORACLE / 'seeds'}")
    run = runs[spec.stem]
    project: Path = run["project"]
    docs = spec.stem in WITH_DOCS
    print(f"{spec.stem}: local run {run['seconds']} s, steps in the driver's process: {run['in_process']}")
    assert run["code"] == 0, f"exit {run['code']}: {run['error']}"
    # every step ran in the driver's process: the judge never quietly becomes a process per step again
    assert run["in_process"], run
    assert_progress(json.loads((project / "reports" / "run.json").read_text()))

    judge_run(spec, project, run["output"], batch_python, tmp_path / "home", docs)

    if spec.stem in GATED:
        got = json.loads(lake_gold(batch_python, "check", project, tmp_path / "home"))
        # the landing batch's update and delete touch synthetic orders, and no synthetic row is rejected
        assert got["raw_keys_1_2"] == 2 and got["raw_negative"] == 0, got
        # gold (dbt's mart over silver's copy, published by lake_gold) is the reference over the raw
        # rows and the landing batch with silver's gate applied: the update in, the delete out...
        assert got["gold"] == got["reference"], (got["gold"][:5], got["reference"][:5])
        assert ["999999", "1", "12.34"] in got["gold"], "the landed update is not in gold"
        # ... and the order that breaks the error-severity range rule only in `__rejected`
        assert not [r for r in got["gold"] if r[0] == "888888"], "a rejected row reached gold"
        assert [r[0] for r in got["rejected"]] == ["1000000001"] and "range" in got["rejected"][0][1], got

    if jaffle:
        check = subprocess.run(
            [str(batch_python), str(ORACLE / "check.py"), str(project / "warehouse.duckdb"),
             "--customers", "marts.customers", "--orders", "marts.orders", "-v"],
            capture_output=True, text=True, timeout=300, check=False, env=offline_env(tmp_path / "home"),
        )  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.startswith("PASS"), check.stdout


CDC_TEST = "test_a_cdc_source_in_a_batch_layer_runs_locally_from_its_sqlite_stand_in"


@pytest.mark.judge
def test_a_cdc_source_in_a_batch_layer_runs_locally_from_its_sqlite_stand_in(
    tmp_path: Path, batch_python: Path, runs: dict[str, dict[str, Any]]
) -> None:
    """hello with its source ingested by CDC: the batch layer's local run (in the `runs` process, as the
    examples') lands every table from the source's SQLite stand-in and builds every model with rows."""
    spec = cdc_variant(tmp_path)
    assert prepare(spec).plan.graph.batch_sources == (0,)
    run = runs[CDC]
    project: Path = run["project"]
    assert run["code"] == 0, f"exit {run['code']}: {run['error']}"
    assert run["in_process"], run  # its steps ran in the driver's process
    assert "==> ingest" in run["output"], run["output"][-3000:]
    read = subprocess.run(
        [str(batch_python), str(DRIVER), str(project / "warehouse.duckdb"), *landed(spec), *models(project)],
        capture_output=True, text=True, timeout=300, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert read.returncode == 0, read.stderr[-3000:]
    assert all(isinstance(n, int) and n > 0 for n in json.loads(read.stdout).values()), read.stdout
