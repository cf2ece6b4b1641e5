"""Runs inside the airflow judge environment (AIRFLOW_HOME a scratch directory, set by the
caller). Prints one JSON line.

    python airflow_driver.py bag PROJECT_DIR            # DagBag over PROJECT_DIR/dags
    python airflow_driver.py test PROJECT_DIR DAG_ID [CONF_JSON [LOGICAL_DATE]]
                                                      # dag.test(run_conf=CONF or {"local": true})
    python airflow_driver.py bags PROJECT_DIR...      # {dir: bag(dir)}, many folders in this process,
                                                      # each with its plugins/ importable in turn
    python airflow_driver.py secrets DAG_FILE         # the DAG's _export_secrets(): what it exports
    python airflow_driver.py environments PROJECT_DIR ENVS_JSON
                                                      # {label: bag(dir)} with each label's variables set
                                                      # ({label: {NAME: value or null: unset}}), the
                                                      # environment restored after
    python airflow_driver.py tests RUNS_JSON [BAG_DIR...] [--environments DIR ENVS_JSON]
                                              [--secrets DAG_FILE ENV_JSON]
                                                      # {"bags": bags(BAG_DIRs), "environments": ...,
                                                      # "secrets": ..., "runs": ...}:
                                                      # the DagBags first (no metadata DB needed), then
                                                      # secrets(DAG_FILE) with ENV_JSON's variables set
                                                      # (the environment restored after), then one
                                                      # db migrate and dag.test() of every run
                                                      # [{"project", "dag", "conf", "logical_date"}]
                                                      # in this process (DAG ids must differ); the
                                                      # caller's AIRFLOW__CORE__DAGS_FOLDER is a scratch
                                                      # path, linked to each project's dags/ in turn
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _callbacks(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def bag(project: Path) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    found = DagBag(dag_folder=str(project / "dags"))
    dags = {}
    for dag_id, dag in found.dags.items():
        tasks = {
            t.task_id: {
                "upstream": sorted(t.upstream_task_ids),
                "group": t.task_group.group_id if t.task_group and t.task_group.group_id else None,
                "retries": t.retries,
                "retry_delay": t.retry_delay.total_seconds(),
                "backoff": t.retry_exponential_backoff,
                "max_retry_delay": t.max_retry_delay.total_seconds() if t.max_retry_delay else None,
                "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
                "on_failure_callback": [getattr(f, "__name__", str(f)) for f in _callbacks(t.on_failure_callback)],
                "sensor": {
                    "external_dag_id": t.external_dag_id,
                    "external_task_id": t.external_task_id,
                    "timeout": t.timeout,
                    "poke_interval": t.poke_interval,
                    "mode": t.mode,
                }
                if any(c.__name__ == "ExternalTaskSensor" for c in type(t).__mro__)
                else None,
            }
            for t in dag.tasks
        }
        dags[dag_id] = {
            "tasks": tasks,
            "timetable": type(dag.timetable).__name__,
            "cron": getattr(dag.timetable, "expression", None) or getattr(dag.timetable, "_expression", None),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "params": sorted(dag.params.keys()),
            "deadline": repr(dag.deadline) if dag.deadline else None,
        }
    return {
        "import_errors": {str(k): str(v) for k, v in found.import_errors.items()},
        "warnings": {str(k): [str(w) for w in v] for k, v in found.captured_warnings.items()},
        "dags": dags,
    }


def bags(projects: list[Path]) -> dict[str, Any]:
    """bag() of each folder in one Airflow process: its plugins/ on sys.path while its DAGs load
    (as AIRFLOW__CORE__PLUGINS_FOLDER puts it for one folder), and the plugin modules it imported
    forgotten after, so no folder sees another's."""
    out = {}
    for project in projects:
        plugins = project / "plugins"
        names = {p.stem for p in plugins.glob("*.py")}
        sys.path.insert(0, str(plugins))
        try:
            out[str(project)] = bag(project)
        finally:
            sys.path.remove(str(plugins))
            for name in [m for m in sys.modules if m.split(".")[0] in names]:
                del sys.modules[name]
    return out


def environments(project: Path, variables: dict[str, dict[str, str | None]]) -> dict[str, Any]:
    """bags([project]) once per label, with that label's variables set (None: unset; PIPEGEN_ENVIRONMENT: what
    a DAG processor's environment holds when it parses the DAG) and the environment as it was after each:
    {label: bag}."""
    import os

    out = {}
    for label, values in variables.items():
        saved = dict(os.environ)
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            out[label] = bags([project])[str(project)]
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return out


def secrets(dag_file: Path) -> dict[str, Any]:
    """Import the DAG file and run its export of secrets (Airflow Connections and Variables
    come from AIRFLOW_CONN_*/AIRFLOW_VAR_* set by the caller): the environment it leaves."""
    import importlib.util
    import os

    spec = importlib.util.spec_from_file_location("generated_dag", dag_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._export_secrets()
    return {
        "table": {k: list(v) for k, v in module.SECRETS.items()},
        "env": {k: os.environ.get(k) for k in module.SECRETS},
    }


def secrets_with(dag_file: Path, env: dict[str, str]) -> dict[str, Any]:
    """secrets(dag_file) with `env` set (AIRFLOW_CONN_*/AIRFLOW_VAR_*, as a process started with them
    has them), then the environment as it was: the variables and what the export set are gone before
    anything else runs in this process."""
    import os

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return secrets(dag_file)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def migrate() -> dict[str, Any] | None:
    """`airflow db migrate` of the scratch metadata DB: None, or the error to report."""
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        return {"error": "airflow db migrate failed", "output": (done.stdout + done.stderr)[-4000:]}
    return None


def test(project: Path, dag_id: str, home: Path, conf: dict[str, Any], logical_date: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    failed = migrate()
    if failed:
        return failed
    migrated = time.perf_counter()
    return run_dag(project, dag_id, home, conf, logical_date, project / "dags", round(migrated - started, 1))


def tests(runs: list[dict[str, Any]], home: Path) -> dict[str, Any]:
    """dag.test() of many projects after one db migrate, {dag id: what `test` returns}. As in
    tests/specgen/airflow_runs.py: dag.test() writes the configured bundle's DAGs (the dags
    folder, read once per process) to the metadata DB, so that folder is a link to the project
    under test; each project's modules and settings are forgotten before the next (project_modules)."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "specgen"))
    import os

    from project_modules import enter, leave

    started = time.perf_counter()
    failed = migrate()
    if failed:
        return {run["dag"]: failed for run in runs}
    migrated = round(time.perf_counter() - started, 1)
    bundle = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    out = {}
    for run in runs:
        project = Path(run["project"])
        added = enter(project, project / "plugins")
        if bundle.is_symlink():
            bundle.unlink()
        bundle.symlink_to(project / "dags", target_is_directory=True)
        try:
            out[run["dag"]] = run_dag(
                project, run["dag"], home, run.get("conf") or {"local": True}, run.get("logical_date"), bundle, migrated
            )
        except Exception as exc:  # one project's crash is its own failure, not the others'
            out[run["dag"]] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            leave(added)
    return out


def run_dag(
    project: Path,
    dag_id: str,
    home: Path,
    conf: dict[str, Any],
    logical_date: str | None,
    dags: Path,
    migrate_seconds: float,
) -> dict[str, Any]:
    migrated = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(dags)).dags[dag_id]
    with variable_lookups() as looked_up:
        if logical_date:
            import pendulum

            run = dag.test(run_conf=conf, logical_date=pendulum.parse(logical_date))
        else:
            run = dag.test(run_conf=conf)
    finished = time.perf_counter()
    con = sqlite3.connect(home / "airflow.db")
    states = {
        task_id: {"state": state, "try_number": tries}
        for task_id, state, tries in con.execute(
            "select task_id, state, try_number from task_instance where dag_id = ?", (dag_id,)
        )
    }
    xcoms = {
        task_id: json.loads(value) if isinstance(value, str) else value
        for task_id, value in con.execute(
            "select task_id, value from xcom where dag_id = ? and key = 'return_value'", (dag_id,)
        )
    }
    return {
        "warehouse": warehouse_counts(project / "warehouse.duckdb"),
        "run_state": str(run.state),
        "tasks": states,
        "xcom": xcoms,
        "variable_lookups": sorted(set(looked_up)),
        "migrate_seconds": migrate_seconds,
        "test_seconds": round(finished - migrated, 1),
    }


@contextmanager
def variable_lookups() -> Iterator[list[str]]:
    """The keys of the Airflow Variables the tasks ask for while in the block (the Task SDK's Variable.get,
    which airflow.models' and dlt's Airflow provider call too: an Execution API request each)."""
    from airflow.sdk.definitions.variable import Variable

    keys: list[str] = []
    original = Variable.__dict__["get"]

    def get(cls: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        keys.append(key)
        return original.__func__(cls, key, *args, **kwargs)

    Variable.get = classmethod(get)
    try:
        yield keys
    finally:
        Variable.get = original


def warehouse_counts(path: Path) -> dict[str, int]:
    """Rows per table of the local warehouse (schema.table), after the run."""
    if not path.exists():
        return {}
    import duckdb

    con = duckdb.connect(str(path))  # dbt-duckdb may still hold it open in this process: same configuration
    tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    counts = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
    con.close()
    return counts


def main() -> None:
    command, project = sys.argv[1], Path(sys.argv[2])
    if command == "bag":
        out = bag(project)
    elif command == "bags":
        out = bags([Path(arg) for arg in sys.argv[2:]])
    elif command == "secrets":
        out = secrets(project)
    elif command == "environments":
        out = environments(project, json.loads(sys.argv[3]))
    elif command == "tests":
        import os

        args = sys.argv[3:]
        options = {name: args[args.index(name) + 1 : args.index(name) + 3]
                   for name in ("--environments", "--secrets") if name in args}  # fmt: skip
        cut = min((args.index(name) for name in options), default=len(args))
        # before tests()'s migrate: one Airflow start for the bags, the secrets and the runs
        out = {"bags": bags([Path(arg) for arg in args[:cut]])}
        if "--environments" in options:
            folder, variables = options["--environments"]
            out["environments"] = environments(Path(folder), json.loads(variables))
        if "--secrets" in options:
            dag_file, variables = options["--secrets"]
            out["secrets"] = secrets_with(Path(dag_file), json.loads(variables))
        out["runs"] = tests(json.loads(sys.argv[2]), Path(os.environ["AIRFLOW_HOME"]))
    else:
        import os

        conf = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {"local": True}
        logical_date = sys.argv[5] if len(sys.argv) > 5 else None
        out = test(project, sys.argv[3], Path(os.environ["AIRFLOW_HOME"]), conf, logical_date)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
