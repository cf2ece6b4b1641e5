"""Judge environments: one cached virtual environment per heavy tool set.

The real tools that judge generated projects (dlt, dbt, Great Expectations, later Airflow,
Prefect, PyFlink) conflict with each other and with pipegen's dev environment, so each set
gets its own venv, pinned in ``requirements/judges/<name>.txt``. A venv lives outside the
clone under ``$PIPEGEN_CACHE/venvs/<name>-<key>``; the key hashes the requirements file
(following ``-r`` includes) and the Python version exactly as ``scripts/_venv.sh`` does, so a
warm run skips the install and a fresh machine builds it.

A build is atomic for readers: the ``.complete`` marker is written last, and a directory
without it is removed and rebuilt (venvs are not relocatable, so build-then-rename is not
an option). Two processes that need the same venv serialise on a file lock; the second
finds the marker and returns at once.

This module needs only the standard library: ``python -m tests.judges`` (what
``scripts/test.sh`` runs) and the pytest fixtures both use it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "requirements" / "judges"
COMPLETE = ".complete"

# What every judge subprocess gets: no telemetry, no update checks, nothing written to the
# user's home (HOME is pointed at a scratch directory by offline_env).
OFFLINE_VARIABLES: dict[str, str] = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


class JudgeEnvError(RuntimeError):
    """A judge environment could not be found or built; the message says which and why."""


def cache_root() -> Path:
    """$PIPEGEN_CACHE, else $XDG_CACHE_HOME/pipegen, else ~/.cache/pipegen (as scripts/_venv.sh)."""
    explicit = os.environ.get("PIPEGEN_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "pipegen"


def env_names(requirements: Path = REQUIREMENTS) -> list[str]:
    return sorted(p.stem for p in requirements.glob("*.txt"))


def requirements_file(name: str, requirements: Path = REQUIREMENTS) -> Path:
    path = requirements / f"{name}.txt"
    if not path.is_file():
        known = ", ".join(env_names(requirements)) or "none"
        raise JudgeEnvError(f"no judge environment {name!r}: {path} does not exist (known: {known})")
    return path


def requirement_bytes(path: Path) -> bytes:
    """The file followed by the files its ``-r`` lines include: the bytes _venv.sh hashes."""
    text = path.read_bytes()
    included = [
        (path.parent / line[2:].strip()).read_bytes()
        for line in text.decode().splitlines()
        if line.startswith("-r") and line[2:].strip()
    ]
    return text + b"".join(included)


def env_key(path: Path, python_version: str = sys.version) -> str:
    """16 hex digits of sha256(python version line + requirements): scripts/_venv.sh's req_hash."""
    digest = hashlib.sha256(f"{python_version}\n".encode() + requirement_bytes(path))
    return digest.hexdigest()[:16]


def env_dir(name: str, root: Path | None = None, requirements: Path = REQUIREMENTS) -> Path:
    path = requirements_file(name, requirements)
    return (root or cache_root()) / "venvs" / f"{name}-{env_key(path)}"


def is_complete(venv: Path) -> bool:
    return (venv / COMPLETE).is_file()


@contextmanager
def file_lock(lock_path: Path, log: TextIO) -> Iterator[None]:
    """An exclusive advisory lock; says so when it has to wait for another process."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"==> waiting for another process building {lock_path.stem}", file=log, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_logged(cmd: list[str], log: TextIO, what: str) -> None:
    """Runs cmd with its output going to log (live), raising JudgeEnvError on failure."""
    env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(f"    {line}")
        log.flush()
    rc = proc.wait()
    if rc != 0:
        raise JudgeEnvError(f"{what} failed (exit {rc}); its output is above: {' '.join(cmd)}")


def dir_size_mib(path: Path) -> float:
    total = sum(p.lstat().st_size for p in path.rglob("*") if not p.is_symlink() and p.is_file())
    return total / 2**20


def build(venv: Path, requirements: Path, log: TextIO) -> None:
    """Creates venv and installs requirements into it; the marker comes last."""
    start = time.monotonic()
    print(f"==> building judge environment {venv.name} from {requirements} (first run only)", file=log, flush=True)
    _run_logged([sys.executable, "-m", "venv", str(venv)], log, "python -m venv")
    python = str(venv / "bin" / "python")
    _run_logged([python, "-m", "pip", "install", "--progress-bar", "off", "--upgrade", "pip"], log, "pip upgrade")
    _run_logged(
        [python, "-m", "pip", "install", "--progress-bar", "off", "-r", str(requirements)],
        log,
        f"pip install -r {requirements}",
    )
    seconds = time.monotonic() - start
    (venv / COMPLETE).write_text(f"built in {seconds:.0f} s from {requirements.name}\n")
    print(f"==> {venv.name}: built in {seconds:.0f} s, {dir_size_mib(venv):.0f} MiB", file=log, flush=True)


def ensure_env(
    name: str, log: TextIO | None = None, root: Path | None = None, requirements: Path = REQUIREMENTS
) -> Path:
    """The venv directory for judge environment `name`, built first if it is not complete."""
    out = log or sys.stderr
    venv = env_dir(name, root, requirements)
    if is_complete(venv):
        return venv
    with file_lock(venv.with_name(f"{venv.name}.lock"), out):
        if not is_complete(venv):  # another process may have finished it while we waited
            shutil.rmtree(venv, ignore_errors=True)  # a build that died half-way
            try:
                build(venv, requirements_file(name, requirements), out)
            except BaseException:
                shutil.rmtree(venv, ignore_errors=True)
                raise
    return venv


def judge_python(name: str) -> Path:
    """The python of judge environment `name` (requirements/judges/<name>.txt), built on first use."""
    return ensure_env(name) / "bin" / "python"


def judge_bin(name: str, executable: str) -> Path:
    """A console script of judge environment `name`, e.g. judge_bin("batch", "dbt")."""
    path = judge_python(name).parent / executable
    if not path.exists():
        raise JudgeEnvError(f"judge environment {name!r} has no {executable!r} in {path.parent}")
    return path


def offline_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a judge subprocess: this one minus the dev venv, HOME at `home`, no telemetry."""
    home.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**base, **OFFLINE_VARIABLES, "HOME": str(home), **extra}
