"""`pipegen run DIR`: run a generated project's local pipeline (`python -m pipeline.run`).

pipegen itself does not depend on dlt, dbt or GX: the project's own pinned requirements
(requirements.txt) are installed once into a virtual environment cached outside the project
(`$PIPEGEN_CACHE/projects/<hash of requirements.txt and the Python version>`), and so are the
requirements of steps with their own environment (requirements-flink.txt: PyFlink pins what the
project's other packages need newer); one line per
stage with its elapsed time (a spinner on a terminal), pip's output kept in `install.log` beside
the environment and its path printed when the install fails; `--python` (or an active virtual
environment that already has them) skips it, as do PIPEGEN_RUN_PYTHON and, for a step's own
environment, its variable (PIPEGEN_FLINK_PYTHON). The interpreters are recorded in the project's
`.pipegen/local/env.mk` (pipegen.localenv), so its make targets use the same environments. After
the run, failures that name a spec path are printed again at their pipegen.yaml line. Before any
environment is built, a chosen step that runs on Java (PyFlink's) finds it (pipegen.javacheck).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pipegen.errors import UserError
from pipegen.javacheck import check_java, java_steps
from pipegen.localenv import record
from pipegen.runresult import located_failures

RUN_MODULE = "pipeline.run"
RUN_PYTHON = "PIPEGEN_RUN_PYTHON"  # an interpreter with requirements.txt installed: used instead of building one
OFFLINE = {"RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def cache_root() -> Path:
    explicit = os.environ.get("PIPEGEN_CACHE")
    base = Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "pipegen"
    return base / "projects"


def check_project(project: Path) -> Path:
    """The project's requirements file, or a UserError saying what is missing."""
    if not (project / "pipeline" / "run.py").is_file():
        if (project / "pipeline" / "stream.py").is_file():
            hint = "its stream jobs run locally with `make flink-install stream-local` (`make help` lists every target)"
        elif (project / "pipegen.yaml").is_file():
            hint = "run `pipegen generate` in it first; specs with a batch layer get a local run"
        else:
            hint = "pass the folder of a generated project (it holds pipegen.yaml), e.g. pipegen run demo/hello_demo"
        raise UserError(f"{project} has no local run (pipeline/run.py)", hint=hint)
    requirements = project / "requirements.txt"
    if not requirements.is_file():
        raise UserError(f"{project} has no requirements.txt", hint="run `pipegen generate pipegen.yaml` to restore it")
    return requirements


def env_key(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes() + sys.version.encode())
    return digest.hexdigest()[:16]


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_env(requirements: Path) -> Path:
    """The cached venv for these requirements (built once; a half-built one is rebuilt)."""
    venv = cache_root() / env_key(requirements)
    marker = venv / ".complete"
    if marker.is_file():
        return venv / "bin" / "python"
    with _lock(venv.with_name(venv.name + ".lock")):
        if not marker.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            _build(venv, requirements)
            marker.write_text(requirements.read_text(encoding="utf-8"), encoding="utf-8")
    return venv / "bin" / "python"


def _build(venv: Path, requirements: Path) -> None:
    log_path = venv.with_name(venv.name + ".install.log")
    say(f"==> creating the project's environment in {venv} (first run only; pip's log: {log_path})")
    python = str(venv / "bin" / "python")
    stages = [
        ("virtual environment", [sys.executable, "-m", "venv", str(venv)]),
        ("pip", [python, "-m", "pip", "install", "--upgrade", "pip", "--progress-bar", "off"]),
        (f"requirements ({requirements.name})", [python, "-m", "pip", "install", "-r", str(requirements),
                                                 "--progress-bar", "off"]),
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        for label, cmd in stages:
            code, elapsed = _stage(label, cmd, log)
            if code != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise UserError(
                    f"installing the project's {label} failed (exit {code}); pip's output is in {log_path}",
                    hint=f"read the end of {log_path}; fix requirements.txt or pass --python with a ready interpreter",
                )
            say(f"    {label}: done in {elapsed:.0f}s")


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _stage(label: str, cmd: list[str], log: IO[str]) -> tuple[int, float]:
    """Run one install stage with its output in the log; a spinner with the elapsed time on a
    terminal (rich, when installed; NO_COLOR respected), nothing live otherwise."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    started = time.monotonic()
    with _spinner(f"installing {label}"):
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    return code, time.monotonic() - started


@contextmanager
def _spinner(text: str) -> Iterator[None]:
    if not sys.stderr.isatty():
        yield
        return
    try:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    except ImportError:  # pragma: no cover - typer brings rich
        yield
        return
    console = Console(stderr=True)  # honours NO_COLOR and TERM=dumb
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        progress.add_task(text, total=None)
        yield


@dataclass(frozen=True)
class RunOptions:
    """What `pipegen run` passes on to `python -m pipeline.run` (and `make run` takes as variables)."""

    start: str | None = None
    only: tuple[str, ...] = ()
    rows: int | None = None
    bad_row_rate: float | None = None
    quiet: bool = False
    verbose: bool = False
    docs: bool = True

    def argv(self) -> list[str]:
        words = [*(["--from", self.start] if self.start else []), *(w for o in self.only for w in ("--only", o))]
        words += [*(["--rows", str(self.rows)] if self.rows is not None else [])]
        words += [*(["--bad-row-rate", str(self.bad_row_rate)] if self.bad_row_rate is not None else [])]
        words += [*(["--no-docs"] if not self.docs else [])]
        return [*words, *(["--quiet"] if self.quiet else []), *(["--verbose"] if self.verbose else [])]


def step_environments(project: Path, interpreter: Path, options: RunOptions, env: dict[str, str]) -> dict[str, str]:
    """The interpreters of the steps that need their own requirements (PyFlink's, say): the one
    the variable names when it is set, else a cached environment built like the project's.
    Returns {variable: interpreter}."""
    ask = [str(interpreter), "-m", RUN_MODULE, "--environments", *options.argv()]
    proc = subprocess.run(ask, cwd=project, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # a usage error (an unknown step): the run itself says it again
        return {}
    found: dict[str, str] = {}
    for requirements, variable in json.loads(proc.stdout or "{}").items():
        given = env.get(variable)
        found[variable] = given if given else str(ensure_env(project / requirements))
    return found


def run(project: Path, python: Path | None = None, options: RunOptions | None = None) -> int:
    """Run the project's local pipeline; returns its exit code."""
    options = options or RunOptions()
    project = project.resolve()
    requirements = check_project(project)
    note = check_java(java_steps(project, options.argv()), dict(os.environ))  # before any environment is built
    if note:
        say(note)
    given = python if python is not None else os.environ.get(RUN_PYTHON)  # CI, tests: an environment at hand
    interpreter = Path(given) if given else ensure_env(requirements)
    if not Path(interpreter).exists():
        raise UserError(f"no Python interpreter at {interpreter}", hint="pass --python PATH to an existing one")
    env = {**os.environ, **OFFLINE}
    env.pop("PYTHONPATH", None)
    extra = step_environments(project, Path(interpreter), options, env)
    record(project, Path(interpreter), extra)  # make targets use the same environments
    code = subprocess.call([str(interpreter), "-m", RUN_MODULE, *options.argv()], cwd=project, env={**env, **extra})
    for line in located_failures(project):
        say(line)
    return code
