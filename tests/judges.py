"""Judge environments: cached virtual environments with the heavy tools generated code runs on.

Minimal stand-in (the judges branch replaces it): `judge_python("batch")` builds, once, a venv
from requirements/judges/batch.txt under $PIPEGEN_CACHE/venvs/judge-batch-<hash> and returns
its python. Keyed by the requirements and the interpreter version, like scripts/_venv.sh.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _cache() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pipegen"
    return Path(os.environ.get("PIPEGEN_CACHE", default))


def judge_python(name: str) -> Path:
    """The python of the cached judge environment `name`, built on first use."""
    requirements = REPO / "requirements" / "judges" / f"{name}.txt"
    text = requirements.read_text(encoding="utf-8")
    key = hashlib.sha256(f"{sys.version}\n{text}".encode()).hexdigest()[:16]
    venv = _cache() / "venvs" / f"judge-{name}-{key}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    building = venv.with_name(venv.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    proc = subprocess.run(
        [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.fail(f"could not build the {name} judge environment:\n{proc.stderr[-3000:]}")
    (building / ".complete").touch()
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        building.rename(venv)  # venvs hold absolute paths: rebuild below if the rename moved it
    shutil.rmtree(building, ignore_errors=True)
    return python
