"""The built wheel carries templates and example specs: `pipegen new` works from a fresh
virtual environment outside the repository, with output identical to the in-repo run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow


def _cache_root() -> Path:
    base = os.environ.get("PIPEGEN_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pipegen"
    return Path(base)


def _fresh_env() -> Path:
    """A venv with only pipegen's pinned runtime dependencies, cached by their hash."""
    reqs = (REPO / "requirements" / "runtime.txt").read_bytes()
    key = hashlib.sha256(reqs + sys.version.encode()).hexdigest()[:16]
    env_dir = _cache_root() / "venvs" / f"wheeltest-{key}"
    if not (env_dir / ".complete").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "-r", str(REPO / "requirements" / "runtime.txt")], check=True, timeout=900)
        (env_dir / ".complete").touch()
    return env_dir


LOCAL = ".pipegen/local/"  # this machine's paths (pipegen.localenv): checked apart


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(LOCAL)
    }


def test_wheel_installs_outside_the_repo_and_scaffolds_identically(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-w", str(dist), "-q"],
        check=True,
        timeout=600,
    )
    wheel = next(dist.glob("pipegen_cli-*.whl"))
    env_dir = _fresh_env()
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
        timeout=600,
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    outside = tmp_path / "outside"
    outside.mkdir()
    installed = subprocess.run(
        [str(env_dir / "bin" / "pipegen"), "new", "demo", "--spec", "saas_elt", "--no-input"],
        cwd=outside,
        env=clean_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run(
        [str(python), "-c", "import pipegen.resources as r; print(r.data_dir('templates'))"],
        cwd=outside,
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in where.stdout, "templates must come from the wheel, not the source tree"
    faker = subprocess.run(
        [str(python), "-c", "from pipegen.spec.rules.datasets import faker_vocabulary as f; print(len(f()[0]))"],
        cwd=outside,
        env=clean_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert faker.returncode == 0 and int(faker.stdout) > 100, "the Faker provider list ships in the wheel"
    inrepo = tmp_path / "inrepo"
    local = run_cli("new", "demo", "--spec", "saas_elt", "--no-input", "--output", str(inrepo))
    assert local.returncode == 0, local.stderr
    assert _tree(outside / "demo") == _tree(inrepo / "demo")
    # the wheel's pipegen records the wheel it came from for `make setup`, not pipegen-cli by guess
    recorded = (outside / "demo" / LOCAL / "env.mk").read_text(encoding="utf-8")
    assert f"PIPEGEN_SPEC ?= {next(dist.glob('*.whl'))}" in recorded
