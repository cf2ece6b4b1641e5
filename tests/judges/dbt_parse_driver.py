"""Runs inside a dbt judge environment: `dbt parse` of many (project, target) jobs in one
interpreter, through dbt's programmatic entry point (dbtRunner, the same click command the `dbt`
script runs), so a batch pays dbt's and the adapters' import (~6 s of CPU) once instead of per
parse. Between jobs it does what dbt's own test fixtures do between projects: clears the
once-per-process deprecation record (a deprecation a job hits is reported in that job, not only
in the first), and each job runs in its project's dbt folder with its own env_var() values set
and every other job's removed.

Usage: python dbt_parse_driver.py JOBS.json, where JOBS.json is a list of {"dir", "args", "env"};
prints a JSON list of {"returncode", "stdout"} (dbt's log lines as the CLI prints them), one per
job, as its last line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any


def run(job: dict[str, Any]) -> dict[str, Any]:
    from dbt.cli.main import dbtRunner
    from dbt.deprecations import reset_deprecations

    reset_deprecations()
    before = dict(os.environ)
    os.environ.update(job["env"])
    os.chdir(job["dir"])
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            result = dbtRunner().invoke(list(job["args"]))
    finally:
        os.environ.clear()
        os.environ.update(before)
    text = out.getvalue()
    if result.exception is not None:
        text += f"\n{type(result.exception).__name__}: {result.exception}"
    return {"returncode": 0 if result.success else 1, "stdout": text}


def main() -> None:
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    start = Path.cwd()
    results = []
    for job in jobs:
        results.append(run(job))
        os.chdir(start)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
