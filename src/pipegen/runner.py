"""`pipegen run DIR`: run a generated project's local pipeline (`python -m pipeline.run`).

pipegen itself does not depend on dlt, dbt or GX: the project's own pinned requirements
(requirements.txt) are installed once into a virtual environment cached outside the project
(`$PIPEGEN_CACHE/projects/<hash of requirements.txt and the Python version>`), with pip's
progress shown; `--python` (or an active virtual environment that already has them) skips it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipegen.errors import UserError

RUN_MODULE = "pipeline.run"
OFFLINE = {"RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def cache_root() -> Path:
    explicit = os.environ.get("PIPEGEN_CACHE")
    base = Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "pipegen"
    return base / "projects"


def check_project(project: Path) -> Path:
    """The project's requirements file, or a UserError saying what is missing."""
    if not (project / "pipeline" / "run.py").is_file():
        raise UserError(
            f"{project} has no local run (pipeline/run.py)",
            hint="run `pipegen generate pipegen.yaml` in it first; specs with a batch layer get a local run",
        )
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


def ensure_env(requirements: Path, log: object = None) -> Path:
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
    print(f"==> creating the project's environment in {venv} (first run only)", file=sys.stderr, flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--upgrade", "pip", "--progress-bar", "off"],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-r", str(requirements), "--progress-bar", "off"],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr, check=False)
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise UserError(
                f"installing the project's requirements failed ({' '.join(cmd[-3:])}, exit {proc.returncode})",
                hint="see pip's message above; fix requirements.txt or pass --python with a ready interpreter",
            )


def run(project: Path, python: Path | None = None, start: str | None = None) -> int:
    """Run the project's local pipeline; returns its exit code."""
    project = project.resolve()
    requirements = check_project(project)
    interpreter = python if python is not None else ensure_env(requirements)
    if not Path(interpreter).exists():
        raise UserError(f"no Python interpreter at {interpreter}", hint="pass --python PATH to an existing one")
    argv = [str(interpreter), "-m", RUN_MODULE, *(["--from", start] if start else [])]
    env = {**os.environ, **OFFLINE}
    env.pop("PYTHONPATH", None)
    return subprocess.call(argv, cwd=project, env=env)
