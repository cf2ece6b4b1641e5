"""Runs inside the airflow judge environment (AIRFLOW_HOME a scratch directory with a SQLite
metadata DB, AIRFLOW__CORE__DAGS_FOLDER a path this driver links to each project's dags/ in turn,
set by the caller): `airflow db migrate` once, then each generated project's DAG
with `dag.test(run_conf={"local": True})` (a local run: synthetic stand-ins, the real dlt
ingestion, dbt build, GX), many projects in one process (their DAG ids must differ).
Each `--bag` project's DagBag is loaded first, in the same process (airflow_bags.bag: the drawn
specs' DagBag judge shares this round's Airflow start instead of a process of its own).
Prints one JSON line {project: {"dag", "run_state", "tasks": {task_id: state}, "error"},
"bags": {project: airflow_bags.bag(project)}}.

    python airflow_runs.py [--bag PROJECT_DIR]... PROJECT_DIR...
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from airflow_bags import bag
from project_modules import enter, leave, output_to, tail


def run(project: Path, db: Path) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    added = enter(project, project / "plugins")
    # dag.test() first writes the DAGs of the configured bundle (the dags folder, read from the
    # configuration once per process) to the metadata DB: that folder is a link to this project's
    bundle = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bundle.is_symlink():
        bundle.unlink()
    bundle.symlink_to(project / "dags", target_is_directory=True)
    try:
        bag = DagBag(dag_folder=str(bundle))
        if bag.import_errors or len(bag.dags) != 1:
            return {"error": f"DagBag: {sorted(bag.dags)} {bag.import_errors}"}
        [(dag_id, dag)] = bag.dags.items()
        # a judged run fails at its first failure: dag.test() would otherwise wait out each retry's
        # delay (5 min, then 10, per the generated default_args); the retry policy itself is judged
        # from the DagBag (tests/families/test_airflow_dags.py)
        for task in dag.tasks:
            task.retries = 0
        started = time.perf_counter()
        try:
            with output_to(project / "judge.log"):
                run = dag.test(run_conf={"local": True})
        except Exception:
            return {"dag": dag_id, "error": traceback.format_exc()[-3000:] + tail(project / "judge.log")}
        with sqlite3.connect(db) as con:
            tasks = dict(con.execute(
                "select task_id, state from task_instance where dag_id = ? and run_id = ?", (dag_id, run.run_id)
            ).fetchall())  # fmt: skip
        return {
            "dag": dag_id,
            "run_state": str(run.state),
            "tasks": tasks,
            "error": None if str(run.state) == "success" else tail(project / "judge.log"),
            "seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        leave(added)


def arguments(argv: list[str]) -> tuple[list[Path], list[Path]]:
    """(the --bag projects, the projects to run)."""
    bags, runs = [], []
    args = iter(argv)
    for arg in args:
        if arg == "--bag":
            bags.append(Path(next(args)))
        else:
            runs.append(Path(arg))
    return bags, runs


def bags_of(projects: list[Path]) -> dict[str, Any]:
    """The DagBag of each project (no metadata DB needed: before the migrate); a crash of one is
    that project's error, not the runs'."""
    loaded: dict[str, Any] = {}
    for project in projects:
        try:
            loaded[str(project)] = bag(project)
        except Exception:
            loaded[str(project)] = {"dags": [], "errors": {"airflow_runs.py": traceback.format_exc()[-3000:]}}
    return loaded


def main() -> int:
    import json

    bags, runs = arguments(sys.argv[1:])
    loaded = bags_of(bags)
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=False, capture_output=True, text=True
    )
    if migrate.returncode != 0:
        failed = {"error": "airflow db migrate failed:\n" + (migrate.stdout + migrate.stderr)[-4000:]}
        print(json.dumps({**{str(p): failed for p in runs}, "bags": loaded}, default=str))
        return 0
    db = Path(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///"))
    out: dict[str, Any] = {str(project): run(project, db) for project in runs}
    print(json.dumps({**out, "bags": loaded}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
