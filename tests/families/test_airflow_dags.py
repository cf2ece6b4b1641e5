"""The airflow family, judged by Airflow 3.3: every batch example's DAG loads in a DagBag with
no import errors and no warnings, its tasks, groups, dependencies and run policy are the ones
written by hand from each spec, and a generated DAG runs end to end with dag.test() on a
throwaway SQLite metadata DB against the local DuckDB warehouse: clean rows build the
warehouse; bad rows fail the transform task at once (no retry) and publish does not run."""

from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare
from pipegen.plan.plan import make_plan
from pipegen.spec.model import Orchestrator
from tests.families import orchestrated_lineage, orchestrated_metrics
from tests.families.expected_orchestration import EXPECTED
from tests.families.orchestration import (
    INGEST,
    STAND_INS,
    app_stand_in,
    orchestrated,
    render_with,
    sqlite_count,
    write,
)
from tests.families.test_dbt_build import CUSTOMERS, ORDERS, SPEC, T
from tests.families.webhook import serve
from tests.judges import offline_env

HERE = Path(__file__).parent
DRIVER = HERE / "airflow_driver.py"
AIRFLOW_SPECS = orchestrated(Orchestrator.AIRFLOW)


def airflow(python: Path, tmp: Path, *args: str, timeout: int = 900, **extra_env: str) -> dict[str, Any]:
    home = tmp / "airflow_home"
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(Path(args[1]) / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(args[1]) / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }
    env = offline_env(tmp / "home", **{**settings, **extra_env})
    done = subprocess.run(
        [str(python), str(DRIVER), *args], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# the folders whose DagBag the module judges (the `bags` fixture)
BAGS = ("generated-steps", "with-ingest-and-quality", "depends-on")
DEPENDS_ON = {"depends_on": [{"pipeline": "user_data_etl", "task": "load", "timeout": "1h", "poke_interval": "5m"}]}


def bag_roots(tmp: Path) -> dict[str, Path]:
    """The folders whose DagBag the module judges, {name in BAGS: folder}: every batch example's
    DAG (as generated, and with the ingest and quality stand-ins) and the quick-start with an
    upstream dependency."""
    roots = {}
    for name, stand_ins in zip(BAGS[:2], [(), STAND_INS], strict=True):
        for _name, spec, plan in AIRFLOW_SPECS:
            files, _ = render_with(spec, plan, stand_ins)
            roots[name] = write({p: t for p, t in files.items() if p.startswith(("dags/", "plugins/"))}, tmp / name)
    roots[BAGS[2]] = hello_project(tmp / BAGS[2], orchestration={**DEPENDS_ON, **NOTIFY})
    return roots


@pytest.fixture(scope="module")
def bags(airflow_process: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Airflow's DagBag of each of bag_roots' folders, loaded in the dag_tests' Airflow process
    before its db migrate (an Airflow start costs ~20 s of CPU): {name in BAGS: the driver's bag}."""
    return dict(airflow_process["bags"])


@pytest.mark.judge
@pytest.mark.parametrize("with_stand_ins", [False, True], ids=["generated-steps", "with-ingest-and-quality"])
def test_every_batch_examples_dag_loads_with_the_hand_written_tasks_and_policy(
    bags: dict[str, dict[str, Any]], with_stand_ins: bool
) -> None:
    """The expected tasks, groups, dependencies and run policy are written by hand from each
    spec (tests/families/expected_orchestration.py), not taken from pipegen's task plan."""
    assert {name for name, _, _ in AIRFLOW_SPECS} == set(EXPECTED)  # every batch example, no other
    result = bags[BAGS[1] if with_stand_ins else BAGS[0]]
    assert result["import_errors"] == {}
    assert result["warnings"] == {}
    assert set(result["dags"]) == set(EXPECTED)  # each example's pipeline name is its file's stem
    for dag_id, want in EXPECTED.items():
        dag = result["dags"][dag_id]
        got = {t: (info["upstream"], info["group"]) for t, info in dag["tasks"].items()}
        assert got == want.airflow_tasks(), dag_id
        assert (dag["timetable"], dag["cron"], dag["catchup"], dag["max_active_runs"]) == (
            "CronDataIntervalTimetable", want.cron, want.catchup, want.max_active_runs
        ), dag_id  # fmt: skip
        assert dag["params"] == ["local", "window"]
        for task, info in dag["tasks"].items():
            assert (info["retries"], info["retry_delay"], info["backoff"], info["max_retry_delay"]) == (
                want.retries, want.retry_delay, want.backoff, want.max_retry_delay
            ), (dag_id, task)  # fmt: skip
        assert dag["tasks"]["publish"]["outlets"] == [f"pipegen://{dag_id}/published"]
        assert (dag["deadline"] is not None) == want.freshness_sla, dag_id


# Run notifications of the stand-in projects: both to the test's webhook (RUN_HOOK).
NOTIFY = {
    "on_failure": [{"type": "webhook", "webhook": "${secret:RUN_HOOK}"}],
    "on_success": [{"type": "slack", "channel": "#runs", "webhook": "${secret:RUN_HOOK}"}],
}


def project_with_stand_in(tmp_path: Path, tables: dict[str, list[dict[str, Any]]], name: str = "shop") -> Path:
    """The dbt judge's spec generated with Airflow, run notifications to a webhook; the source's
    local stand-in (data/app.sqlite) holds `tables`, which the DAG's synthesize step keeps and
    the real generated ingestion (dlt) loads."""
    spec = prepare_spec(tmp_path, name)
    plan = make_plan(spec)
    files, _ = render_with(spec, plan, (INGEST,))
    project = write(files, tmp_path / "project")
    assert "def run(" in (project / "pipeline" / "ingest.py").read_text()  # the generated ingestion
    app_stand_in(project, tables)
    return project


def prepare_spec(tmp_path: Path, name: str) -> Any:
    from ruamel.yaml import YAML

    path = tmp_path / "pipegen.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    YAML().dump({**SPEC, "pipeline": {"name": name}, "orchestrator": "airflow", "orchestration": NOTIFY}, path)
    return prepare(path).spec


def messages_of(dag_tests: dict[str, Any], pipeline: str) -> list[dict[str, Any]]:
    """The run notifications of one pipeline among those the batch's webhook received (a slack
    message names it first in its text, a webhook event in its `pipeline`)."""
    return [m for m in dag_tests[HOOK] if m.get("pipeline") == pipeline or m.get("text", "").startswith(f"{pipeline} ")]


@pytest.mark.judge
def test_dag_test_runs_ingestion_and_dbt_build_into_the_local_warehouse_and_notifies_success(
    dag_tests: dict[str, Any],
) -> None:
    result = dag_tests["shop"]
    stand_in = result["project"] / "data" / "app.sqlite"
    assert "error" not in result, result
    assert result["run_state"] == "success", result
    states = {t: s["state"] for t, s in result["tasks"].items()}
    # synthesize runs too (a local run) and keeps the test's stand-in; the real ingestion loads it
    assert states == {"synthesize": "success", "ingest_app.load": "success", "transform": "success",
                      "quality": "success", "publish": "success"}  # fmt: skip
    summary = result["xcom"]["publish"]["steps"]
    rows = {t: sqlite_count(stand_in, f"select count(*) from {t}") for t in ("customers", "orders")}
    keys = {t: sqlite_count(stand_in, f"select count(distinct {t[:-1]}_id) from {t}") for t in rows}
    assert (rows, keys) == ({"customers": 3, "orders": 2}, {"customers": 2, "orders": 2})  # the reference
    assert summary["ingest_app"]["rows"] == {f"raw_app.{t}": n for t, n in rows.items()}
    assert summary["ingest_app"]["window"] is None  # local runs load the whole stand-in (their own clock)
    assert summary["transform"]["failures"] == [] and summary["transform"]["counts"]["pass"] >= 10
    warehouse = result["warehouse"]
    assert (warehouse["raw_app.customers"], warehouse["raw_app.orders"]) == (keys["customers"], keys["orders"])
    assert warehouse["staging.stg_app__customers"] == keys["customers"]  # deduplicated by primary key
    assert warehouse["staging.stg_app__orders"] == keys["orders"]
    # orchestration.on_success: the slack-shaped message carries every step's summary
    [message] = messages_of(dag_tests, "shop")
    assert message["channel"] == "#runs" and message["text"].startswith("shop succeeded. synthesize: ")
    assert "ingest_app: " in message["text"] and "transform: " in message["text"]
    print(f"dag.test(): {result['test_seconds']} s (db migrate {result['migrate_seconds']} s)")


@pytest.mark.judge
def test_a_failing_dbt_test_fails_the_run_at_once_notifies_failure_and_publish_does_not_run(
    dag_tests: dict[str, Any],
) -> None:
    result = dag_tests[FAILING]
    assert result["run_state"] == "failed", result
    tasks = result["tasks"]
    assert tasks["ingest_app.load"]["state"] == "success"
    assert (tasks["transform"]["state"], tasks["transform"]["try_number"]) == ("failed", 1)  # no retry of bad data
    assert tasks["publish"]["state"] == "upstream_failed"
    assert "publish" not in result["xcom"]
    # orchestration.on_failure: one webhook event naming the failed task; no success message
    [message] = messages_of(dag_tests, FAILING)
    assert (message["pipeline"], message["outcome"], message["details"]["task"]) == (FAILING, "failed", "transform")


def test_every_message_the_batchs_webhook_received_is_one_of_its_runs(dag_tests: dict[str, Any]) -> None:
    assert len(dag_tests[HOOK]) == len(messages_of(dag_tests, "shop")) + len(messages_of(dag_tests, FAILING)) == 2


@pytest.mark.judge
def test_dag_test_runs_the_real_pipeline_end_to_end_on_synthetic_data(dag_tests: dict[str, Any]) -> None:
    """The quick-start's DAG (specs/hello.yaml as written: orchestrator airflow) with every
    generated step real: synthetic stand-in data, dlt ingestion, dbt build; the warehouse holds
    the expected rows afterwards."""
    result = dag_tests["hello"]
    assert "error" not in result, result
    assert result["run_state"] == "success", result
    states = {t: s["state"] for t, s in result["tasks"].items()}
    assert states == {"synthesize": "success", "ingest_shop.load": "success", "transform": "success",
                      "quality": "success", "publish": "success"}  # fmt: skip
    assert result["warehouse"]["raw_shop.orders"] == 1000
    assert result["warehouse"]["staging.stg_shop__orders"] == 1000
    assert result["xcom"]["publish"]["steps"]["ingest_shop"]["rows"]["raw_shop.orders"] == 1000


def hello_project(tmp_path: Path, **overrides: Any) -> Path:
    """The quick-start generated with Airflow (top-level spec keys overridden)."""
    from ruamel.yaml import YAML

    from tests.conftest import SPECS, generate

    data = YAML(typ="safe").load((SPECS / "hello.yaml").read_text(encoding="utf-8"))
    spec = tmp_path / "pipegen.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    YAML().dump({**data, "orchestrator": "airflow", **overrides}, spec)
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    return project


def rows_in_window(project: Path, start: str, end: str) -> int:
    """Orders of the synthetic stand-in whose watermark is in [start, end)."""
    import sqlite3
    from datetime import datetime

    [path] = [p for p in (project / "data").glob("*.sqlite")]
    con = sqlite3.connect(path)
    [table] = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'") if "orders" in t]
    values = [v for (v,) in con.execute(f'select updated_at from "{table}"')]
    con.close()
    lo, hi = (datetime.fromisoformat(v).replace(tzinfo=None) for v in (start, end))
    return sum(1 for v in values if lo <= datetime.fromisoformat(str(v)).replace(tzinfo=None) < hi)


def stand_in_rows(project: Path) -> dict[str, int]:
    """Rows per table of the project's SQLite stand-in."""
    import sqlite3

    [path] = [p for p in (project / "data").glob("*.sqlite")]
    con = sqlite3.connect(path)
    tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
    counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    con.close()
    return counts


# Runs of the shared batch (dag_tests) on variants of the quick-start and of the dbt judge's
# spec: one DAG id each.
FAILING = "shop_failing"
HOOK = "webhook"  # dag_tests[HOOK]: every message the batch's webhook received
WINDOW = {"name": "hello_window", "schedule": "0 0 * * *"}
# deploy.environments' schedules (staging: none), and the PIPEGEN_ENVIRONMENT of each DagBag of that DAG (unset:
# none; qa: an environment the spec does not name)
ENVIRONMENT_SCHEDULES = {"dev": {"schedule": "0 */6 * * *"}, "staging": {"schedule": "none"},
                         "prod": {"schedule": "*/15 * * * *"}, "qa": {}}  # fmt: skip
ENVIRONMENT_BAGS = {
    **{e: {"PIPEGEN_ENVIRONMENT": e} for e in ENVIRONMENT_SCHEDULES},
    "unset": {"PIPEGEN_ENVIRONMENT": None},
}
UPSTREAM = {"depends_on": [{"pipeline": "user_data_etl", "timeout": "1h", "poke_interval": "5m"}]}


@pytest.fixture(scope="module")
def airflow_process(airflow_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One Airflow process for the module's DagBags, secrets and dag.test() runs: first the DagBag of
    each of bag_roots' folders (each folder's plugins/ on sys.path in turn), then the secrets test's
    export (its Connection and Variable in the environment for that call only), then, after one `airflow db
    migrate`, dag.test() of every example's DAG, of the quick-start variants above and of the dbt
    judge's spec on its stand-in (clean, and with a failing dbt test) (an Airflow start and a
    migrate cost ~20 s of CPU each): {"bags": {name in BAGS: bag}, "runs": {dag id: the driver's
    result, with "project" the generated project}, "secrets": {"dag_file", "table", "env"}, HOOK: what
    the runs' one webhook received}."""
    from tests.conftest import generate

    root = tmp_path_factory.mktemp("dag_tests")
    roots = bag_roots(root / "bags")
    runs: list[dict[str, Any]] = []
    for spec in airflow_examples():
        project = root / spec.stem
        code, output = generate(spec, project)
        assert code == 0, output
        runs.append({"project": str(project), "dag": prepare(spec).spec.pipeline.name})
    # one run for the data interval and the upstream wait (test_the_data_interval_is_the_ingestion_window,
    # test_a_local_dag_test_does_not_wait_for_upstream_pipelines): the quick-start's pipeline once, not twice
    window = hello_project(root / "window", pipeline=WINDOW, orchestration=UPSTREAM)
    conf = {"local": True, "window": True}
    runs.append(
        {"project": str(window), "dag": WINDOW["name"], "conf": conf, "logical_date": "2026-01-11T00:00:00+00:00"}
    )
    clean = project_with_stand_in(root / "shop", {"customers": CUSTOMERS, "orders": ORDERS})
    bad = [*ORDERS, {"order_id": 12, "customer_id": 1, "amount": -1, "note": "n", "updated_at": T}]
    failing = project_with_stand_in(root / FAILING, {"customers": CUSTOMERS, "orders": bad}, FAILING)
    runs += [{"project": str(clean), "dag": "shop"}, {"project": str(failing), "dag": FAILING}]
    assert len({r["dag"] for r in runs}) == len(runs)  # one process: DAG ids must differ
    # test_secrets_come_from_airflow_connections_and_variables_by_id: its DAG's export of secrets, with the
    # Connection and Variable set for that call only (the runs do not see them)
    secrets = hello_project(root / "secrets", orchestration=SECRETS_NOTIFY) / "dags" / "hello.py"
    # test_the_dag_runs_the_schedule_of_the_environment_pipegen_environment_names: the quick-start with a
    # schedule per environment, its DagBag once per PIPEGEN_ENVIRONMENT
    environments = hello_project(root / "environments", deploy={"environments": ENVIRONMENT_SCHEDULES})
    (root / "none").mkdir()  # no plugins folder of its own: bags() puts each folder's on sys.path in turn
    scratch = {"AIRFLOW__CORE__DAGS_FOLDER": str(root / "bundle"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "none")}
    with contextmanager(serve)() as hook:
        # three DagBags and nine dag.test() runs: ~6 min of wall time on a loaded 2-core machine, 15 at load 20
        result = airflow(
            airflow_python, root, "tests", json.dumps(runs), *map(str, roots.values()),
            "--environments", str(environments), json.dumps(ENVIRONMENT_BAGS),
            "--secrets", str(secrets), json.dumps(SECRETS_ENV), timeout=3600, RUN_HOOK=hook.url, **scratch,
        )  # fmt: skip
    assert set(result["runs"]) == {r["dag"] for r in runs}, result
    assert set(result["bags"]) == {str(r) for r in roots.values()}, result["bags"]
    return {
        "bags": {name: result["bags"][str(folder)] for name, folder in roots.items()},
        "environments": result["environments"],
        "secrets": {"dag_file": secrets, **result["secrets"]},
        "runs": {r["dag"]: {**result["runs"][r["dag"]], "project": Path(r["project"])} for r in runs},
        HOOK: hook.received,
    }


@pytest.fixture(scope="module")
def dag_tests(airflow_process: dict[str, Any]) -> dict[str, Any]:
    """{dag id: the dag.test() run's result, with "project" the generated project}, and
    dag_tests[HOOK]: every message the runs' webhook received (airflow_process)."""
    return {HOOK: airflow_process[HOOK], **airflow_process["runs"]}


@pytest.mark.judge
def test_the_data_interval_is_the_ingestion_window(dag_tests: dict[str, Any]) -> None:
    """A daily run of the quick-start on 2026-01-11 with `window: true` loads exactly the
    synthetic orders whose updated_at falls in its data interval [01-10, 01-11)."""
    result = dag_tests[WINDOW["name"]]
    assert result["run_state"] == "success", result
    load = result["xcom"]["ingest_shop.load"]
    assert load["window"] == ["2026-01-10T00:00:00+00:00", "2026-01-11T00:00:00+00:00"]
    expected = rows_in_window(result["project"], *load["window"])
    assert 0 < expected < 1000  # the window is one day of the synthetic month
    assert load["rows"]["raw_shop.orders"] == expected
    assert result["warehouse"]["raw_shop.orders"] == expected


@pytest.mark.judge
def test_the_dag_runs_the_schedule_of_the_environment_pipegen_environment_names(
    airflow_process: dict[str, Any],
) -> None:
    """The quick-start with `deploy.environments` schedules, parsed by Airflow's DagBag once per value of
    PIPEGEN_ENVIRONMENT (what the Kubernetes overlays' ConfigMap gives the DAG processor and the scheduler):
    each environment's own schedule as the DAG's timetable, `none` no timetable (manual runs only), and the
    spec's top schedule (hello: latency 1h) for an environment without one and where the variable is unset."""
    found = airflow_process["environments"]
    got = {}
    for label, bag in found.items():
        assert (bag["import_errors"], bag["warnings"]) == ({}, {}), label
        [(dag_id, dag)] = bag["dags"].items()
        got[label] = (dag_id, dag["timetable"], dag["cron"])
    hourly = ("hello", "CronDataIntervalTimetable", "0 * * * *")
    assert got == {
        "dev": ("hello", "CronDataIntervalTimetable", "0 */6 * * *"),
        "staging": ("hello", "NullTimetable", None),
        "prod": ("hello", "CronDataIntervalTimetable", "*/15 * * * *"),
        "qa": hourly,
        "unset": hourly,
    }


SECRETS_NOTIFY = {"on_failure": [{"type": "slack", "channel": "#x", "webhook": "${secret:ALERT_HOOK}"}]}
SECRETS_ENV = {
    "AIRFLOW_CONN_SHOP": json.dumps({"conn_type": "postgres", "host": "db.internal", "password": "p@ss/word"}),
    "AIRFLOW_VAR_ALERT_HOOK": "https://h/x",
}


@pytest.mark.judge
def test_secrets_come_from_airflow_connections_and_variables_by_id(airflow_process: dict[str, Any]) -> None:
    """The quick-start's `${env:SHOP_DB_HOST}`/`${secret:SHOP_DB_PASSWORD}` are fields of the
    Airflow Connection `shop`; a notification webhook is an Airflow Variable. Real Airflow
    resolves them (from AIRFLOW_CONN_*/AIRFLOW_VAR_*, as from any secrets backend), in the module's
    Airflow process with those variables set for this call only (airflow_process)."""
    result = airflow_process["secrets"]
    assert "p@ss" not in result["dag_file"].read_text()
    assert result["table"] == {
        "ALERT_HOOK": ["variable", "ALERT_HOOK", ""],
        "SHOP_DB_HOST": ["connection", "shop", "host"],
        "SHOP_DB_PASSWORD": ["connection", "shop", "password"],
    }
    assert result["env"] == {
        "ALERT_HOOK": "https://h/x",
        "SHOP_DB_HOST": "db.internal",
        "SHOP_DB_PASSWORD": "p@ss/word",
    }


@pytest.mark.judge
def test_depends_on_is_an_external_task_sensor_before_every_first_task(bags: dict[str, dict[str, Any]]) -> None:
    result = bags[BAGS[2]]
    assert result["import_errors"] == {} and result["warnings"] == {}
    tasks = result["dags"]["hello"]["tasks"]
    sensor = tasks["wait_for_user_data_etl"]
    assert sensor["sensor"] == {"external_dag_id": "user_data_etl", "external_task_id": "load", "timeout": 3600.0,
                                "poke_interval": 300.0, "mode": "reschedule"}  # fmt: skip
    assert tasks["synthesize"]["upstream"] == ["wait_for_user_data_etl"]
    # orchestration.on_failure: every task reports its final failure
    assert all(t["on_failure_callback"] == ["_on_failure"] for t in tasks.values())


@pytest.mark.judge
def test_a_local_dag_test_does_not_wait_for_upstream_pipelines(dag_tests: dict[str, Any]) -> None:
    """The sensor passes at once in a local run (the upstream DAG does not exist here) and
    the quick-start's pipeline runs after it: the windowed run's DAG (WINDOW) waits for an upstream
    pipeline (UPSTREAM), and loads the whole window."""
    result = dag_tests[WINDOW["name"]]
    assert result["run_state"] == "success", result
    states = {t: s["state"] for t, s in result["tasks"].items()}
    assert states["wait_for_user_data_etl"] == "success" and states["publish"] == "success"
    load = result["xcom"]["ingest_shop.load"]
    assert result["warehouse"]["raw_shop.orders"] == load["rows"]["raw_shop.orders"] > 0
    assert load["rows"]["raw_shop.orders"] == rows_in_window(result["project"], *load["window"])


@pytest.mark.judge
def test_the_generated_projects_dag_test_passes_under_pytest(tmp_path: Path, airflow_python: Path) -> None:
    """tests/test_dags.py of a generated project, run by pytest in the Airflow env, offline."""
    project = hello_project(tmp_path)
    home = tmp_path / "airflow_home"
    home.mkdir()
    env = offline_env(
        tmp_path / "home",
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="false",
        AIRFLOW__CORE__PLUGINS_FOLDER=str(project / "plugins"),
    )
    done = subprocess.run(
        [str(airflow_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_dags.py"],
        cwd=project, capture_output=True, text=True, timeout=600, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout


def airflow_examples() -> list[Any]:
    """Every example spec that generates an Airflow DAG (as written, orchestrator included)."""
    from pipegen.pipeline import families_for
    from tests.conftest import example_specs

    return [p for p in example_specs() if "airflow" in families_for(prepare(p).plan)]


@pytest.mark.judge
@pytest.mark.parametrize("spec", airflow_examples(), ids=lambda p: Path(p).stem)
def test_every_example_dag_passes_airflows_own_dag_test(dag_tests: dict[str, Any], spec: Path) -> None:
    """Airflow's dag.test() of each example's generated DAG, every step real on the local
    stand-ins: the run succeeds and every task with it (a DAG with a freshness deadline
    included: Airflow 3.3's dag.test() crashed on those after the run, apache/airflow#73428)."""
    result = dag_tests[prepare(spec).spec.pipeline.name]
    assert "error" not in result, result
    states = {t: s["state"] for t, s in result["tasks"].items()}
    assert states and "publish" in states, result
    assert (result["run_state"], set(states.values())) == ("success", {"success"}), states
    # a local run exports no secret, and dlt's own Airflow provider is off (templates/airflow/dag.py.j2): no
    # task asks Airflow for a Variable (dlt asked for one per configuration value it resolved: ~1/3 of the runs' CPU)
    assert result["variable_lookups"] == [], result["variable_lookups"][:20]


def lineage_steps(result: dict[str, Any]) -> set[str]:
    """The jobs a DAG run's lineage should name: every task that ran a step (a source's load: its
    group), from the task states Airflow's metadata DB holds (synthesize is local stand-in data,
    publish and the sensors run no step)."""
    tasks = {t.split(".")[0] for t, s in result["tasks"].items() if s["state"] in ("success", "failed")}
    return {t for t in tasks if t not in ("synthesize", "publish") and not t.startswith("wait_for_")}


@pytest.mark.judge
def test_the_dag_runs_tasks_emit_the_local_runs_openlineage_events(dag_tests: dict[str, Any]) -> None:
    """The quick-start's DAG run (the real pipeline) as OpenLineage events: valid against the schemas,
    the DAG run the parent of one job per task, ingest_shop writing the landed table with the rows the
    warehouse holds and transform the staging model; the failing run ends in FAIL, its transform
    task's step in FAIL."""
    result = dag_tests["hello"]
    ended = orchestrated_lineage.check(result["project"], "hello", {"ingest_shop", "transform", "quality"}, True)
    assert lineage_steps(result) == set(ended)
    assert orchestrated_lineage.row_counts(ended["ingest_shop"]) == {"raw_shop.orders": 1000}
    assert result["warehouse"]["raw_shop.orders"] == 1000
    assert orchestrated_lineage.names(ended["transform"]["outputs"]) == {"staging.stg_shop__orders"}
    assert orchestrated_lineage.names(ended["transform"]["inputs"]) == {"raw_shop.orders"}
    named = {n for e in ended.values() for n in orchestrated_lineage.names([*e["inputs"], *e["outputs"]])}
    assert named <= set(result["warehouse"]), sorted(named - set(result["warehouse"]))

    failing = dag_tests[FAILING]
    ended = orchestrated_lineage.check(failing["project"], FAILING, {"ingest_app", "transform"}, False)
    assert (ended["ingest_app"]["eventType"], ended["transform"]["eventType"]) == ("COMPLETE", "FAIL")
    assert ended["transform"]["run"]["facets"]["errorMessage"]["message"]


def metrics_runs(result: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """step -> (successful, failed) runs, from the task states Airflow's metadata DB holds: every task
    that ran a step (a source's load: its group; synthesize too, as in the local run), once."""
    states = {t.split(".")[0]: s["state"] for t, s in result["tasks"].items() if s["state"] in ("success", "failed")}
    return {t: (1, 0) if s == "success" else (0, 1) for t, s in states.items()
            if t != "publish" and not t.startswith("wait_for_")}  # fmt: skip


@pytest.mark.judge
def test_the_dag_runs_tasks_publish_the_local_runs_metrics(dag_tests: dict[str, Any]) -> None:
    """Each task of the quick-start's DAG run publishes its step's metrics (pipeline/metrics.py, the
    textfile): outcome, runs and duration per task, rows loaded as the warehouse holds them, expectations
    as the validation events count them; the failing run's transform is a failure, ingest_app a success."""
    result = dag_tests["hello"]
    runs = metrics_runs(result)
    assert set(runs) == {"synthesize", "ingest_shop", "transform", "quality"}, runs
    orchestrated_metrics.check(result["project"], "hello", runs, {"raw_shop.orders": 1000})
    counts = orchestrated_metrics.quality_counts(result["project"])  # check() found the metrics equal to these
    assert counts and all(evaluated > 0 for evaluated, _ in counts.values()), counts

    failing = dag_tests[FAILING]
    runs = metrics_runs(failing)
    assert {s: r for s, r in runs.items() if s != "synthesize"} == {"ingest_app": (1, 0), "transform": (0, 1)}
    # rows loaded are the rows the run handed to dlt: every row of the stand-in (none is rejected); the
    # warehouse holds fewer customers, as the merge folds customer 2's older version into the newer one
    rows = {f"raw_app.{t}": n for t, n in stand_in_rows(failing["project"]).items()}
    assert rows == {"raw_app.customers": 3, "raw_app.orders": 3}
    assert failing["warehouse"]["raw_app.customers"] == 2
    orchestrated_metrics.check(failing["project"], FAILING, runs, rows)


@pytest.mark.judge
@pytest.mark.parametrize("spec", airflow_examples(), ids=lambda p: Path(p).stem)
def test_every_example_dag_runs_events_are_valid_openlineage_one_job_per_task(
    dag_tests: dict[str, Any], spec: Path
) -> None:
    pipeline = prepare(spec).spec.pipeline.name
    result = dag_tests[pipeline]
    ended = orchestrated_lineage.check(result["project"], pipeline, lineage_steps(result), True)
    assert ended and all(e["eventType"] == "COMPLETE" for e in ended.values())
    if (result["project"] / "monitoring" / "metrics.json").is_file():  # and its tasks' metrics
        rows = {t: result["warehouse"].get(t, 0) for t in orchestrated_metrics.watched_tables(result["project"])}
        orchestrated_metrics.check(result["project"], pipeline, metrics_runs(result), rows)
