"""Runs inside the airflow judge environment (AIRFLOW_HOME a scratch directory, set by the
caller): Airflow's DagBag over each generated project's dags/, many projects in one process.
Prints one JSON line {project: {"dags": [dag ids], "errors": {file: message}}}.

    python airflow_bags.py PROJECT_DIR...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def bag(project: Path) -> dict[str, object]:
    from airflow.dag_processing.dagbag import DagBag

    plugins = str(project / "plugins")
    sys.path.insert(0, plugins)
    try:
        found = DagBag(dag_folder=str(project / "dags"))
        return {
            "dags": sorted(found.dags),
            "tasks": {d: len(dag.tasks) for d, dag in found.dags.items()},
            "errors": {Path(k).name: str(v)[-2000:] for k, v in found.import_errors.items()},
        }
    finally:
        sys.path.remove(plugins)
        for name in [m for m in sys.modules if m == "pipegen_callbacks"]:
            del sys.modules[name]


def main() -> int:
    out = {arg: bag(Path(arg)) for arg in sys.argv[1:]}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
