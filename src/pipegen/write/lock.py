"""One pipegen at a time per output directory: an exclusive flock on `.pipegen/lock`.

The holder writes its PID and command into the file, so a run that cannot get the lock
can say who has it. The kernel releases a flock when its holder exits or dies, so a
crash never leaves the directory locked; a clean exit also removes the file (the holder
unlinks it while still locked, and a waiter that locked an unlinked file tries again).
The lock is re-entrant within a process: write_tree holds it and calls apply, which
takes it too. Timeout: PIPEGEN_LOCK_TIMEOUT seconds (default 10).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipegen.errors import WriteError
from pipegen.write.disk import named, write_error
from pipegen.write.paths import META_DIR

LOCK = f"{META_DIR}/lock"
DEFAULT_TIMEOUT = 10.0
POLL = 0.05
_CANNOT_CREATE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_held: dict[str, int] = {}  # lock path -> depth, for this process


def lock_timeout() -> float:
    raw = os.environ.get("PIPEGEN_LOCK_TIMEOUT", "")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise WriteError(f"PIPEGEN_LOCK_TIMEOUT={raw!r} is not a number of seconds",
                         hint="e.g. PIPEGEN_LOCK_TIMEOUT=30")  # fmt: skip
    return value


def holder_line(argv: list[str] | None = None) -> str:
    """'<pid> <command>': `python -m pipegen generate ...` or `pipegen generate ...`."""
    args = list(sys.argv if argv is None else argv) or ["python"]
    first = Path(args[0])
    program = f"python -m {first.parent.name}" if first.name == "__main__.py" else first.name
    return f"{os.getpid()} {' '.join([program, shlex.join(args[1:])]).strip()}\n"


def _try_lock(path: Path) -> int | None:
    """An fd holding the lock on the file now at `path`, or None if another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        same = os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        same = False
    if not same:  # the previous holder unlinked it between our open and our lock: try again
        os.close(fd)
        return _try_lock(path)
    return fd


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _refusal(out: Path, holder: str, waited: float) -> WriteError:
    pid, _, command = holder.partition(" ")
    who = f"pid {pid}: {command}" if pid.isdigit() else "pid unknown: it has not written its name yet"
    return WriteError(
        f"another pipegen ({who}) is writing {out}; waited {waited:g}s for it",
        hint="let it finish and run again, or set PIPEGEN_LOCK_TIMEOUT=<seconds> to wait longer",
    )


def _acquire(out: Path, timeout: float) -> int:
    meta = out / META_DIR
    if meta.is_symlink() or (meta.exists() and not meta.is_dir()):
        raise WriteError(f"{meta} is not a directory", hint=f"move it away; pipegen keeps its records in {META_DIR}/")
    meta.mkdir(parents=True, exist_ok=True)
    path = out / LOCK
    deadline = time.monotonic() + timeout
    holder = ""
    while True:
        fd = _try_lock(path)
        if fd is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder_line().encode(), 0)
            return fd
        holder = _holder(path) or holder
        if time.monotonic() >= deadline:
            raise _refusal(out, holder, timeout)
        time.sleep(POLL)


def _acquire_or_skip(out: Path, timeout: float, read_only: bool) -> int | None:
    try:
        with named(out / LOCK):
            return _acquire(out, timeout)
    except OSError as exc:
        if read_only and exc.errno in _CANNOT_CREATE:
            return None
        raise write_error(exc, f"cannot take the lock of {out}", after="nothing was written") from exc


@contextmanager
def output_lock(out: Path, timeout: float | None = None, *, read_only: bool = False) -> Iterator[None]:
    """Hold the output directory's lock for the duration of the block (creates `.pipegen/`).

    `read_only` (a --check that only reads): where the lock file cannot be created at all
    (a read-only checkout, no write permission) the block runs unlocked: a writer would need
    the permission this run lacks, and the block writes nothing."""
    key = str((out / LOCK).absolute())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    fd = _acquire_or_skip(out, lock_timeout() if timeout is None else timeout, read_only)
    if fd is None:
        yield
        return
    _held[key] = 1
    try:
        yield
    finally:
        del _held[key]
        try:
            (out / LOCK).unlink(missing_ok=True)
        except OSError:
            pass  # a lock file left behind is harmless: the next run locks it again (as after a kill)
        finally:
            os.close(fd)
