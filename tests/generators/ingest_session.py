"""Runs in the batch judge environment for tests/generators/test_ingestion_runs.py: the module's
`python -m pipeline.ingest ...` commands and its reads of the warehouses (`python -c ...`), over
several generated projects, in this one process, so dlt, DuckDB and pyarrow are imported once for
the module instead of once a command (~3 s of CPU each).

    python ingest_session.py        # then one JSON request a line on stdin, one JSON answer a line on stdout

A request is {"project": DIR, "argv": [...]}, the arguments after `python` of the command it stands
for, run with DIR the working directory and this process's environment (the test's, the same for
every command); the answer {"code", "out", "err"}, what the process would have exited with and
printed:

- `["-m", "pipeline.NAME", ...]` runs as `python -m` runs it (tests/specgen/local_runs.run_here): the
  project's modules imported afresh, `sys.argv` as `-m` sets it, its `sys.exit(main())`, SystemExit's
  code, an uncaught exception through the project's sys.excepthook and code 1; at its end the exit
  handlers its modules registered run and its DuckDB connections are closed. A module whose main
  block is anything else is started as a process (`in_process`);
- `["-c", CODE, ARG...]` runs CODE as `python -c` runs it (`__main__`, `sys.argv`), its connections
  collected at its end (DuckDB's file lock released, as at the end of its process).

Between projects the previous one's `pipeline` package and settings are forgotten
(tests/specgen/project_modules.enter). That `python -m pipeline.ingest` starts and runs as a process of
its own is judged where the local runner starts it (the README walk-throughs' `pipegen run`,
tests/families/test_lake_stream_bronze.py's `pipegen run --python`) and by this module's production retry test."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "specgen"))
from local_runs import _code, in_process, run_here
from project_modules import enter, leave


def script(code: str, argv: list[str], out: Any, err: Any) -> int:
    """`python -c CODE ARGV` in this process, its stdout and stderr in `out` and `err`."""
    saved_argv = sys.argv
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    sys.argv = ["-c", *argv]
    try:
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        return 0
    except SystemExit as exc:
        return _code(exc)
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.argv = saved_argv
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        gc.collect()  # the script's connections closed, as at the end of its process


def answer(request: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    project, argv = Path(request["project"]), list(request["argv"])
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        added = enter(project)
        try:
            if argv[:1] == ["-c"]:
                code = script(argv[1], argv[2:], out, err)
            elif (module := in_process([sys.executable, *argv], project)) is not None:
                code = run_here(module, argv[2:], project, dict(environ), out, err)
            else:  # not a module this process can run as `python -m` would: its own process
                code = subprocess.call([sys.executable, *argv], cwd=project, env=environ, stdout=out, stderr=err)
        finally:
            leave(added)
            os.environ.clear()
            os.environ.update(environ)
        out.seek(0)
        err.seek(0)
        return {"code": code, "out": out.read().decode(errors="replace"), "err": err.read().decode(errors="replace")}


def main() -> int:
    environ = dict(os.environ)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")  # fd 1 is each command's own stdout meanwhile
    for line in sys.stdin:
        if line.strip():
            answers.write(json.dumps(answer(json.loads(line), environ)) + "\n")
            answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
