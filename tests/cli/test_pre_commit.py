"""The pre-commit hooks this repo ships (.pre-commit-hooks.yaml), through pre-commit's own
machinery, offline: its manifest validation, then `pre-commit run` in a throwaway git repo
whose config uses the manifest's hooks as `repo: local` with `language: system` (the installed
pipegen; a `language: python` install would need the network)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pre_commit.clientlib import load_config, load_manifest

from tests.conftest import REPO

HELLO = (REPO / "specs" / "hello.yaml").read_text()


def _hooks() -> list[dict[str, Any]]:
    return list(load_manifest(str(REPO / ".pre-commit-hooks.yaml")))


def test_the_manifest_and_this_repos_config_pass_pre_commits_validation() -> None:
    assert [h["id"] for h in _hooks()] == ["pipegen-validate", "pipegen-check"]
    config = load_config(str(REPO / ".pre-commit-config.yaml"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["ruff", "ruff-format", "mypy"]
    assert all(h["language"] in ("system", "unsupported") for h in config["repos"][0]["hooks"])  # 4.x: an alias


def _local_config(hooks: list[dict[str, Any]]) -> str:
    keys = ("id", "name", "entry", "files", "exclude", "args", "pass_filenames", "always_run", "types")
    lines = ["repos:", "  - repo: local", "    hooks:"]
    for hook in hooks:
        lines.append(f"      - id: {hook['id']}")
        lines += [f"        {k}: {_yaml(hook[k])}" for k in keys[1:] if k in hook]
        lines.append("        language: system")
    return "\n".join(lines) + "\n"


def _yaml(value: Any) -> str:
    import json

    return json.dumps(value)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)  # fmt: skip


def _run(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    (repo / "pipegen.yaml").write_text(HELLO)
    (repo / ".pre-commit-config.yaml").write_text(_local_config(_hooks()))
    _git(repo, "init", "-q")
    subprocess.run([sys.executable, "-m", "pipegen", "generate", "pipegen.yaml"], cwd=repo, check=True,
                   capture_output=True)  # fmt: skip
    _git(repo, "add", "-A")
    return repo


def test_hooks_pass_on_a_valid_current_project_and_fail_when_it_goes_stale(repo: Path) -> None:
    ok = _run(repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "pipegen validate" in ok.stdout and "pipegen generate --check" in ok.stdout
    (repo / "pipegen.yaml").write_text(HELLO.replace("rows_per_day: 50000", "rows_per_day: 90000"))
    _git(repo, "add", "-A")
    stale = _run(repo)
    assert stale.returncode == 1 and "pipegen generate --check" in stale.stdout and "Failed" in stale.stdout


def test_validate_hook_fails_on_an_invalid_spec_with_its_location(repo: Path) -> None:
    (repo / "pipegen.yaml").write_text(HELLO.replace("latency: 1h", "latency: soon"))
    _git(repo, "add", "-A")
    proc = _run(repo)
    assert proc.returncode == 1 and "pipegen.yaml:12:" in proc.stdout
