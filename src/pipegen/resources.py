"""Where shipped data lives: inside the wheel (pipegen/_data) or the source tree."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(kind: str) -> Path:
    """`templates` or `specs`: the wheel's copy, else the repository's top-level folder."""
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parents[1] / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pipegen's {kind} folder is missing from this installation; reinstall pipegen-cli")
