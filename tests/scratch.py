"""Where the suite's scratch files live: pytest's basetemp on a memory file system (/dev/shm) when
one is mounted with enough room, else pytest's default (under the system's temporary folder, on the
disk). Creating files right after many were deleted is slow on this machine kind's disk (ext4
without a journal skips recently freed inodes, scanning from the group's start for every create:
docs/benchmarks.md, "The suite's scratch files"), and the suite creates and deletes tens of thousands
of files (generated projects, dbt targets, Airflow homes). On a memory file system a create is cheap.

    PIPEGEN_TEST_SCRATCH=disk     pytest's default basetemp (under the system's temporary folder)
    PIPEGEN_TEST_SCRATCH=DIR      a new folder under DIR instead of /dev/shm (no free-space check)
    --basetemp DIR                pytest's own option wins; nothing here happens

The folder is new and unique per session (`pipegen-pytest-<pid>-<random>`: pytest wipes a basetemp
it is given, so two sessions must never share one); the xdist workers get sub-folders of it from
xdist; the session removes it when it ends, so nothing is left in memory after the run (a test's
tmp_path is removed when it passes, `tmp_path_retention_policy = "failed"` in pyproject.toml: a long
run holds one test's scratch and the session-scoped fixtures', not all of them). Folders of sessions
whose process is gone (killed before their end) are removed by the next session."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

MEMORY = Path("/dev/shm")
FLOOR = 4 * 2**30  # free bytes a memory file system needs to hold the suite's scratch (peak: docs/benchmarks.md)
PREFIX = "pipegen-pytest-"
SETTING = "PIPEGEN_TEST_SCRATCH"
_OURS: list[Path] = []  # the folder this session made (removed at its end)
_HEADER: list[str] = []


def memory_fs(path: Path, mounts: str) -> bool:
    """Whether `path` is the mount point of a tmpfs in `mounts` (the text of /proc/mounts)."""
    return any(
        len(fields) > 2 and fields[1] == str(path) and fields[2] == "tmpfs"
        for fields in (line.split() for line in mounts.splitlines())
    )


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def choose(setting: str, memory: Path, is_memory: bool, free: int, floor: int = FLOOR) -> tuple[Path | None, str]:
    """Where to make the session's scratch folder (None: pytest's default) and why, in a few words."""
    if setting == "disk":
        return None, f"{SETTING}=disk"
    if setting:
        return Path(setting), f"{SETTING}={setting}"
    if not is_memory:
        return None, f"no memory file system at {memory}"
    gib = free / 2**30
    if free < floor:
        return None, f"{memory} has {gib:.1f} GiB free, under the {floor / 2**30:.0f} GiB floor"
    return memory, f"tmpfs, {gib:.1f} GiB free"


def owner_gone(name: str) -> bool:
    """Whether the session that made folder `name` (pipegen-pytest-<pid>-...) has no process any more."""
    match = re.fullmatch(re.escape(PREFIX) + r"(\d+)-.+", name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return False


def remove_abandoned(parent: Path) -> None:
    """Folders earlier sessions left under `parent` when killed before their end (their process is gone)."""
    for entry in parent.glob(PREFIX + "*"):
        if entry.is_dir() and entry.stat().st_uid == os.getuid() and owner_gone(entry.name):
            shutil.rmtree(entry, ignore_errors=True)


def configure(config: pytest.Config) -> None:
    """Give this session a basetemp of its own on a memory file system (the controller and a plain
    run only: xdist hands each worker a sub-folder of the controller's basetemp as --basetemp)."""
    if config.option.basetemp or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    setting = os.environ.get(SETTING, "")
    mounts = Path("/proc/mounts").read_text(encoding="utf-8") if Path("/proc/mounts").is_file() else ""
    is_memory = memory_fs(MEMORY, mounts)
    parent, why = choose(setting, MEMORY, is_memory, free_bytes(MEMORY) if is_memory else 0)
    if parent is None:
        _HEADER.append(f"scratch: pytest's default basetemp ({why})")
        return
    remove_abandoned(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    _OURS.append(folder)
    config.option.basetemp = str(folder / "t")
    _HEADER.append(f"scratch: {folder} ({why}; removed at the end; {SETTING}=disk for pytest's default)")


def occupied(root: Path) -> int:
    """Bytes the files under `root` occupy (st_blocks, as du counts them); vanished files skipped."""
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                total += Path(folder, name).lstat().st_blocks * 512
            except OSError:
                continue
    return total


def summary() -> list[str]:
    """The size the session's scratch reached by its end (every module's and session fixture's
    folders: a passing test's tmp_path is gone already), before it is removed."""
    return [f"scratch: {occupied(folder) / 2**20:.0f} MiB in {folder} at the end, removed now" for folder in _OURS]


def unconfigure() -> None:
    while _OURS:
        shutil.rmtree(_OURS.pop(), ignore_errors=True)


def header() -> list[str]:
    return list(_HEADER)
