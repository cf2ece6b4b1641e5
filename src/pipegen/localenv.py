"""`.pipegen/local/env.mk`: what this machine's pipegen knows and a fresh clone must not inherit
(git-ignored). Written by `pipegen new`, `generate` and `run`; read by the project's Makefile and
pipegen.mk, so make targets use the pipegen that generated the project and the environment
`pipegen run` built, without either being on the PATH.

    PIPEGEN ?= /path/to/python -m pipegen      the running pipegen
    PIPEGEN_SPEC ?= ...                         how `make setup` installs that pipegen into .venv:
                                                its checkout or wheel when it came from one, else
                                                pipegen-cli==VERSION (the package index)
    PIPEGEN_RUN_PYTHON ?= /path/to/python       the project environment `pipegen run` built
    PIPEGEN_FLINK_PYTHON ?= /path/to/python     the environment of steps with their own requirements
                                                (requirements-flink.txt), built by `pipegen run` too
"""

from __future__ import annotations

import json
import shlex
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from pipegen import __version__

LOCAL_MK = Path(".pipegen") / "local" / "env.mk"
DISTRIBUTION = "pipegen-cli"
_SOURCE_TREE = Path(__file__).resolve().parents[2]  # src/pipegen/localenv.py -> the checkout


def pipegen_command() -> str:
    """The command that runs this very pipegen (its interpreter, `-m pipegen`)."""
    return f"{shlex.quote(sys.executable)} -m pipegen"


def pipegen_spec() -> str:
    """What `pip install` needs to install this pipegen: its local checkout or wheel when it was
    installed from one (or runs from a source tree), else the released version from the index."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    direct = dist.read_text("direct_url.json") if dist is not None else None
    if dist is not None and direct is None:
        return f"{DISTRIBUTION}=={dist.version}"  # installed from the index
    url = str(json.loads(direct).get("url", "")) if direct else ""
    local = Path(unquote(urlparse(url).path)) if url.startswith("file://") else None
    if local is not None and local.exists():
        return shlex.quote(str(local))
    if url and local is None:
        return shlex.quote(url)  # a VCS or archive URL pip can install again
    if (_SOURCE_TREE / "pyproject.toml").is_file():
        return shlex.quote(str(_SOURCE_TREE))
    return f"{DISTRIBUTION}=={__version__}"


def local_mk(values: dict[str, str]) -> str:
    lines = ["# This machine's pipegen and project environment (pipegen.localenv); not committed.\n"]
    lines += [f"{name} ?= {value}\n" for name, value in sorted(values.items())]
    return "".join(lines)


def read_values(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition(" ?= ")
            if sep and not name.startswith("#"):
                values[name] = value
    return values


def record(project: Path, run_python: Path | None = None, step_pythons: dict[str, str] | None = None) -> Path:
    """Write (or update) the project's env.mk; returns its path. Best effort: a read-only
    project is left as it is."""
    path = project / LOCAL_MK
    values = read_values(path)
    values["PIPEGEN"] = pipegen_command()
    values["PIPEGEN_SPEC"] = pipegen_spec()
    if run_python is not None:
        values["PIPEGEN_RUN_PYTHON"] = shlex.quote(str(run_python))
    for variable, python in (step_pythons or {}).items():  # PIPEGEN_FLINK_PYTHON: a step's own environment
        values[variable] = shlex.quote(python)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(local_mk(values), encoding="utf-8")
    except OSError:
        pass
    return path
