"""Exception tree. Everything a user can cause is a UserError: shown as-is, exit 1. And
`did_you_mean`, the hint many of them carry.

The bottom floor: it imports nothing of pipegen. The spec's own error, SpecError (it carries
located diagnostics), lives beside them in `pipegen.spec.diagnostics`.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable


class PipegenError(Exception):
    """Root of every error pipegen raises on purpose."""


class UserError(PipegenError):
    """A problem the user can fix; the message is shown without a traceback (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(UserError):
    """Bad command-line usage (exit 2)."""

    exit_code = 2


class PlanError(UserError):
    """The spec is valid but no pipeline can be planned from it."""


class RenderError(PipegenError):
    """A template failed to render: a bug in pipegen, not in the spec."""


class WriteError(UserError):
    """The output directory cannot be written safely."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint from the known names, or None when nothing is close."""
    options = sorted(set(choices))
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"did you mean '{lowered[word.lower()]}'?"
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if not close:
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), 3, 0.6)]
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return None


# what to do about a file-system error, by errno (the path is named by the caller)
_OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space on it (df -h shows which), then run again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run again",
    errno.EACCES: "permission denied: make it (and its folder) writable for you, or choose another --output",
    errno.EPERM: "not permitted there: check its permissions and attributes, or choose another --output",
    errno.EROFS: "it is on a read-only file system: choose another --output, or remount it read-write",
    errno.EISDIR: "a directory is where a file must go: move it away, then run again",
    errno.ENOTDIR: "a file is where a directory must go: move it away, then run again",
    errno.EEXIST: "something is already in the way there: move it away, then run again",
    errno.ENOTEMPTY: "a directory that must be replaced is not empty: move it away, then run again",
    errno.ENAMETOOLONG: "the path is too long for the file system: choose a shorter --output",
    errno.EIO: "the device reported an I/O error: check the disk, then run again",
    errno.EMFILE: "too many files are open: raise the limit (ulimit -n), then run again",
    errno.ENFILE: "too many files are open on this system: close some programs, then run again",
}


def os_error_text(exc: OSError, path: object = None) -> tuple[str, str]:
    """(what happened, naming the path; what to do) for a file-system error. `path` stands in
    when the error carries none (a write or fsync on an open file names no path)."""
    where = exc.filename if exc.filename is not None else path
    what = exc.strerror or str(exc) or type(exc).__name__
    other = f" -> {exc.filename2}" if getattr(exc, "filename2", None) else ""
    message = f"{where}{other}: {what}" if where is not None else what
    advice = _OS_ADVICE.get(exc.errno or 0, "check that path, its permissions and the free space, then run again")
    return message, advice
