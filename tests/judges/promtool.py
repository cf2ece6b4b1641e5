"""promtool (Debian package `prometheus`), the judge of generated Prometheus rules: found on
PATH, else installed with apt-get when running as root (as scripts/_servers.sh does for the
database servers). A machine where it can be neither found nor installed fails the tests that
need it, with the reason: rules nobody checked are not a pass."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.judges.envs import cache_root, file_lock

PACKAGE = "prometheus"


def _install(package: str = PACKAGE) -> str | None:
    """Why `package` (default: promtool's) could not be installed, or None when apt-get installed it."""
    if os.geteuid() != 0:
        return "not running as root, so no apt-get"
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, env=env)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=900, check=False, env=env)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, env=env)
    return (
        None if done.returncode == 0 else f"apt-get install {package} failed: {done.stdout[-800:]}{done.stderr[-800:]}"
    )


def promtool() -> Path:
    """The promtool binary; installs Debian's `prometheus` package first when it is missing."""
    found = shutil.which("promtool")
    if found is None:
        import sys

        with file_lock(cache_root() / "promtool.lock", sys.stderr):
            found = shutil.which("promtool")
            if found is None:
                why = _install()
                found = shutil.which("promtool")
                if found is None:
                    pytest.fail(f"promtool is missing and could not be installed ({why}): install Debian's "
                                f"`{PACKAGE}` package")  # fmt: skip
    return Path(found)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool()), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
