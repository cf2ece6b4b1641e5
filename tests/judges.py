"""Stand-in for the judges module: a cached virtual environment per judge env.

`judge_python("batch")` returns the python of a venv built once from
requirements/judges/batch.txt under $PIPEGEN_CACHE/venvs/judge-batch-<hash>; the hash covers
the pinned requirements and the interpreter version, so a change of pins builds a new venv.
Tests run heavy tools only through that interpreter (subprocess), never in-process.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "requirements" / "judges"


def _cache_root() -> Path:
    explicit = os.environ.get("PIPEGEN_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipegen"


def _req_hash(requirements: Path) -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(requirements.read_bytes())
    return digest.hexdigest()[:16]


def judge_python(name: str) -> Path:
    """The python of the cached judge environment `name` (built from requirements/judges/<name>.txt)."""
    requirements = REQUIREMENTS / f"{name}.txt"
    if not requirements.is_file():
        raise FileNotFoundError(f"no judge environment '{name}': {requirements} does not exist")
    venv = _cache_root() / "venvs" / f"judge-{name}-{_req_hash(requirements)}"
    python = venv / "bin" / "python"
    if (venv / ".complete").is_file():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    print(f"==> creating judge environment {name} in {venv} (first run only)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True)
    (venv / ".complete").touch()
    return python
