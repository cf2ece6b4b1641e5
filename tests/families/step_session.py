"""Runs in the batch judge env: one generated project's steps in turn in this one process, so
that the quality step's Great Expectations import (seconds of CPU) is paid once for the steps a
judge makes at consecutive states. Prints JSON on the last line.

    python step_session.py PROJECT STEPS.json
        -> [{"code", "out", "err"} per step]

STEPS.json is a list of steps, in order:

- `{"module": NAME, "argv": [...], "env": {...}}`: the project's own `main(argv)` of
  `pipeline.NAME`, what `python -m pipeline.NAME ARGV` calls, with `env` set for that call
  only. The quality step is written to run more than once in a process (Airflow's dag.test(),
  a Prefect flow: it defines its GX action once per process).
- `{"script": TEXT, "argv": [...]}`: what `python -c TEXT ARGV` runs (a judge's read of the
  warehouse, its injection of a change), with `sys.argv` set and its output captured.

Every step runs even when one fails (its code is its own); a step's exception is code 1 with
the traceback as its error output.
"""

from __future__ import annotations

import gc
import importlib
import io
import json
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any


def _code(exc: SystemExit) -> int:
    return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1


def step(entry: dict[str, Any]) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv = dict(os.environ), sys.argv
    os.environ.update(entry.get("env", {}))
    with redirect_stdout(out), redirect_stderr(err):
        try:
            if "module" in entry:
                code = importlib.import_module(f"pipeline.{entry['module']}").main(entry["argv"])
            else:
                sys.argv = ["-c", *entry["argv"]]
                exec(compile(entry["script"], "<step>", "exec"), {"__name__": "__main__"})
                code = 0
        except SystemExit as exc:  # argparse's usage errors and sys.exit(), as the command would exit
            code = _code(exc)
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            sys.argv = saved_argv
            os.environ.clear()
            os.environ.update(saved_env)
            gc.collect()  # a script's connections (DuckDB's file lock) closed, as at the end of its process
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def main() -> int:
    project, steps = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    os.chdir(project)
    sys.path.insert(0, str(project))
    results = [step(entry) for entry in steps]
    sys.stdout.flush()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
