"""Runs inside the flink judge environment (PyFlink): plans every Flink job of each generated
project through the project's own pipeline/flink_local.py, many projects in one JVM. Prints
JSON on the last line: {project: {job: "planned" or the planner's reason}}.

    python flink_plans.py PROJECT_DIR...
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def plans(project: Path) -> dict[str, str]:
    sys.path.insert(0, str(project))
    try:
        flink_local = importlib.import_module("pipeline.flink_local")
        out: dict[str, str] = {}
        for job in flink_local.jobs(project):
            try:
                flink_local.explain_job(job, project)
                out[job["job"]] = "planned"
            except Exception as exc:  # every job is reported
                out[job["job"]] = flink_local.reason(exc)
        return out
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]


def main() -> int:
    out = {arg: plans(Path(arg)) for arg in sys.argv[1:]}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
