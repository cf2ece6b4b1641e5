"""Runs several generated projects in one Python process (a judge driver's helper): each
project's `pipeline` package, plugins and settings are cleared before the next one runs, so a
project never imports another's step modules or writes into another's warehouse. Standard
library only (imported inside the judge environments). A project's output goes to
PROJECT/judge.log (`output_to`), whose tail the judge reports when the project fails."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

# Settings a generated DAG or flow sets with os.environ.setdefault (per project: cleared between projects)
PROJECT_SETTINGS = ("PIPEGEN_WAREHOUSE", "PIPEGEN_PROJECT_DIR", "PIPEGEN_DATA_DIR", "PIPEGEN_QUALITY_DIR")
PROJECT_PACKAGES = ("pipeline", "pipegen_callbacks")


def enter(project: Path, *extra_paths: Path) -> list[str]:
    """Forget the previous project (its modules, settings, working directory) and make `project`
    the current one; returns the sys.path entries added (give them to `leave`)."""
    for name in [m for m in sys.modules if m.split(".")[0] in PROJECT_PACKAGES]:
        del sys.modules[name]
    for key in PROJECT_SETTINGS:
        os.environ.pop(key, None)
    forget_gx_actions()
    forget_dbt_duckdb()
    os.chdir(project)
    added = [str(p) for p in (project, *extra_paths)]
    for path in reversed(added):
        sys.path.insert(0, path)
    return added


def forget_gx_actions() -> None:
    """GX registers each ValidationAction type by name for the life of the process, and a project's
    quality step defines its action classes once per process: a fresh process per project would
    start without them, so the previous project's are dropped (their `run` reads its modules)."""
    actions = sys.modules.get("great_expectations.checkpoint.actions")
    registry = getattr(actions, "_VALIDATION_ACTION_REGISTRY", None)
    registered = getattr(registry, "_registered_actions", None)
    if isinstance(registered, dict):
        for name in [n for n in registered if n.startswith("pipegen_")]:
            del registered[name]


def forget_dbt_duckdb() -> None:
    """dbt-duckdb keeps one DuckDB environment per process (a class attribute) and reuses it while
    the profile's credentials are equal: a profile whose path is relative (`warehouse.duckdb`, from
    a project's .env) would reach the previous project's warehouse. A fresh process starts without."""
    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    manager = getattr(connections, "DuckDBConnectionManager", None)
    environment = getattr(manager, "_ENV", None)
    if environment is not None:
        close = getattr(environment, "close", None)
        if callable(close):
            close()
        manager._ENV = None  # type: ignore[union-attr]


def leave(added: list[str]) -> None:
    for path in added:
        while path in sys.path:
            sys.path.remove(path)


@contextmanager
def redirected(out: IO[bytes], err: IO[bytes]) -> Iterator[None]:
    """The process's file descriptors 1 and 2 point at `out` and `err` while the block runs (what
    the tools and libraries in this process print, C extensions' writes included), then back at
    what they pointed at before; Python's buffered streams are flushed on both sides of the switch."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@contextmanager
def output_to(log: Path, errors: Path | None = None) -> Iterator[None]:
    """The process's stdout and stderr (file descriptors 1 and 2: what the tools a project runs
    print, dbt's and dlt's logs included) go to `log` while the project runs (stderr to `errors`
    instead, when given: a judge that reads what a command printed to stdout alone)."""
    with log.open("ab") as out, errors.open("ab") if errors else nullcontext(out) as err, redirected(out, err):
        yield


def tail(log: Path, chars: int = 2000) -> str:
    """The log's error lines (a tool's own message, e.g. dbt's, comes before the orchestrator's
    closing lines), then its last `chars` characters."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    errors = [line for line in text.splitlines() if "Error" in line or "error:" in line][:30]
    return "\n".join(errors) + "\n...\n" + text[-chars:]
