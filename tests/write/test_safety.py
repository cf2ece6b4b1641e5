"""The write stage never loses data: what pipegen did not write is never replaced, an error
half-way rolls back, a newer manifest is refused, directory entries are made durable, and
two runs on one output directory never interleave (real processes)."""

from __future__ import annotations

import errno
import importlib
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REPO, run_cli_here

from pipegen.errors import WriteError
from pipegen.write import OutFile, WriteMeta, apply, interrupted, plan_write, preview, recover
from pipegen.write import write_tree as _write_tree
from pipegen.write.lock import LOCK, holder_line, output_lock
from pipegen.write.manifest import version_key

META = WriteMeta("1.0", "abc")
OLD = {".env.example": "A=1\n", "README.md": "# r\n"}
NEW = {".env.example": "A=1\nB=2\n", "README.md": "# r\n", "docs/architecture.md": "# arch\n"}


def write_tree(out: Path, files: dict[str, str]):  # type: ignore[no-untyped-def]
    return _write_tree(out, files, META)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def change(report, path: str):  # type: ignore[no-untyped-def]
    return next(c for c in report.changes if c.path == path)


# --- 1. anything but a regular file at a generated path is the user's -----------------------------------------


def test_a_directory_at_a_new_generated_path_is_a_conflict_and_keeps_its_contents(tmp_path: Path) -> None:
    (tmp_path / "README.md").mkdir()
    (tmp_path / "README.md/notes.txt").write_text("precious\n")
    for _ in range(2):  # and again: a rerun neither fails nor deletes it
        report = write_tree(tmp_path, OLD)
        assert change(report, "README.md").action == "conflict" and report.exit_code == 1
        assert "a directory is in its place" in change(report, "README.md").detail
        assert (tmp_path / "README.md/notes.txt").read_text() == "precious\n"
        assert (tmp_path / ".env.example").read_text() == "A=1\n" and not interrupted(tmp_path)
    assert (tmp_path / ".pipegen/pending/README.md").read_text() == "# r\n"


def test_a_generated_file_the_user_replaced_with_a_directory_survives(tmp_path: Path) -> None:
    write_tree(tmp_path, OLD)
    (tmp_path / "README.md").unlink()
    (tmp_path / "README.md").mkdir()
    (tmp_path / "README.md/mine.txt").write_text("mine\n")
    report = write_tree(tmp_path, {**OLD, "README.md": "# r v2\n"})
    assert change(report, "README.md").action == "conflict"
    assert (tmp_path / "README.md/mine.txt").read_text() == "mine\n"
    manifest = json.loads((tmp_path / ".pipegen/manifest.json").read_text())
    assert "README.md" in manifest["files"] and "README.md" in manifest["pending"]
    retired = write_tree(tmp_path, {".env.example": "A=1\n"})  # no longer generated: still not deleted
    assert change(retired, "README.md").action == "retired"
    assert (tmp_path / "README.md/mine.txt").read_text() == "mine\n"


def test_a_symlink_at_a_generated_path_is_a_conflict_and_neither_link_nor_target_changes(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.md"
    target.write_text("not pipegen's\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").symlink_to(target)
    report = write_tree(out, OLD)
    assert change(report, "README.md").action == "conflict"
    assert "a symbolic link is in its place" in change(report, "README.md").detail
    assert (out / "README.md").is_symlink() and target.read_text() == "not pipegen's\n"


def test_a_fifo_at_a_generated_path_is_a_conflict_and_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "README.md")
    report = write_tree(tmp_path, OLD)  # reading a FIFO would hang the test: it must not be read
    assert change(report, "README.md").action == "conflict" and "a FIFO" in change(report, "README.md").detail
    assert (tmp_path / "README.md").is_fifo()


def test_a_regular_file_where_a_directory_is_needed_is_a_conflict_naming_it(tmp_path: Path) -> None:
    write_tree(tmp_path, OLD)
    (tmp_path / "docs").write_text("my docs file\n")
    for _ in range(2):
        report = write_tree(tmp_path, NEW)
        assert change(report, "docs/architecture.md").action == "conflict"
        assert "docs is a regular file where pipegen needs a directory" in change(report, "docs/architecture.md").detail
        assert (tmp_path / "docs").read_text() == "my docs file\n" and not interrupted(tmp_path)
    assert (tmp_path / ".pipegen/pending/docs/architecture.md").read_text() == "# arch\n"
    (tmp_path / "docs").unlink()  # the user moves it away: the next run creates the file
    assert change(write_tree(tmp_path, NEW), "docs/architecture.md").action == "create"
    assert not (tmp_path / ".pipegen/pending/docs").exists()


def test_a_retired_generated_file_can_become_a_directory_of_generated_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"docs": "old single file\n"})
    report = write_tree(tmp_path, {"docs/a.md": "a\n"})
    assert change(report, "docs").action == "delete" and change(report, "docs/a.md").action == "create"
    assert (tmp_path / "docs/a.md").read_text() == "a\n"


def test_a_generator_asking_for_a_file_and_its_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match=r"docs is generated both as a file and as the directory of docs/a\.md"):
        write_tree(tmp_path, {"docs": "x\n", "docs/a.md": "a\n"})
    assert not (tmp_path / "docs").exists()


# --- 4. an error half-way rolls back --------------------------------------------------------------------------


def test_an_error_half_way_restores_the_previous_tree_and_names_the_path(tmp_path: Path) -> None:
    """The reported bug: `docs` became a regular file after the decision; the run used to die with
    a bare "File exists", leave .env.example written and .pipegen/txn behind, and fail every rerun."""
    write_tree(tmp_path, OLD)
    plan = plan_write(tmp_path, NEW, META)  # decided while `docs` did not exist ...
    (tmp_path / "docs").write_text("appeared\n")  # ... then it appears as a file
    previous = snapshot(tmp_path)
    with pytest.raises(WriteError) as err:
        apply(plan)
    assert "writing docs/architecture.md failed" in err.value.message
    assert err.value.hint is not None and "nothing was changed" in err.value.hint
    assert snapshot(tmp_path) == previous, "previous files, base copies and manifest are all restored"
    assert not (tmp_path / ".pipegen/txn").exists()
    assert change(write_tree(tmp_path, NEW), "docs/architecture.md").action == "conflict"  # the rerun works


def test_a_directory_that_appears_after_the_decision_is_never_moved_aside(tmp_path: Path) -> None:
    write_tree(tmp_path, OLD)
    plan = plan_write(tmp_path, {**OLD, "notes": "generated\n"}, META)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/keep.txt").write_text("keep\n")
    with pytest.raises(WriteError, match="notes is a directory; pipegen only replaces regular files it wrote"):
        apply(plan)
    assert (tmp_path / "notes/keep.txt").read_text() == "keep\n" and not interrupted(tmp_path)


@pytest.mark.parametrize("path", [".env.example", "docs/architecture.md"], ids=["edited-since", "created-since"])
def test_a_file_changed_after_the_decision_is_never_overwritten(tmp_path: Path, path: str) -> None:
    write_tree(tmp_path, OLD)
    plan = plan_write(tmp_path, NEW, META)  # updates .env.example, creates docs/architecture.md
    (tmp_path / path).parent.mkdir(exist_ok=True)
    (tmp_path / path).write_text("mine\n")  # the user, between the decision and the write
    previous = snapshot(tmp_path)
    with pytest.raises(WriteError, match=f"{path} changed while pipegen was writing it"):
        apply(plan)
    assert snapshot(tmp_path) == previous and (tmp_path / path).read_text() == "mine\n"
    assert not interrupted(tmp_path)


def test_ctrl_c_half_way_restores_then_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, OLD)
    previous = snapshot(tmp_path)
    real = Path.replace
    calls = {"n": 0}

    def interrupted_replace(self: Path, target: Path) -> Path:
        calls["n"] += 1
        if calls["n"] == 4:  # the journal rename, then two moves: the third move is interrupted
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write_tree(tmp_path, NEW)
    assert calls["n"] > 4 and snapshot(tmp_path) == previous and not interrupted(tmp_path)


def test_a_full_disk_while_staging_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, OLD)
    previous = snapshot(tmp_path)
    apply_module = importlib.import_module("pipegen.write.apply")
    real = apply_module._fsync_write
    calls = {"n": 0}

    def full_disk(path: Path, data: bytes, mode: int, **options: bool) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, mode, **options)

    monkeypatch.setattr(apply_module, "_fsync_write", full_disk)
    with pytest.raises(WriteError, match=r"could not prepare the write: .*No space left on device"):
        write_tree(tmp_path, NEW)
    assert snapshot(tmp_path) == previous and not interrupted(tmp_path)


CRASH = """
import sys
from pathlib import Path
from pipegen.write import WriteMeta, write_tree
files = {".env.example": "A=1\\nB=2\\n", "docs/architecture.md": "# arch\\n"}
write_tree(Path(sys.argv[1]), files, WriteMeta("1.0", "x"))
"""


@pytest.mark.parametrize("fault", ["3", "6", "9"])
@pytest.mark.parametrize("cut", [1, 2, 3, 4, 5])
def test_recovery_cut_anywhere_is_finished_by_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, cut: int
) -> None:
    write_tree(tmp_path, OLD)
    previous = snapshot(tmp_path)
    crash = subprocess.run([sys.executable, "-c", CRASH, str(tmp_path)], env=_env(PIPEGEN_FAULT_AFTER_OPS=fault),
                           check=False, timeout=60)  # fmt: skip
    assert crash.returncode == -9 and interrupted(tmp_path)
    real = Path.replace
    calls = {"n": 0}

    def cut_replace(self: Path, target: Path) -> Path:
        calls["n"] += 1
        if calls["n"] == cut:
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "replace", cut_replace)
    try:
        recover(tmp_path)
    except KeyboardInterrupt:
        assert interrupted(tmp_path), "a cut recovery keeps its journal"
    monkeypatch.setattr(Path, "replace", real)
    recover(tmp_path)
    assert snapshot(tmp_path) == previous and not interrupted(tmp_path)


# --- 3. a manifest from a newer pipegen is refused ------------------------------------------------------------


def _edit_manifest(out: Path, **changes: object) -> None:
    path = out / ".pipegen/manifest.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("changes", "says"),
    [({"format": 3}, "(manifest format 3)"), ({"generator_version": "1.2"}, "written by pipegen 1.2")],
    ids=["newer-format", "newer-pipegen"],
)
def test_a_manifest_from_a_newer_pipegen_is_refused_and_nothing_changes(
    tmp_path: Path, changes: dict[str, object], says: str
) -> None:
    write_tree(tmp_path, OLD)
    _edit_manifest(tmp_path, **changes)
    before = snapshot(tmp_path)
    for attempt in (lambda: write_tree(tmp_path, NEW), lambda: preview(tmp_path, NEW, META)):
        with pytest.raises(WriteError) as err:
            attempt()
        assert says in err.value.message and "this is pipegen 1.0" in err.value.message
        assert err.value.hint == "upgrade pipegen (pip install -U pipegen-cli), then run generate again"
    assert snapshot(tmp_path) == before


def test_a_manifest_without_a_format_still_loads_and_gains_one(tmp_path: Path) -> None:
    write_tree(tmp_path, OLD)
    path = tmp_path / ".pipegen/manifest.json"
    data = json.loads(path.read_text())
    del data["format"]
    path.write_text(json.dumps(data))
    (tmp_path / "README.md").write_text("edited\n")
    report = write_tree(tmp_path, OLD)
    assert change(report, "README.md").action == "kept", "the old manifest's hashes are used"
    assert json.loads(path.read_text())["format"] == 2


def test_the_manifest_of_an_older_or_same_pipegen_is_accepted(tmp_path: Path) -> None:
    _write_tree(tmp_path, OLD, WriteMeta("0.9.9", "abc"))
    assert _write_tree(tmp_path, OLD, WriteMeta("1.0.0", "abc")).exit_code == 0


@pytest.mark.parametrize(
    ("older", "newer"), [("0.9.1", "0.10.0"), ("1.0", "1.0.1"), ("0.1.0", "0.2.0rc1"), ("", "0.0.1")]
)
def test_versions_compare_as_numbers(older: str, newer: str) -> None:
    assert version_key(older) < version_key(newer)
    assert version_key("1.0") == version_key("1.0.0")


def test_a_journal_from_a_newer_pipegen_is_not_rolled_back_blindly(tmp_path: Path) -> None:
    write_tree(tmp_path, OLD)
    txn = tmp_path / ".pipegen/txn"
    txn.mkdir()
    (txn / "journal.json").write_text(json.dumps({"format": 99, "ops": []}))
    with pytest.raises(WriteError, match="left by a newer pipegen"):
        recover(tmp_path)
    assert (txn / "journal.json").exists()


# --- 5. durability ------------------------------------------------------------------------------------------


def test_every_changed_directory_is_fsynced_before_the_journal_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_module = importlib.import_module("pipegen.write.apply")  # the package's `apply` attribute is the function
    write_tree(tmp_path, {"a.txt": "1\n", "gone/x.txt": "x\n"})
    synced: list[tuple[Path, bool]] = []
    real = apply_module._fsync_dir

    def record(path: Path) -> None:
        synced.append((path, (tmp_path / ".pipegen/txn/journal.json").exists()))
        real(path)

    monkeypatch.setattr(apply_module, "_fsync_dir", record)
    write_tree(tmp_path, {"a.txt": "2\n", "new/deep/y.txt": "y\n"})
    with_journal = {path for path, journal in synced if journal}
    needed = {tmp_path, tmp_path / "new", tmp_path / "new/deep", tmp_path / ".pipegen", tmp_path / ".pipegen/base",
              tmp_path / ".pipegen/base/new", tmp_path / ".pipegen/base/new/deep"}  # fmt: skip
    assert needed <= with_journal, needed - with_journal
    assert (tmp_path / ".pipegen/txn/stage", False) in synced, "staged files are durable before the commit point"


def test_every_staged_file_is_fsynced_before_the_commit_point_when_staged_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are staged and fsynced several at a time (apply._Together): each is still fsynced, by
    a call of its own, and all of them before the journal exists; a failure among them still names
    the file and changes nothing."""
    apply_module = importlib.import_module("pipegen.write.apply")
    files = {f"models/m{i:02d}.sql": f"select {i}\n" for i in range(3 * apply_module.SYNC_WORKERS)}
    journal = tmp_path / ".pipegen/txn/journal.json"
    real = os.fsync
    synced: list[tuple[int, bool]] = []  # (inode, the journal existed): a staged file keeps its inode when moved

    def record(fd: int) -> None:
        synced.append((os.fstat(fd).st_ino, journal.exists()))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    write_tree(tmp_path, files)
    installed = [tmp_path / p for p in files] + [tmp_path / ".pipegen/base" / p for p in files]
    before_commit = [inode for inode, late in synced if not late]
    inodes = [path.stat().st_ino for path in installed]
    assert all(before_commit.count(inode) == 1 for inode in inodes), "each file fsynced once, before the journal"
    assert len(inodes) == len(set(inodes))

    previous = snapshot(tmp_path)
    calls = {"n": 0}

    def full_disk(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == len(files):  # one in the middle of the batch
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match=r"staging .* failed: .*txn/stage/\d+: No space left on device"):
        write_tree(tmp_path, {path: text + "-- v2\n" for path, text in files.items()})
    assert snapshot(tmp_path) == previous and not interrupted(tmp_path)


def test_files_staged_together_hold_a_bounded_number_of_payloads() -> None:
    """_Together holds at most 2 * SYNC_WORKERS calls' arguments (a staged file's bytes): the
    caller waits, rather than every file of a 5,000-table project being held at once."""
    apply_module = importlib.import_module("pipegen.write.apply")
    bound = 2 * apply_module.SYNC_WORKERS
    release = threading.Event()
    added: list[int] = []

    def feed() -> None:
        with apply_module._Together(lambda _: release.wait(30)) as together:
            for i in range(3 * bound):
                together.add(i)
                added.append(i)

    feeder = threading.Thread(target=feed)
    feeder.start()
    deadline = time.monotonic() + 30
    while len(added) < bound and time.monotonic() < deadline:
        time.sleep(0.01)
    feeder.join(0.3)  # were the bound missing, the feeder would add the rest now
    held = len(added)
    release.set()
    feeder.join(30)
    assert held == bound and len(added) == 3 * bound


# --- 2. the lock ----------------------------------------------------------------------------------------------


def test_the_lock_file_names_its_holder_and_is_removed_on_release(tmp_path: Path) -> None:
    with output_lock(tmp_path):
        assert (tmp_path / LOCK).read_text() == holder_line()
        assert holder_line().startswith(f"{os.getpid()} ")
        with output_lock(tmp_path):  # re-entrant within a process
            pass
        assert (tmp_path / LOCK).exists()
    assert not (tmp_path / LOCK).exists()
    assert holder_line(["/x/pipegen/__main__.py", "generate", "a b.yaml"]).endswith(
        " python -m pipegen generate 'a b.yaml'\n"
    )


def test_a_bad_lock_timeout_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPEGEN_LOCK_TIMEOUT", "soon")
    with pytest.raises(WriteError, match="PIPEGEN_LOCK_TIMEOUT='soon' is not a number of seconds"):
        write_tree(tmp_path, OLD)


HOLD = """
import sys, time
from pathlib import Path
from pipegen.write.lock import output_lock
with output_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **extra}


def test_a_killed_holder_releases_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [sys.executable, "-c", HOLD, str(tmp_path)]
    holder = subprocess.Popen(args, stdout=subprocess.PIPE, env=_env(), text=True)
    monkeypatch.setenv("PIPEGEN_LOCK_TIMEOUT", "0.2")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(WriteError) as err:
            write_tree(tmp_path, OLD)
        assert f"another pipegen (pid {holder.pid}: " in err.value.message
        assert err.value.hint is not None and "PIPEGEN_LOCK_TIMEOUT" in err.value.hint
        assert not (tmp_path / "README.md").exists()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert (tmp_path / LOCK).exists(), "a killed holder leaves its file behind ..."
    assert write_tree(tmp_path, OLD).exit_code == 0, "... but not its lock"
    assert not (tmp_path / LOCK).exists()


SPEC = REPO / "specs" / "hello.yaml"


def _generate(out: Path, *flags: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipegen", "generate", str(SPEC), "-o", str(out), *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**env),
    )  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One generation of SPEC, in this process (same spec, same bytes): what two concurrent real
    generates must leave, made once for the module's four pairs instead of a process each."""
    out = tmp_path_factory.mktemp("reference")
    done = run_cli_here("generate", str(SPEC), "-o", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return snapshot(out)


def _wait_for(path: Path, first: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("flags", "timeout", "second_code"),
    [((), "0.3", 1), ((), "60", 0), (("--check",), "60", 0), (("--check",), "0.3", 1)],
    ids=["generate-refused", "generate-waits", "check-waits", "check-refused"],
)
def test_two_real_generates_never_interleave(
    tmp_path: Path, reference: dict[str, bytes], flags: tuple[str, ...], timeout: str, second_code: int
) -> None:
    out = tmp_path / "out"
    # a refused second run must reach the lock while the first holds it: it starts a Python and
    # renders before it asks, which takes seconds on a loaded machine, so the first holds longer
    # (a refused second run lets the first go on at once: the first resumes when `resume` exists)
    resume = tmp_path / "resume"
    first = _generate(out, PIPEGEN_PAUSE_AFTER_COMMIT="30" if second_code else "2", PIPEGEN_RESUME_FILE=str(resume))
    _wait_for(out / ".pipegen/txn/journal.json", first)  # the first run is mid-transaction
    second = _generate(out, *flags, PIPEGEN_LOCK_TIMEOUT=timeout)
    _, err2 = second.communicate(timeout=120)
    resume.touch()
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == second_code, err2
    if second_code:
        assert f"error: another pipegen (pid {first.pid}: python -m pipegen generate " in err2
        assert "Traceback" not in err2
    assert snapshot(out) == reference, "the tree and manifest equal one generation"
    assert not (out / ".pipegen/txn").exists() and not (out / LOCK).exists()


# --- the same through the command line (its `main` in this process: what it prints and exits with) -----------


def test_generate_over_a_docs_file_reports_a_conflict_and_every_rerun_agrees(tmp_path: Path) -> None:
    (tmp_path / "docs").write_text("my notes\n")
    for _ in range(2):
        proc = run_cli_here("generate", str(SPEC), "-o", str(tmp_path))
        stdout, stderr = proc.stdout, proc.stderr
        assert proc.returncode == 1, stderr
        assert "conflict     docs/architecture.md (docs is a regular file where pipegen needs a directory" in stdout
        assert "path(s) are taken by something pipegen did not write" in stdout and "file(s) need you" not in stdout
        assert "Traceback" not in stderr and "File exists" not in stderr
        assert (tmp_path / "docs").read_text() == "my notes\n"
        assert not (tmp_path / ".pipegen/txn").exists() and (tmp_path / ".env.example").is_file()


@pytest.mark.parametrize("flags", [(), ("--check",)], ids=["generate", "check"])
def test_generate_refuses_a_project_written_by_a_newer_pipegen(tmp_path: Path, flags: tuple[str, ...]) -> None:
    assert run_cli_here("generate", str(SPEC), "-o", str(tmp_path)).returncode == 0
    _edit_manifest(tmp_path, generator_version="99.0")
    before = snapshot(tmp_path)
    proc = run_cli_here("generate", str(SPEC), "-o", str(tmp_path), *flags)
    stderr = proc.stderr
    assert proc.returncode == 1
    assert "manifest.json was written by pipegen 99.0 (manifest format 2); this is pipegen " in stderr
    assert "hint: upgrade pipegen (pip install -U pipegen-cli), then run generate again" in stderr
    assert snapshot(tmp_path) == before


def test_a_check_on_a_read_only_checkout_runs_without_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, OLD)
    lock_module = importlib.import_module("pipegen.write.lock")

    def read_only_fs(path: Path) -> int:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(lock_module, "_try_lock", read_only_fs)
    assert not preview(tmp_path, OLD, META).changed
    with pytest.raises(WriteError, match=r"cannot take the lock of .*lock: Read-only file system") as refused:
        write_tree(tmp_path, NEW)  # a write still needs the lock
    assert "read-only file system: choose another --output" in str(refused.value.hint)


PATHS = ["a.txt", "b/c.sh", "b"]  # `b` is both a file and the directory of b/c.sh, in different rounds
Action = tuple[str, object]


def _act(out: Path, path: str, action: Action, expect: dict[str, Action]) -> None:
    """Do what a user might to `path`, remembering what must survive the next generate."""
    target = out / path
    kind, value = action
    if target.is_dir() or (not target.parent.is_dir() and target.parent != out):
        return  # a user cannot write a file there either
    if kind == "text":
        target.write_text(str(value))
    elif kind == "chmod" and target.is_file():
        target.chmod(int(str(value)))
    elif kind == "dir" and not target.exists():
        target.mkdir()
        (target / "keep.txt").write_text("keep\n")
    else:
        return
    expect[path] = ("dir", None) if kind == "dir" else (kind, value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)  # fmt: skip
@given(
    rounds=st.lists(
        st.tuples(
            st.sampled_from([{"a.txt": "1\n", "b/c.sh": "2\n"}, {"a.txt": "2\n", "b": "3\n"}, {"b/c.sh": "4\n"}]),
            st.sampled_from([0o644, 0o755]),
            st.dictionaries(
                st.sampled_from(PATHS),
                st.sampled_from([("text", "u1\n"), ("chmod", 0o600), ("chmod", 0o700), ("dir", None)]),
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_no_user_content_mode_or_directory_is_ever_lost(
    tmp_path_factory: pytest.TempPathFactory, rounds: list[tuple[dict[str, str], int, dict[str, Action]]]
) -> None:
    out = tmp_path_factory.mktemp("prop")
    expect: dict[str, Action] = {}
    for generated, script_mode, user in rounds:
        for path, action in user.items():
            _act(out, path, action, expect)
        files: dict[str, str | OutFile] = {
            p: OutFile(t, script_mode) if p.endswith(".sh") else t for p, t in generated.items()
        }
        write_tree(out, files)  # type: ignore[arg-type]
        for path, (kind, value) in expect.items():
            target = out / path
            if kind == "dir":
                assert (target / "keep.txt").read_text() == "keep\n", f"the user's directory {path} was lost"
            elif kind == "text":
                assert target.read_text() == value, f"the user's edit of {path} was lost"
            else:
                assert stat.S_IMODE(target.stat().st_mode) == value, f"the user's chmod of {path} was lost"
        assert not interrupted(out)
