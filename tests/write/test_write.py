"""The write stage: nothing a user edited is lost, regenerates write nothing, paths stay
inside the output directory, and an interrupted run never leaves a mixed tree."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipegen.errors import WriteError
from pipegen.write import WriteMeta, interrupted, plan_write, recover, render_summary, safe_relpath, unified_diff
from pipegen.write import merge as merge_module
from pipegen.write import write_tree as _write_tree

META = WriteMeta("1.0", "abc")
V1 = {"a.txt": "one\n", "docs/b.md": "# b\n", "deep/er/c.txt": "c\n"}
V2 = {"a.txt": "ONE\n", "docs/b.md": "# b\n", "new.txt": "new\n"}


@pytest.fixture
def no_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without git a file both sides changed cannot be merged: a conflict with a pending file."""
    monkeypatch.setattr(merge_module.shutil, "which", lambda name: None)


def write_tree(out: Path, files: dict[str, str]):  # type: ignore[no-untyped-def]
    return _write_tree(out, files, META)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def actions(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.path: c.action for c in report.changes}


def test_first_write_creates_files_base_copies_and_manifest(tmp_path: Path) -> None:
    report = write_tree(tmp_path, V1)
    assert actions(report) == dict.fromkeys(V1, "create")
    for path, text in V1.items():
        assert (tmp_path / path).read_text() == text
        assert (tmp_path / ".pipegen" / "base" / path).read_text() == text
    manifest = json.loads((tmp_path / ".pipegen" / "manifest.json").read_text())
    assert manifest["generator_version"] == "1.0" and manifest["spec_hash"] == "abc"
    assert sorted(manifest["files"]) == sorted(V1)
    assert not interrupted(tmp_path)


def test_unchanged_regenerate_touches_no_file(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    stats = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in tmp_path.rglob("*") if p.is_file()}
    report = write_tree(tmp_path, V1)
    assert set(actions(report).values()) == {"unchanged"} and not report.changed
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in tmp_path.rglob("*") if p.is_file()} == stats


def test_untouched_files_are_updated_created_and_retired(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    report = write_tree(tmp_path, V2)
    assert actions(report) == {"a.txt": "update", "docs/b.md": "unchanged", "new.txt": "create",
                               "deep/er/c.txt": "delete"}  # fmt: skip
    assert snapshot(tmp_path)["a.txt"] == b"ONE\n"
    assert not (tmp_path / "deep").exists(), "directories emptied by a deletion are pruned"
    assert report.exit_code == 0


def test_user_edit_is_kept_when_the_generator_did_not_change(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "docs/b.md").write_text("mine\n")
    report = write_tree(tmp_path, V1)
    assert actions(report)["docs/b.md"] == "kept" and report.exit_code == 0
    assert (tmp_path / "docs/b.md").read_text() == "mine\n"


def test_conflict_keeps_user_file_writes_pending_and_keeps_base(tmp_path: Path, no_git: None) -> None:
    write_tree(tmp_path, V1)
    before = json.loads((tmp_path / ".pipegen/manifest.json").read_text())["files"]["a.txt"]
    (tmp_path / "a.txt").write_text("my edit\n")
    report = write_tree(tmp_path, V2)
    assert actions(report)["a.txt"] == "conflict" and report.exit_code == 1
    assert (tmp_path / "a.txt").read_text() == "my edit\n"
    assert (tmp_path / ".pipegen/pending/a.txt").read_text() == "ONE\n"
    assert (tmp_path / ".pipegen/base/a.txt").read_text() == "one\n"
    assert json.loads((tmp_path / ".pipegen/manifest.json").read_text())["files"]["a.txt"] == before
    assert "conflict     a.txt (you edited it; the new version is in .pipegen/pending/a.txt)" in render_summary(report)


def test_pending_file_is_removed_once_the_conflict_is_gone(tmp_path: Path, no_git: None) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "a.txt").write_text("my edit\n")
    write_tree(tmp_path, V2)
    (tmp_path / "a.txt").write_text("one\n")  # the user reverts to the generated base
    report = write_tree(tmp_path, V2)
    assert actions(report)["a.txt"] == "update"
    assert not (tmp_path / ".pipegen/pending/a.txt").exists()


def test_deleted_by_user_stays_deleted_whether_or_not_the_generator_changed_it(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "docs/b.md").unlink()
    (tmp_path / "a.txt").unlink()
    report = write_tree(tmp_path, V2)
    assert actions(report)["docs/b.md"] == "user-deleted" and not (tmp_path / "docs/b.md").exists()
    assert actions(report)["a.txt"] == "user-deleted" and not (tmp_path / "a.txt").exists()
    assert report.exit_code == 0 and not (tmp_path / ".pipegen/pending").exists()


def test_retired_file_the_user_edited_is_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "deep/er/c.txt").write_text("notes\n")
    report = write_tree(tmp_path, V2)
    assert actions(report)["deep/er/c.txt"] == "retired"
    assert (tmp_path / "deep/er/c.txt").read_text() == "notes\n"
    assert "deep/er/c.txt" not in json.loads((tmp_path / ".pipegen/manifest.json").read_text())["files"]


def test_untracked_identical_file_is_adopted_and_different_one_conflicts(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/b.md").write_text("the user's own\n")
    report = write_tree(tmp_path, V1)
    assert actions(report)["a.txt"] == "adopt"
    assert actions(report)["docs/b.md"] == "conflict"
    assert (tmp_path / "docs/b.md").read_text() == "the user's own\n"


@pytest.mark.parametrize("bad", ["../x", "/etc/x", "a/../../x", ".pipegen/manifest.json", "C:\\x", "a\\b", "a\x00b",
                                 "", "a//b", "./a"])  # fmt: skip
def test_unsafe_paths_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(WriteError):
        safe_relpath(bad)
    with pytest.raises(WriteError):
        write_tree(tmp_path / "out", {bad: "x"})
    assert not (tmp_path / "x").exists()


def test_tampered_manifest_never_deletes_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, V1)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = json.loads((out / ".pipegen/manifest.json").read_text())
    manifest["files"]["../victim.txt"] = "0" * 64
    (out / ".pipegen/manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WriteError, match="refusing output path"):
        write_tree(out, V2)
    assert victim.read_text() == "precious"


def test_symlinked_directory_on_the_way_is_a_conflict_and_nothing_is_written_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "docs").symlink_to(outside)
    report = write_tree(out, V1)
    change = next(c for c in report.changes if c.path == "docs/b.md")
    assert change.action == "conflict" and "docs is a symbolic link" in change.detail and report.exit_code == 1
    assert list(outside.iterdir()) == [] and (out / "docs").is_symlink()
    assert (out / ".pipegen/pending/docs/b.md").read_text() == "# b\n"
    assert (out / "a.txt").read_text() == "one\n", "the rest of the tree is written"


def test_same_input_gives_byte_identical_trees(tmp_path: Path) -> None:
    write_tree(tmp_path / "a", V1)
    write_tree(tmp_path / "b", dict(reversed(list(V1.items()))))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_dry_run_plan_and_diff_write_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    before = snapshot(tmp_path)
    plan = plan_write(tmp_path, V2, META)
    assert plan.changed
    diff = unified_diff(plan)
    assert "--- a/a.txt\n+++ b/a.txt\n" in diff and "-one\n+ONE\n" in diff
    assert "--- /dev/null\n+++ b/new.txt" in diff
    assert snapshot(tmp_path) == before
    assert not plan_write(tmp_path, V1, META).changed


CRASH = """
import sys
from pathlib import Path
from pipegen.write import WriteMeta, write_tree
out = Path(sys.argv[1])
files = {"a.txt": "ONE\\n", "docs/b.md": "# b\\n", "new.txt": "new\\n", "x/y/z.txt": "z\\n"}
write_tree(out, files, WriteMeta("2.0", "def"))
"""


def _crash_run(out: Path, fault: str) -> int:
    env = {**os.environ, "PIPEGEN_FAULT_AFTER_OPS": fault, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-c", CRASH, str(out)], env=env, check=False, timeout=60).returncode


# The CRASH run performs 12 filesystem operations after its commit point (4 files + base copies,
# backups of 2 replaced files, the manifest): a kill after each one is tested.
@pytest.mark.parametrize("fault", ["stage", *[str(n) for n in range(1, 13)]])
def test_kill_minus_nine_at_any_point_rolls_back_to_the_previous_tree(tmp_path: Path, fault: str) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "docs/b.md").write_text("user edit\n")
    previous = snapshot(tmp_path)
    assert _crash_run(tmp_path, fault) == -9
    assert interrupted(tmp_path)
    assert recover(tmp_path) is True
    assert snapshot(tmp_path) == previous
    assert not interrupted(tmp_path)


def test_crash_during_recovery_is_recovered_by_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, V1)
    previous = snapshot(tmp_path)
    assert _crash_run(tmp_path, "6") == -9
    real = Path.replace
    calls = {"n": 0}

    def flaky(self: Path, target: Path) -> Path:  # the first restore succeeds, the second "crashes"
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    with pytest.raises(KeyboardInterrupt):
        recover(tmp_path)
    monkeypatch.setattr(Path, "replace", real)
    assert calls["n"] == 2 and snapshot(tmp_path) != previous  # recovery really was cut half-way
    assert recover(tmp_path) is True
    assert snapshot(tmp_path) == previous


def test_kill_after_the_last_operation_is_complete_or_rolled_back(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    assert _crash_run(tmp_path, "13") == 0  # no 13th operation: the run completes
    assert not interrupted(tmp_path) and (tmp_path / "x/y/z.txt").read_text() == "z\n"


def test_a_completed_run_after_a_crash_applies_cleanly(tmp_path: Path) -> None:
    write_tree(tmp_path, V1)
    assert _crash_run(tmp_path, "3") == -9
    report = write_tree(tmp_path, {"a.txt": "ONE\n"})
    assert report.exit_code == 0 and (tmp_path / "a.txt").read_text() == "ONE\n"
    assert not interrupted(tmp_path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)  # fmt: skip
@given(
    rounds=st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(["a.txt", "b/c.txt", "d.md"]), st.sampled_from(["1\n", "2\n", "3\n"])),
            st.dictionaries(st.sampled_from(["a.txt", "b/c.txt", "d.md"]), st.sampled_from(["u1\n", "u2\n", ""])),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_user_edit_is_never_lost(tmp_path_factory: pytest.TempPathFactory, rounds: list) -> None:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("prop")
    edits: dict[str, str] = {}
    for generated, user in rounds:
        for path, text in user.items():
            target = out / path
            if target.exists() or text:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                edits[path] = text
        write_tree(out, generated)
        for path, text in edits.items():  # kept as is, merged, or inside conflict markers: never lost
            assert set(text.splitlines()) <= set((out / path).read_text().splitlines()), f"the edit of {path} was lost"
        edits = {p: t for p, t in edits.items() if p not in generated}  # once reconciled, tracking resets


def test_deleting_the_pending_file_resolves_the_conflict(tmp_path: Path, no_git: None) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "a.txt").write_text("one, plus my notes\n")
    assert write_tree(tmp_path, V2).exit_code == 1
    pending = json.loads((tmp_path / ".pipegen/manifest.json").read_text())["pending"]
    assert pending == {"a.txt": hashlib.sha256(b"ONE\n").hexdigest()}
    (tmp_path / "a.txt").write_text("ONE, plus my notes\n")  # the user merges by hand...
    (tmp_path / ".pipegen/pending/a.txt").unlink()  # ...and says so by deleting the pending file
    report = write_tree(tmp_path, V2)
    assert actions(report)["a.txt"] == "resolved" and report.exit_code == 0
    assert (tmp_path / "a.txt").read_text() == "ONE, plus my notes\n"
    assert (tmp_path / ".pipegen/base/a.txt").read_text() == "ONE\n"
    assert "pending" not in json.loads((tmp_path / ".pipegen/manifest.json").read_text())
    again = write_tree(tmp_path, V2)  # settled: the merged file is a user edit over the new base
    assert actions(again)["a.txt"] == "kept" and again.exit_code == 0
    later = write_tree(tmp_path, {**V2, "a.txt": "ONE!\n"})  # the generator moves on: a new conflict
    assert actions(later)["a.txt"] == "conflict"
    assert (tmp_path / "a.txt").read_text() == "ONE, plus my notes\n"


def test_taking_the_generated_version_resolves_the_conflict(tmp_path: Path, no_git: None) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "a.txt").write_text("mine\n")
    write_tree(tmp_path, V2)
    (tmp_path / "a.txt").write_text((tmp_path / ".pipegen/pending/a.txt").read_text())
    report = write_tree(tmp_path, V2)
    assert actions(report)["a.txt"] == "resolved"
    assert not (tmp_path / ".pipegen/pending/a.txt").exists()
    assert actions(write_tree(tmp_path, {**V2, "a.txt": "ONE?\n"}))["a.txt"] == "update"  # untouched again


def test_a_pending_file_left_in_place_keeps_the_conflict_open(tmp_path: Path, no_git: None) -> None:
    write_tree(tmp_path, V1)
    (tmp_path / "a.txt").write_text("mine\n")
    write_tree(tmp_path, V2)
    assert write_tree(tmp_path, V2).exit_code == 1
    assert plan_write(tmp_path, V2, META).changed  # --check stays red until it is resolved
