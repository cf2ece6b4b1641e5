"""Runs inside the flink judge env (PyFlink): plans or runs a generated project's Flink jobs
through the project's own pipeline/flink_local.py and prints JSON on the last line.

    python flink_driver.py explain <project>
    python flink_driver.py run <project> <data dir> [job ...]

(tests/specgen/flink_plans.py `--run` runs a project's jobs the same way, after its EXPLAINs, in one JVM.)
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value


def main() -> int:
    command, project = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, str(project))
    from pipeline import flink_local

    out: dict[str, Any] = {}
    for job in flink_local.jobs(project):
        if command == "explain":
            try:
                flink_local.explain_job(job, project)
                out[job["job"]] = "planned"
            except Exception as exc:  # every job is reported
                out[job["job"]] = flink_local.reason(exc)
        elif not sys.argv[4:] or job["job"] in sys.argv[4:]:
            rows = flink_local.run_job(job, Path(sys.argv[3]), project)
            out[job["job"]] = {"columns": job["outputs"], "rows": [[plain(v) for v in r] for r in rows]}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
