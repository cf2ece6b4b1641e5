"""A generated file and its permission bits.

pipegen sets a file's mode to exactly what its generator declares (0644, 0755 for
scripts). On regenerate a file counts as chmod-ed by the user only when its mode is
neither the recorded one nor the one a plain checkout or copy gives it under the current
umask (0666 or 0777 masked): a teammate's `git clone` with umask 002 is not an edit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pipegen.errors import WriteError

DEFAULT_MODE = 0o644
EXECUTABLE_MODE = 0o755


@dataclass(frozen=True)
class OutFile:
    """One generated file: its text and the mode the write stage gives it."""

    text: str
    mode: int = DEFAULT_MODE


def as_outfile(path: str, value: str | OutFile) -> OutFile:
    """A plain string is a regular 0644 file; a mode outside the permission bits is a generator bug."""
    out = value if isinstance(value, OutFile) else OutFile(value)
    if not isinstance(out.mode, int) or isinstance(out.mode, bool) or not 0 <= out.mode <= 0o777:
        raise WriteError(f"{path}: file mode {out.mode!r} is not permission bits (0..0o777)",
                         hint="this is a bug in a generator")  # fmt: skip
    return out


def mode_text(mode: int) -> str:
    return f"{mode:04o}"


def parse_mode(text: str) -> int:
    """'0755' -> 0o755; ValueError for anything else."""
    if len(text) != 4 or not text.isdigit():
        raise ValueError(f"mode {text!r} is not four octal digits")
    mode = int(text, 8)
    if mode > 0o777:
        raise ValueError(f"mode {text!r} is not permission bits")
    return mode


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def checkout_mode(recorded: int, umask: int) -> int:
    """The mode git (or cp, tar, unzip) gives a file with this recorded mode."""
    return (0o777 if recorded & 0o100 else 0o666) & ~umask


def same_mode(disk: int, recorded: int, umask: int) -> bool:
    return disk in (recorded, checkout_mode(recorded, umask))
