"""No output path leaves the output directory: every path pipegen writes, deletes or
reads back from its manifest goes through here."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from pipegen.errors import WriteError

META_DIR = ".pipegen"
_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relpath(path: str) -> str:
    """A normalised relative POSIX path inside the output directory, or WriteError."""
    problem = _problem(path)
    if problem:
        raise WriteError(
            f"refusing output path {path!r}: {problem}", hint="this is a bug in a generator or a tampered manifest"
        )
    return str(path)  # already normal: no empty, "." or ".." part, not absolute (what PurePosixPath would change)


def _problem(path: str) -> str | None:
    if not isinstance(path, str) or not path:
        return "empty"
    if "\x00" in path:
        return "contains NUL"
    if "\\" in path:
        return "contains a backslash"
    if path.startswith("/") or _DRIVE.match(path):
        return "absolute"
    parts = path.split("/")
    if any(p in ("..",) for p in parts):
        return "contains '..'"
    if any(p in ("", ".") for p in parts):
        return "not normalised"
    if parts[0] == META_DIR:
        return f"inside {META_DIR}/, which pipegen reserves"
    return None


def _is_link(path: str) -> bool:
    """Path(path).is_symlink() without building the Path: the same errors ignored (nothing there,
    a parent that is no directory, a loop), any other raised."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return False
        raise
    except ValueError:
        return False


def check_inside(root: Path, rel: str, seen: dict[str, str] | None = None) -> Path:
    """root/rel, refusing symlinks on the way (a link could point outside the directory)."""
    refuse_links(root, rel, seen)
    return root / rel  # the last part is never a checked folder: root joined with every part


def refuse_links(root: Path, rel: str, seen: dict[str, str] | None = None) -> None:
    """check_inside's checks without building the Path (the staging pass only checks).

    `seen` serves the many paths of one run: the folders on the way already checked, each with
    its resolved path (and "" with the root's), so each is checked and resolved once. A checked
    component that is no link resolves to its parent's resolved path joined with its name."""
    seen = {} if seen is None else seen
    if "" not in seen:
        seen[""] = str(root.resolve())
    resolved_root = resolved = seen[""]
    parts = rel.split("/")
    base, prefix = os.fspath(root), ""
    for i, part in enumerate(parts):
        prefix = f"{prefix}/{part}" if i else part
        folder = i < len(parts) - 1
        if folder and prefix in seen:
            resolved = seen[prefix]
            continue
        if _is_link(f"{base}/{prefix}"):  # a string, not a Path, per part looked at (Paths were most of the cost)
            raise WriteError(
                f"{root / prefix} is a symbolic link; pipegen does not write through links",
                hint="replace the link with a real file or directory",
            )
        resolved = f"{resolved.rstrip('/')}/{part}"
        if folder:
            seen[prefix] = resolved
    if not resolved.startswith(resolved_root):
        raise WriteError(f"{rel} resolves outside {root}")
