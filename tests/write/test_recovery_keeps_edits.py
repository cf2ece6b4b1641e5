"""Recovery of an interrupted run never discards a change the user made after it stopped.

A generate is killed (SIGKILL) after each of its filesystem operations in turn; the user then
edits, deletes or replaces a file the run was writing, and runs generate again. Whatever the
moment, the user's change survives: merged with the new version, a conflict, or (for a
deletion) a file that stays deleted, as docs/regeneration.md says for any edit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipegen.write import WriteMeta, interrupted, render_summary, write_tree

BODY = "".join(f"line {i}\n" for i in range(1, 9))
V1 = {"a.txt": "header v1\n" + BODY, "gone.txt": "retired next\n", "docs/b.md": "# b\n"}
V2 = {"a.txt": "header v2\n" + BODY, "docs/b.md": "# b v2\n", "new.txt": "created\n"}
MINE = "my line, added after the crash\n"
WRITER = """
import sys
from pathlib import Path
from pipegen.write import WriteMeta, write_tree
write_tree(Path(sys.argv[1]), {files!r}, WriteMeta("1.0", "v2"))
"""


def _crash(out: Path, fault: int) -> int:
    env = {**os.environ, "PIPEGEN_FAULT_AFTER_OPS": str(fault), "PYTHONPATH": os.pathsep.join(sys.path)}
    code = WRITER.format(files=V2)
    return subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=False, timeout=60).returncode


def _crashed(tmp_path: Path) -> dict[int, Path]:
    """The V1 -> V2 run killed after each of its operations in turn (it ends by itself after the last)."""
    found = {}
    for fault in range(1, 40):
        out = tmp_path / f"crashed{fault}"
        write_tree(out, V1, WriteMeta("1.0", "v1"))
        if _crash(out, fault) != -9:
            break
        assert interrupted(out)
        found[fault] = out
    assert len(found) >= 8, found  # a.txt, docs/b.md, gone.txt, new.txt, base copies, the manifest
    return found


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    return _crashed(tmp_path_factory.mktemp("crashed"))


@pytest.fixture
def faults(crashed: dict[int, Path]) -> list[int]:
    return sorted(crashed)


@pytest.fixture
def project(tmp_path: Path, crashed: dict[int, Path]) -> Callable[[int], Path]:
    """A fresh copy of the tree the run killed after `fault` operations left."""

    def copy(fault: int) -> Path:
        out = tmp_path / f"run{fault}"
        shutil.copytree(crashed[fault], out, symlinks=True)
        return out

    return copy


def _append(path: Path) -> None:
    path.write_text(path.read_text() + MINE)


CASES: dict[str, Callable[[Path], None]] = {
    "edit": lambda out: _append(out / "a.txt"),
    "chmod": lambda out: (out / "a.txt").chmod(0o600),
}


@pytest.mark.parametrize("change", sorted(CASES))
def test_an_edit_made_after_a_crash_survives_recovery_and_is_merged(
    project: Callable[[int], Path], faults: list[int], change: str
) -> None:
    for fault in faults:
        out = project(fault)
        if not (out / "a.txt").exists():
            continue  # killed between moving the old a.txt aside and the new one in: see the next test
        CASES[change](out)
        report = write_tree(out, V2, WriteMeta("1.0", "v2"))
        text = (out / "a.txt").read_text()
        summary = render_summary(report)
        assert summary.startswith("an interrupted run was rolled back"), summary
        if change == "edit":
            assert MINE in text and text.startswith("header v2\n"), f"fault {fault}: {text!r}\n{summary}"
            assert report.exit_code == 0 and {c.path: c.action for c in report.changes}["a.txt"] == "merge"
        else:
            assert text == "header v2\n" + BODY and (out / "a.txt").stat().st_mode & 0o777 == 0o600, fault
        assert not interrupted(out)


def test_a_file_written_where_the_crash_left_none_is_kept(project: Callable[[int], Path], faults: list[int]) -> None:
    """Killed between moving the old file aside and moving the new one in: the user sees no file
    and writes one. Recovery keeps it (the old version is the base copy anyway)."""
    missing = 0
    for fault in faults:
        out = project(fault)
        if (out / "a.txt").exists():
            continue
        missing += 1
        (out / "a.txt").write_text(MINE)
        report = write_tree(out, V2, WriteMeta("1.0", "v2"))
        assert MINE in (out / "a.txt").read_text(), fault
        assert {c.path: c.action for c in report.changes}["a.txt"] in ("merge", "conflict"), fault
    assert missing >= 1, "no kill fell between the two moves of a.txt"


def test_a_file_deleted_after_a_crash_stays_deleted(project: Callable[[int], Path], faults: list[int]) -> None:
    for fault in faults:
        out = project(fault)
        if not (out / "a.txt").exists():
            continue
        (out / "a.txt").unlink()
        report = write_tree(out, V2, WriteMeta("1.0", "v2"))
        assert not (out / "a.txt").exists(), f"fault {fault}: recovery brought a deleted file back"
        assert {c.path: c.action for c in report.changes}["a.txt"] == "user-deleted", fault


def test_a_created_file_edited_after_a_crash_is_kept_as_a_conflict(
    project: Callable[[int], Path], faults: list[int]
) -> None:
    for fault in faults:
        out = project(fault)
        (out / "new.txt").write_text("mine, not the generator's\n")
        report = write_tree(out, V2, WriteMeta("1.0", "v2"))
        assert (out / "new.txt").read_text() == "mine, not the generator's\n", fault
        assert {c.path: c.action for c in report.changes}["new.txt"] == "conflict", fault
        assert (out / ".pipegen/pending/new.txt").read_text() == "created\n"


def test_a_directory_put_where_the_run_was_writing_is_kept(project: Callable[[int], Path], faults: list[int]) -> None:
    for fault in faults:
        out = project(fault)
        if (out / "docs/b.md").exists():
            (out / "docs/b.md").unlink()
        (out / "docs/b.md").mkdir(parents=True)
        (out / "docs/b.md/notes.txt").write_text("precious\n")
        report = write_tree(out, V2, WriteMeta("1.0", "v2"))
        assert (out / "docs/b.md/notes.txt").read_text() == "precious\n", fault
        assert {c.path: c.action for c in report.changes}["docs/b.md"] == "conflict", fault


def test_without_a_later_change_recovery_restores_the_previous_generation(
    project: Callable[[int], Path], faults: list[int], tmp_path: Path
) -> None:
    reference = tmp_path / "reference"
    write_tree(reference, V1, WriteMeta("1.0", "v1"))
    before = _tree(reference)
    for fault in faults:
        out = project(fault)
        write_tree(out, V1, WriteMeta("1.0", "v1"))  # recovery, then nothing to do
        assert _tree(out) == before, fault


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def test_a_journal_from_before_the_installed_hashes_is_still_rolled_back(
    project: Callable[[int], Path], faults: list[int], tmp_path: Path
) -> None:
    """A format-2 journal (left by the previous pipegen) records no hash of what it installed:
    every regular file at a target counts as the run's, as it did then."""
    reference = tmp_path / "reference"
    write_tree(reference, V1, WriteMeta("1.0", "v1"))
    for fault in faults:
        out = project(fault)
        journal = out / ".pipegen/txn/journal.json"
        if not journal.exists():
            continue  # killed before the commit point
        data = json.loads(journal.read_text())
        ops = [{k: v for k, v in op.items() if k not in ("wrote", "mode")} for op in data["ops"]]
        journal.write_text(json.dumps({"format": 2, "ops": ops}))
        write_tree(out, V1, WriteMeta("1.0", "v1"))
        assert _tree(out) == _tree(reference), fault
