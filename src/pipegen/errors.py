"""Exception tree. Everything a user can cause is a UserError: shown as-is, exit 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipegen.spec.diagnostics import Diagnostic


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


class SpecError(UserError):
    """The spec did not validate; carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(f"the spec has {len(errors)} error(s)")
        self.diagnostics = list(diagnostics)


class PlanError(UserError):
    """The spec is valid but no pipeline can be planned from it."""


class RenderError(PipegenError):
    """A template failed to render: a bug in pipegen, not in the spec."""


class WriteError(UserError):
    """The output directory cannot be written safely."""
