"""No output path leaves the output directory: every path pipegen writes, deletes or
reads back from its manifest goes through here."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

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
    return str(PurePosixPath(path))


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


def check_inside(root: Path, rel: str, resolved_root: Path | None = None) -> Path:
    """root/rel, refusing symlinks on the way (a link could point outside the directory).
    `resolved_root`: `root.resolve()`, when the caller checks many paths under one root."""
    current = root
    for part in rel.split("/"):
        current = current / part
        if current.is_symlink():
            raise WriteError(
                f"{current} is a symbolic link; pipegen does not write through links",
                hint="replace the link with a real file or directory",
            )
    resolved_root = resolved_root or root.resolve()
    if not str(current.resolve()).startswith(str(resolved_root)):
        raise WriteError(f"{rel} resolves outside {root}")
    return current
