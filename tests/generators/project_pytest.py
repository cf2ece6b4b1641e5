"""Runs in a judge environment: generated projects' own test suites, `python -m pytest ARGV` in each
project's folder, one after another in this one process, so pytest, dlt, DuckDB and pyarrow are
imported once instead of once a project (tests/generators/test_ingestion_runs.py). Prints JSON on
the last line: [{"code", "out", "err"} per run], what each `python -m pytest` would have exited with
and printed.

    python project_pytest.py RUNS.json      # RUNS.json: [{"project": DIR, "argv": [...]}]

Each run is `python -m pytest ARGV` in DIR: DIR the working directory and first on sys.path (as `-m`
puts it), `pytest.main(ARGV)`, its output on file descriptors 1 and 2 captured (dlt's and DuckDB's
included), this process's environment as it was before the run. Between runs the previous project is
forgotten: every module imported from its folder (its `pipeline` package, its test modules and
conftest), the sys.path entries pointing into it (pytest's `prepend` import mode adds its tests
folder) and its settings (tests/specgen/project_modules.py). A run's crash is its own failure."""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "specgen"))
from project_modules import enter, leave, redirected


def forget(project: Path) -> None:
    """Every module imported from `project` and every sys.path entry into it."""
    root = str(project.resolve())
    inside = [n for n, m in sys.modules.items() if str(getattr(m, "__file__", None) or "").startswith(root + os.sep)]
    for name in inside:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if not (p == root or p.startswith(root + os.sep))]


def run(project: Path, argv: list[str], out: Any, err: Any) -> int:
    """`python -m pytest ARGV` in `project`, its output in `out` and `err`."""
    import pytest

    environ, cwd = dict(os.environ), Path.cwd()
    added = enter(project)
    try:
        with redirected(out, err):
            try:
                return int(pytest.main(argv))
            except SystemExit as exc:
                return exc.code if isinstance(exc.code, int) else 1
            except Exception:
                traceback.print_exc()
                return 1
    finally:
        leave(added)
        forget(project)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        gc.collect()  # the run's connections closed (DuckDB's file locks), as at the end of its process


def main() -> int:
    results = []
    for entry in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")):
        with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
            code = run(Path(entry["project"]), list(entry["argv"]), out, err)
            out.seek(0)
            err.seek(0)
            results.append({"code": code, "out": out.read().decode(errors="replace"),
                            "err": err.read().decode(errors="replace")})  # fmt: skip
    sys.stdout.flush()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
