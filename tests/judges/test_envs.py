"""The judge-environment mechanism: keys agree with scripts/_venv.sh, every pin is exact, a
half-built venv is rebuilt, a failed build leaves nothing behind, and two processes racing
for the same venv build it once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TextIO

import pytest

from tests.judges import envs
from tests.judges.envs import REPO, JudgeEnvError, ensure_env, env_key, env_names, requirements_file

EXACT_PIN = re.compile(r"^[A-Za-z0-9_.\-]+(\[[A-Za-z0-9_,\-]+\])?==[0-9][^\s,;<>=!~]*$")


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-r"))]


def test_every_judge_requirement_is_pinned_exactly() -> None:
    assert env_names(), "requirements/judges/ holds no environment"
    loose = {
        name: line
        for name in env_names()
        for line in requirement_lines(requirements_file(name))
        if not EXACT_PIN.match(line)
    }
    assert loose == {}


def test_dbt_core_is_pinned_below_1_12_where_it_would_download_at_build_time() -> None:
    for name in env_names():
        for line in requirement_lines(requirements_file(name)):
            if line.startswith("dbt-core=="):
                assert tuple(int(x) for x in line.split("==")[1].split(".")[:2]) < (1, 12), name


def test_env_key_is_the_hash_scripts_venv_sh_computes(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("duckdb==2.0.1\n")
    req = tmp_path / "tool.txt"
    req.write_text("-r base.txt\ndbt-core==1.11.16\n")
    script = f'source "{REPO}/scripts/_venv.sh"; req_hash "$1"'
    done = subprocess.run(
        ["bash", "-c", script, "req_hash", str(req)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert env_key(req) == done.stdout.strip()


def test_env_key_changes_with_the_requirements_and_with_the_python_version(tmp_path: Path) -> None:
    req = tmp_path / "tool.txt"
    req.write_text("duckdb==2.0.1\n")
    before = env_key(req)
    assert env_key(req, python_version="3.99.0 (other build)") != before
    req.write_text("duckdb==2.0.0\n")
    assert env_key(req) != before


def test_an_unknown_environment_is_refused_with_the_known_names() -> None:
    with pytest.raises(JudgeEnvError, match=r"no judge environment 'nope'.*known: .*batch"):
        requirements_file("nope")


def fake_requirements(tmp_path: Path, text: str = "") -> Path:
    folder = tmp_path / "requirements"
    folder.mkdir(exist_ok=True)
    (folder / "tool.txt").write_text(text)
    return folder


def test_a_half_built_venv_is_removed_and_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fake_requirements(tmp_path)
    venv = envs.env_dir("tool", tmp_path / "cache", folder)
    venv.mkdir(parents=True)
    (venv / "left-over-from-a-killed-build").touch()
    built: list[Path] = []

    def fake_build(target: Path, requirements: Path, log: TextIO) -> None:
        assert not target.exists(), "the half-built venv should have been removed first"
        target.mkdir()
        (target / envs.COMPLETE).touch()
        built.append(target)

    monkeypatch.setattr(envs, "build", fake_build)
    assert ensure_env("tool", root=tmp_path / "cache", requirements=folder) == venv
    assert ensure_env("tool", root=tmp_path / "cache", requirements=folder) == venv
    assert built == [venv]  # complete the second time: not rebuilt


def test_a_failed_build_leaves_no_directory_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fake_requirements(tmp_path)

    def failing_build(target: Path, requirements: Path, log: TextIO) -> None:
        target.mkdir()
        raise JudgeEnvError("pip install failed")

    monkeypatch.setattr(envs, "build", failing_build)
    with pytest.raises(JudgeEnvError, match="pip install failed"):
        ensure_env("tool", root=tmp_path / "cache", requirements=folder)
    assert not envs.env_dir("tool", tmp_path / "cache", folder).exists()


RACER = """
import sys
from pathlib import Path
from tests.judges.envs import ensure_env
venv = ensure_env("tool", root=Path(sys.argv[1]), requirements=Path(sys.argv[2]))
print(venv)
"""


@pytest.mark.slow
def test_two_processes_racing_for_one_venv_build_it_once_and_both_get_a_working_python(tmp_path: Path) -> None:
    folder = fake_requirements(tmp_path, "# nothing to install: this test is about the venv and the lock\n")
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(REPO)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(cache), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=600) for r in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs
    paths = {out.strip() for out, _ in outputs}
    assert len(paths) == 1
    logs = "".join(err for _, err in outputs)
    assert logs.count("==> building judge environment") == 1, logs
    assert "waiting for another process" in logs
    python = Path(paths.pop()) / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip() == str(python.parent.parent)  # fmt: skip


@pytest.mark.slow
def test_a_pip_failure_names_the_environment_and_leaves_nothing(tmp_path: Path) -> None:
    folder = fake_requirements(tmp_path, "this is not a requirement\n")
    with pytest.raises(JudgeEnvError, match=r"pip install -r .*tool\.txt failed \(exit \d+\)"):
        ensure_env("tool", log=sys.stderr, root=tmp_path / "cache", requirements=folder)
    assert not envs.env_dir("tool", tmp_path / "cache", folder).exists()


def test_build_workers_default_to_one_more_than_the_cores_capped_and_never_above_the_missing() -> None:
    from tests.judges.__main__ import MAX_BUILDS, build_workers

    assert build_workers(12, cores=2) == 3
    assert build_workers(12, cores=16) == MAX_BUILDS
    assert build_workers(2, cores=2) == 2
    assert build_workers(12, cores=2, setting="1") == 1
    assert build_workers(12, cores=2, setting="0") == 1


def test_missing_environments_build_side_by_side_with_whole_logs_and_every_failure_reported() -> None:
    import io
    import threading
    import time

    from tests.judges.__main__ import build_all

    running, peak, guard = [0], [0], threading.Lock()

    def fake_ensure(name: str, log: TextIO) -> Path:
        with guard:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        for i in range(3):
            log.write(f"{name} line {i}\n")
            time.sleep(0.05)
        with guard:
            running[0] -= 1
        if name.startswith("bad"):
            raise JudgeEnvError(f"pip install -r {name}.txt failed (exit 1)")
        return Path(f"/venvs/{name}")

    out = io.StringIO()
    errors = build_all(["a", "bad1", "b", "bad2", "c"], 3, out, fake_ensure)
    assert peak[0] == 3  # three at a time, not one after another
    assert sorted(errors) == [
        "error: judge environment bad1: pip install -r bad1.txt failed (exit 1)",
        "error: judge environment bad2: pip install -r bad2.txt failed (exit 1)",
    ]
    text = out.getvalue()
    for name in ("a", "bad1", "b", "bad2", "c"):  # each build's log in one piece
        assert f"{name} line 0\n{name} line 1\n{name} line 2\n" in text
    assert "==> judge environment c: /venvs/c" in text
