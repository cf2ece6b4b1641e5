"""Apply a WritePlan atomically with respect to interruption and errors, and recover from one.

Protocol (all paths under `.pipegen/txn/`):
1. stage every new file under `stage/` with its mode, fsynced (up to SYNC_WORKERS at a time,
   all done before step 2: see _Together); fsync `stage/` and `txn/`;
2. write `journal.json` (temp file, fsync, rename, fsync `txn/`): the commit point;
3. for each operation, deletions first: check the target still holds what the decision saw
   (a file changed or created since then stops the run), move the old file (if any) to
   `backup/<i>`, then move `stage/<i>` into place (or leave it deleted); the manifest is the
   last operation;
4. fsync every directory an operation changed (parents of created, replaced and deleted
   files, up to the output directory; base/ and pending/ included), each once, after all
   its entries are in place: a directory's fsync makes every entry it holds durable;
5. delete the journal (the run is complete), then the rest of `txn/`.
`recover` rolls an interrupted run BACK, entry by entry in reverse: a file the run moved
into place (its `stage/<i>` is gone) is moved back to `stage/<i>`, then a file in
`backup/<i>` is moved back into place. Each step undoes exactly one move and its condition
is false once done, so recovery is idempotent and a crash during recovery is recovered by
the next one; the previous tree and manifest are then intact. Without a journal nothing
had been touched and the staging area is discarded.

A change made after the run stopped is the user's and is never rolled back: each entry
records the sha256 and mode of the file it installs, and a file at its target that is not
exactly that (edited, chmod-ed, deleted, replaced by a directory), or anything at a target
the run had emptied, stays as it is (its backup, the version before the run, is dropped).
The rest of the tree and the manifest go back to the previous generation, so the next
decision sees that path as edited by the user: a merge or a conflict, never a loss. An error in step 3 (not a kill) runs
the same rollback at once and is reported as a WriteError naming the path.

Only a regular file is ever moved aside: anything else at a target stops the run (and rolls
it back), so a directory can never end up in `backup/` and be deleted with it. Nor is a file
the decision did not see: each entry carries the sha256 the decision expected there.

`apply` and `recover` hold the output directory's lock (see lock.py).

Test hooks: PIPEGEN_FAULT_AFTER_OPS=N kills the process (SIGKILL) after the Nth filesystem
operation of step 3; PIPEGEN_FAULT_AFTER_OPS=stage kills it after staging;
PIPEGEN_PAUSE_AFTER_COMMIT=S sleeps S seconds after the commit point (a slow run, for lock tests),
or less once the file PIPEGEN_RESUME_FILE names exists.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

from pipegen.errors import WriteError, os_error_text
from pipegen.render.jsondoc import json_doc
from pipegen.write.decide import Op, WritePlan, WriteReport
from pipegen.write.disk import kind_of, named, write_error
from pipegen.write.lock import output_lock
from pipegen.write.manifest import UPGRADE, sha256
from pipegen.write.paths import META_DIR, refuse_links, safe_relpath

TXN = f"{META_DIR}/txn"
JOURNAL = "journal.json"
SYNC_WORKERS = 8  # files or folders written and fsynced at once (_Together)
JOURNAL_FORMAT = 3  # 2: every entry names a backup slot and the hash the decision expected; 3: and what it installs


def _fsync_write(path: Path, data: bytes, mode: int, *, folder_made: bool = False) -> None:
    """Write, chmod and fsync a file; `folder_made`: its folder exists (the staging folder, made once
    per run rather than once per staged file)."""
    with named(path):
        if not folder_made:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        # os.open, not Path.open: no buffered file object, and three syscalls fewer a file (its
        # fstat, isatty ioctl and lseek), for thousands of files a generate
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)  # on the open file: no path looked up again, and the mode is in the fsync
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    with named(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Fault:
    def __init__(self) -> None:
        self.setting = os.environ.get("PIPEGEN_FAULT_AFTER_OPS", "")
        self.count = 0

    def at(self, stage: str) -> None:
        if self.setting == stage:
            os.kill(os.getpid(), signal.SIGKILL)

    def step(self) -> None:
        self.count += 1
        if self.setting.isdigit() and self.count == int(self.setting):
            os.kill(os.getpid(), signal.SIGKILL)

    @staticmethod
    def pause() -> None:
        seconds = os.environ.get("PIPEGEN_PAUSE_AFTER_COMMIT", "")
        resume = os.environ.get("PIPEGEN_RESUME_FILE", "")
        deadline = time.monotonic() + float(seconds or 0)
        while time.monotonic() < deadline and not (resume and Path(resume).exists()):
            time.sleep(0.02)


def _target(out: Path, rel: str, seen: dict[str, str] | None = None) -> Path:
    """A journal or plan target: a safe path in the tree, or under .pipegen/ (base, pending, manifest).
    `seen`: the folders this pass over a run's targets has checked already (check_inside)."""
    _refuse_target(out, rel, seen)
    return out / rel


def _refuse_target(out: Path, rel: str, seen: dict[str, str] | None = None) -> None:
    """_target's checks alone (the staging pass builds no Path per target)."""
    inner = rel[len(META_DIR) + 1 :] if rel.startswith(f"{META_DIR}/") else None
    safe_relpath(inner if inner is not None else rel)
    refuse_links(out, rel, seen)


def _replaceable(target: Path) -> bool:
    """True if a regular file is there (to back up), False if nothing; WriteError for anything else."""
    try:
        st = target.lstat()
    except (FileNotFoundError, NotADirectoryError):  # a parent may be a file this run deletes first
        return False
    if not stat.S_ISREG(st.st_mode):
        raise WriteError(f"{target} is {kind_of(st.st_mode)}; pipegen only replaces regular files it wrote")
    return True


def _deletions_first(ops: tuple[Op, ...]) -> list[Op]:
    """A retired file `docs` must be gone before `docs/x.md` can be created; order is otherwise kept."""
    return [op for op in ops if op.data is None] + [op for op in ops if op.data is not None]


def apply(plan: WritePlan) -> WriteReport:
    """Perform `plan` under the output directory's lock."""
    with output_lock(plan.out):
        return _apply(plan)


def _apply(plan: WritePlan) -> WriteReport:
    out = plan.out
    _recover(out)
    if not plan.ops:
        return plan.report
    txn = out / TXN
    fault = _Fault()
    try:
        entries = _stage(out, txn, _deletions_first(plan.ops))
        fault.at("stage")
        _commit(txn, entries)
    except (OSError, WriteError) as exc:
        _discard(out, exc)
        if isinstance(exc, _StagingFailed):
            raise
        if isinstance(exc, OSError):
            raise write_error(exc, "could not prepare the write", after="nothing was changed") from exc
        raise WriteError(f"could not prepare the write: {exc.message}",
                         hint="nothing was changed; fix that path (or free some space), then run again",
                         ) from exc  # fmt: skip
    fault.pause()
    current = ""
    try:
        seen: dict[str, str] = {}
        made: set[str] = set()
        for entry in entries:
            current = f"writing {entry['target']}"
            _perform(out, txn, entry, fault, seen, made)
        current = "syncing the changed folders to disk"
        _fsync_dirs(out, [str(e["target"]) for e in entries])
        (txn / JOURNAL).unlink()  # the run is complete
    except Exception as exc:
        _rollback_after(out, current, exc)
    except BaseException:  # KeyboardInterrupt, SystemExit: restore before going
        _recover(out)
        raise
    _done(out, txn, [str(e["target"]) for e in entries if not e["stage"]])
    return plan.report


class _StagingFailed(WriteError):
    """A new file could not be staged (a full disk, say): the message names it and the staging path."""


def _discard(out: Path, cause: Exception) -> None:
    """Drop the staging area after a failure before the commit point: nothing else was touched."""
    try:
        _recover(out)
    except OSError as again:
        why = os_error_text(cause)[0] if isinstance(cause, OSError) else str(cause)
        raise write_error(again, f"could not prepare the write ({why}), nor remove {out / TXN}",
                          after="nothing else was changed: delete that folder, then run again") from cause  # fmt: skip


def _done(out: Path, txn: Path, removed: list[str]) -> None:
    """Tidy up after the run is complete. The journal is gone, so the new tree stands: a failure
    here (an empty folder left, staging not removed) changes nothing and is not an error."""
    try:
        _fsync_dir(txn)
        shutil.rmtree(txn, ignore_errors=True)
        _prune_empty(out, removed)
    except OSError:
        shutil.rmtree(txn, ignore_errors=True)


Entry = dict[str, str | None]


def _stage(out: Path, txn: Path, ops: list[Op]) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    made = False  # txn/stage/, made before the first file staged in it
    with _Together(_stage_one) as together:
        for i, op in enumerate(ops):
            _refuse_target(out, op.target, seen)  # refuses an unsafe path before anything is staged
            staged, wrote = None, None
            payload = op.payload()  # encoded here, dropped once written: a few files' bytes held at a time
            if payload is not None:
                staged, wrote = f"stage/{i}", sha256(payload)
                if not made:
                    (txn / "stage").mkdir(parents=True, exist_ok=True, mode=0o755)
                    made = True
                together.add(op.target, txn / staged, payload, op.mode)
            entries.append({"target": op.target, "stage": staged, "backup": f"backup/{i}", "expect": op.expect,
                            "wrote": wrote, "mode": f"{op.mode:04o}"})  # fmt: skip
    (txn / "backup").mkdir(parents=True, exist_ok=True)
    for directory in (txn / "stage", txn / "backup", txn):
        if directory.is_dir():
            _fsync_dir(directory)
    return entries


def _stage_one(target: str, path: Path, payload: bytes, mode: int) -> None:
    try:
        _fsync_write(path, payload, mode, folder_made=True)
    except OSError as exc:
        message, advice = os_error_text(exc)
        raise _StagingFailed(f"could not prepare the write: staging {target} failed: {message}",
                             hint=f"{advice}; nothing was changed") from exc  # fmt: skip


class _Together:
    """`work(*args)` for each `add(*args)`, up to SYNC_WORKERS at a time, at most twice that many
    calls' arguments held (a staged file's bytes are dropped once written). Leaving the block waits
    for every call; then the first error, in the order of `add`, is raised (an error of the block
    itself goes first).

    Why threads: each call ends in an `fsync`, which on a journalling file system (ext4's jbd2,
    XFS's log) waits for a journal commit and a flush of the disk's cache. One after another,
    every file pays a commit of its own; several waiting at once share one (group commit), so a
    generate of thousands of files makes a fraction of the commits and waits a fraction of the
    time. Durability is unchanged: every file is still fsynced, each by its own call, and all
    have returned before the caller goes on (the journal is written only after every staged file
    is durable; it is removed only after every changed folder is)."""

    def __init__(self, work: Callable[..., None]) -> None:
        self.work = work
        self.pool = ThreadPoolExecutor(max_workers=SYNC_WORKERS, thread_name_prefix="pipegen-sync")
        self.slots = threading.BoundedSemaphore(2 * SYNC_WORKERS)
        self.futures: list[Future[None]] = []

    def add(self, *args: Any) -> None:
        self.slots.acquire()
        self.futures.append(self.pool.submit(self._run, args))

    def _run(self, args: tuple[Any, ...]) -> None:
        try:
            self.work(*args)
        finally:
            self.slots.release()

    def __enter__(self) -> _Together:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.pool.shutdown(wait=True)
        if kind is None:
            for future in self.futures:
                future.result()


def _commit(txn: Path, entries: list[Entry]) -> None:
    tmp = txn / (JOURNAL + ".tmp")
    # json_doc: json.dumps(indent=1)'s bytes without its pure-Python encoder (an entry per file and base copy)
    journal = json_doc({"format": JOURNAL_FORMAT, "ops": entries}, indent=1, ensure_ascii=True)
    _fsync_write(tmp, journal.encode(), 0o644)
    tmp.replace(txn / JOURNAL)
    _fsync_dir(txn)


def _perform(
    out: Path, txn: Path, entry: Entry, fault: _Fault, seen: dict[str, str] | None = None, made: set[str] | None = None
) -> None:
    """One entry of step 3; `seen`: the folders this pass has checked (check_inside); `made`: the
    folders it has made or found (each made once per run, not once per file in it)."""
    target = _target(out, str(entry["target"]), seen)
    present = _replaceable(target)
    if (sha256(target.read_bytes()) if present else None) != entry["expect"]:
        raise WriteError(f"{entry['target']} changed while pipegen was writing it; run generate again")
    if present:
        target.replace(txn / str(entry["backup"]))
        fault.step()
    if entry["stage"]:
        _folder(target.parent, made)
        (txn / str(entry["stage"])).replace(target)
        fault.step()
    else:
        _prune_empty(out, [str(entry["target"])])  # so a file can take the place of an emptied directory


def _folder(path: Path, made: set[str] | None) -> None:
    """mkdir -p `path`, once per pass (`made`, see _perform): a folder this pass made or found is
    still there when a later entry needs it, since deletions, the only entries that prune emptied
    folders, come first (_deletions_first)."""
    key = str(path)
    if made is None or key not in made:
        path.mkdir(parents=True, exist_ok=True, mode=0o755)
        if made is not None:
            made.add(key)


def _rollback_after(out: Path, doing: str, exc: Exception) -> NoReturn:
    """An error (not a kill) half-way: put everything back, then say what failed and what to do."""
    if isinstance(exc, OSError):
        why, advice = os_error_text(exc, out)
    elif isinstance(exc, WriteError):
        why, advice = exc.message, "move away what is in the way, or fix its permissions, then run generate again"
    else:
        why, advice = f"{type(exc).__name__}: {exc}", "run generate again; if it happens again, report it"
    try:
        _recover(out)
    except Exception as again:
        again_text = os_error_text(again)[0] if isinstance(again, OSError) else str(again)
        raise WriteError(
            f"{doing} failed: {why}; restoring the previous files also failed: {again_text}",
            hint=f"{advice}; pipegen generate then finishes the restore from {out / TXN}",
        ) from exc
    raise WriteError(
        f"{doing} failed: {why}",
        hint=f"{advice}; nothing was changed (the previous files and manifest are restored)",
    ) from exc


def _ancestors(out: Path, rels: Iterable[str]) -> list[Path]:
    """Every folder holding one of `rels` and its folders up to `out`, once each, deepest first,
    then `out` itself: a folder of many files is fsynced once, after all of them are in place
    (an fsync of a folder makes every entry it holds durable, whenever the entry was made)."""
    root = os.fspath(out)
    dirs: set[str] = set()
    for rel in rels:
        parent = rel.rpartition("/")[0]  # a string per folder, not a Path: thousands of files
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = parent.rpartition("/")[0]
    ordered = sorted(dirs, key=lambda d: (-d.count("/"), f"{root}/{d}"))
    return [*(out / d for d in ordered), out]


def _fsync_dirs(out: Path, rels: Iterable[str]) -> None:
    """Make the renames, creations and deletions durable: each changed folder once (several at a
    time, see _Together), all done before the caller goes on."""
    with _Together(_fsync_dir) as together:
        for directory in _ancestors(out, rels):
            if directory.is_dir():
                together.add(directory)


def _finish(txn: Path) -> None:
    (txn / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(txn)
    shutil.rmtree(txn, ignore_errors=True)


def _prune_empty(out: Path, removed: list[str]) -> None:
    """Remove directories left empty by deleted files (never the output dir itself)."""
    for rel in removed:
        parent = (out / rel).parent
        while parent != out and parent.is_dir() and not parent.is_symlink() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def interrupted(out: Path) -> bool:
    return (out / TXN).exists()


def recover(out: Path) -> bool:
    """Roll back an interrupted run, under the lock. True if there was one."""
    if not (out / TXN).exists():
        return False
    with output_lock(out):
        return _recover(out) is not None


def _installed(target: Path, entry: Entry) -> bool:
    """The target holds exactly the file this entry installed (a journal before format 3 did not
    record it: then any regular file counts, as it did then)."""
    if target.is_symlink() or not target.is_file():
        return False
    if entry.get("wrote") is None:
        return True
    return (
        sha256(target.read_bytes()) == entry["wrote"] and f"{stat.S_IMODE(target.stat().st_mode):04o}" == entry["mode"]
    )


def _empty_dir(path: Path) -> bool:
    """An empty directory (one this run created for a file it has just moved back, say) holds
    nothing of anyone's: it is removed so the old file can take its place."""
    if path.is_symlink() or not path.is_dir() or any(path.iterdir()):
        return False
    path.rmdir()
    return True


def _undo(out: Path, txn: Path, entry: Entry) -> bool:
    """Undo one entry's moves, newest first; safe to repeat after a crash part-way. False when
    the user changed the target after the run stopped: their change stays, the backup goes."""
    target = _target(out, str(entry["target"]))
    staged = txn / str(entry["stage"]) if entry["stage"] else None
    backup = txn / str(entry["backup"]) if entry["backup"] else None
    theirs = False
    if staged is not None and not staged.exists():  # this run had moved its file into place
        if _installed(target, entry):
            staged.parent.mkdir(parents=True, exist_ok=True)
            target.replace(staged)  # the file this run installed goes back to the staging area
        else:
            theirs = True  # edited, chmod-ed, deleted or replaced since: the user's
    elif backup is not None and backup.exists() and os.path.lexists(target):
        theirs = not _empty_dir(target)  # the run had moved the old file away: what is there was put there since
    if backup is not None and backup.exists():
        if theirs:
            backup.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            backup.replace(target)
    return not theirs


def _recover(out: Path) -> tuple[str, ...] | None:
    """Roll back an interrupted run: None if there was none, else the paths where a change made
    since it stopped was kept (see the module's docstring)."""
    txn = out / TXN
    if not txn.exists():
        return None
    journal = txn / JOURNAL
    kept: list[str] = []
    if journal.is_file():
        data = json.loads(journal.read_text(encoding="utf-8"))
        if int(data.get("format", 1)) > JOURNAL_FORMAT:
            raise WriteError(f"{journal} was left by a newer pipegen",
                             hint=f"upgrade pipegen ({UPGRADE}) and run it again to restore the files")  # fmt: skip
        for entry in reversed(data["ops"]):
            if not _undo(out, txn, entry):
                kept.append(str(entry["target"]))
        targets = [str(e["target"]) for e in data["ops"]]
        _prune_empty(out, [t for t in targets if not (out / t).exists()])
        _fsync_dirs(out, targets)
    _finish(txn)
    return tuple(sorted(kept))
