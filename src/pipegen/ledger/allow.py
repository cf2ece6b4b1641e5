"""Spec values that by design change no generated file, each with the reason.

A pattern is a dotted spec path with `*` for any list index or key. Keep this list short: a
value that matters to a reader belongs in the generated docs instead.
"""

from __future__ import annotations

import re

from pipegen.spec.diagnostics import Path, dotted

ALLOWED: dict[str, str] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\*", r"[^.\[\]]+") + "$")


def allowed(path: Path) -> str | None:
    """The reason the value at `path` may reach no file, or None."""
    text = dotted(path)
    for pattern, reason in ALLOWED.items():
        if _regex(pattern).match(text):
            return reason
    return None
