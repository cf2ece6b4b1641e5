"""The suite's scratch folder (tests/scratch.py): where it goes, that each session has its own, that
xdist's workers work inside it, and that nothing is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import scratch
from tests.conftest import REPO

MOUNTS = """\
/dev/vda / ext4 rw,relatime,discard 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
proc /proc proc rw 0 0
"""
GIB = 2**30


def test_a_memory_file_system_is_a_tmpfs_mount_point() -> None:
    assert scratch.memory_fs(Path("/dev/shm"), MOUNTS)
    assert not scratch.memory_fs(Path("/"), MOUNTS)
    assert not scratch.memory_fs(Path("/dev/shm"), MOUNTS.replace("tmpfs /dev/shm tmpfs", "shm /dev/shm ext4"))
    assert not scratch.memory_fs(Path("/dev/shm"), "")


@pytest.mark.parametrize(
    ("setting", "is_memory", "free", "parent", "why"),
    [
        ("", True, 20 * GIB, Path("/dev/shm"), "tmpfs, 20.0 GiB free"),
        ("", True, 3 * GIB, None, "/dev/shm has 3.0 GiB free, under the 4 GiB floor"),
        ("", False, 0, None, "no memory file system at /dev/shm"),
        ("disk", True, 20 * GIB, None, "PIPEGEN_TEST_SCRATCH=disk"),
        ("/elsewhere", False, 0, Path("/elsewhere"), "PIPEGEN_TEST_SCRATCH=/elsewhere"),
    ],
)
def test_the_scratch_goes_to_memory_only_with_room_there(
    setting: str, is_memory: bool, free: int, parent: Path | None, why: str
) -> None:
    assert scratch.choose(setting, Path("/dev/shm"), is_memory, free) == (parent, why)


def gone_pid() -> int:
    """The id of a process that has ended and been waited for."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_folders_of_ended_sessions_are_removed(tmp_path: Path) -> None:
    ended = tmp_path / f"{scratch.PREFIX}{gone_pid()}-abc"
    running = tmp_path / f"{scratch.PREFIX}{os.getpid()}-abc"
    other = tmp_path / "pipegen-other-1-abc"
    for folder in (ended, running, other):
        (folder / "t").mkdir(parents=True)
    scratch.remove_abandoned(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name])


PROBE = """\
import os
from pathlib import Path

def test_{n}(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert Path(os.environ["SCRATCH_UNDER"]) in tmp_path.parents
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_each_session_works_in_a_folder_of_its_own_and_removes_it(tmp_path: Path, workers: str) -> None:
    """Two sessions at once under one parent (the suite's conftest as their plugin), one run with
    two xdist workers: each test's tmp_path is inside the parent, and after both ended the parent
    holds only a live neighbour's folder, untouched."""
    parent, probes = tmp_path / "shm", tmp_path / "probes"
    neighbour = parent / f"{scratch.PREFIX}{os.getpid()}-neighbour"
    (neighbour / "t").mkdir(parents=True)
    probes.mkdir()
    for n in range(4):
        (probes / f"test_probe_{n}.py").write_text(PROBE.format(n=n), encoding="utf-8")
    (probes / "pytest.ini").write_text("[pytest]\ntmp_path_retention_policy = failed\n", encoding="utf-8")
    env = {
        **os.environ,
        scratch.SETTING: str(parent),
        "SCRATCH_UNDER": str(parent),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-n", workers]
    sessions = [subprocess.Popen(command, cwd=probes, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [session.communicate(timeout=300)[0] for session in sessions]
    for session, output in zip(sessions, outputs, strict=True):
        assert session.returncode == 0, output
        assert f"scratch: {parent}/{scratch.PREFIX}" in output
        assert "4 passed" in output
        assert f" MiB in {parent}/{scratch.PREFIX}" in output
    assert [p.name for p in parent.iterdir()] == [neighbour.name]
    assert [p.name for p in neighbour.iterdir()] == ["t"]
