"""What is on disk at a generated path, looked at without following links or raising.

A path pipegen may write holds a regular file or nothing. Anything else (a directory, a
symbolic link, a FIFO, a socket, a device) or a path whose parent is not a directory
belongs to the user: the decision makes it a conflict and nothing touches it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipegen.errors import WriteError, os_error_text

_KINDS = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class Disk:
    """A regular file (data and mode), nothing (data None, blocker None), or in the way (blocker set)."""

    data: bytes | None = None
    mode: int = 0
    blocker: str | None = None

    @property
    def regular(self) -> bool:
        return self.data is not None


def kind_of(st_mode: int) -> str:
    return next((name for test, name in _KINDS if test(st_mode)), "not a regular file")


def _lstat(path: str | Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def inspect(root: Path, rel: str, going: Collection[str] = ()) -> Disk:
    """What `root/rel` holds. `going` are tracked regular files this run deletes: one of them
    in the place of a needed directory is not in the way (deletions are applied first)."""
    found = _placed(root, rel, going)
    if found is not None:
        return found
    return _read_regular(root / rel)


def regular_digest(root: Path, rel: str, going: Collection[str] = ()) -> tuple[str, int] | None:
    """(SHA-256, mode) of the regular file `inspect` would read at `root/rel`, streamed (its bytes
    are never all held); None when `inspect` would find no regular file there."""
    if _placed(root, rel, going) is not None:
        return None
    fd = os.open(root / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        return hashlib.file_digest(fh, "sha256").hexdigest(), stat.S_IMODE(st.st_mode)


def _prefix(root: Path) -> str:
    """What str(root / rel) puts before rel (a Path per folder looked at was most of the cost)."""
    text = os.fspath(root)
    return "" if text == "." else text if text.endswith("/") else text + "/"


def _placed(root: Path, rel: str, going: Collection[str]) -> Disk | None:
    """What `inspect` finds when `root/rel` is not a regular file (nothing, or what is in the
    way); None when it is one, to be read."""
    parts = rel.split("/")
    base = _prefix(root)
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        st = _lstat(base + prefix)  # a string, not a Path, per folder looked at
        if st is None:
            return Disk()
        if stat.S_ISDIR(st.st_mode):
            continue
        if stat.S_ISREG(st.st_mode) and prefix in going:
            return Disk()
        if stat.S_ISLNK(st.st_mode):
            return Disk(blocker=f"{prefix} is a symbolic link; pipegen does not write through links")
        return Disk(blocker=f"{prefix} is {kind_of(st.st_mode)} where pipegen needs a directory")
    path = root / rel
    st = _lstat(path)
    if st is None:
        return Disk()
    if not stat.S_ISREG(st.st_mode):
        return Disk(blocker=f"{kind_of(st.st_mode)} is in its place")
    return None


def _read_regular(path: Path) -> Disk:
    """Read without following a link swapped in since the lstat, and never block on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Disk(blocker=f"{kind_of(st.st_mode)} is in its place")
        return Disk(fh.read(), stat.S_IMODE(st.st_mode))


@contextmanager
def named(path: Path) -> Iterator[None]:
    """Give a file-system error raised in the block a path: a write, flush or fsync on an open
    file (a full disk, an I/O error) says only what went wrong, never where."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def write_error(exc: OSError, doing: str, *, after: str, path: object = None) -> WriteError:
    """A WriteError for a file-system error: what pipegen was doing, the path, what happened, what
    to do, and (`after`) the state it leaves."""
    message, advice = os_error_text(exc, path)
    return WriteError(f"{doing}: {message}", hint=f"{advice}; {after}")
