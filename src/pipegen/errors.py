"""Exception tree. Everything a user can cause is a UserError: shown as-is, exit 1. And
`did_you_mean`, the hint many of them carry.

The bottom floor: it imports nothing of pipegen. The spec's own error, SpecError (it carries
located diagnostics), lives beside them in `pipegen.spec.diagnostics`.
"""

from __future__ import annotations

import difflib
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
