"""What pipegen prints and how it exits, shared by both ways in: the console script's fast
path for `validate` (`pipegen.entry`, no typer) and the typer app (`pipegen.cli`). Both call the
same `validate_specs` and end through the same `exit_for`, so they print the same bytes."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from pipegen import __version__
from pipegen.errors import UserError, os_error_text
from pipegen.spec.diagnostics import Diagnostic, SpecError, format_github, format_json, format_text, has_errors

REPORT_URL = "https://github.com/pipegen/pipegen/issues"

Echo = Callable[[str, bool], None]


# a diagnostic's or message's severity where a line starts with it (`FILE:LINE:COL: error:`, `error:`)
SEVERITY = re.compile(r"^((?:\S+:\d+:\d+: )?)(error|warning)(:)", re.M)
COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m"}


def wants_colour(stream: TextIO) -> bool:
    """Colour on a terminal only, unless NO_COLOR is set (no-color.org) or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def coloured(message: str) -> str:
    """`message` with each line's severity in colour (bold red errors, bold yellow warnings)."""
    return SEVERITY.sub(lambda m: f"{m.group(1)}{COLOURS[m.group(2)]}{m.group(2)}\033[0m{m.group(3)}", message)


def echo(message: str, err: bool = False) -> None:
    """Print a line to stdout (or stderr), as `typer.echo` does; severities in colour on a terminal."""
    stream = sys.stderr if err else sys.stdout
    stream.write((coloured(message) if wants_colour(stream) else message) + "\n")
    stream.flush()


def print_diagnostics(diags: Sequence[Diagnostic], fmt: str, out: Echo = echo) -> None:
    if fmt == "json":
        out(format_json(list(diags)), False)
    elif fmt == "github":
        if diags:
            out(format_github(list(diags)), False)
    elif diags:
        out(format_text(list(diags)), False)


def validate_specs(specs: Sequence[Path], fmt: str, out: Echo = echo) -> int:
    """Check every spec, print every problem at once; the exit code (0 valid, 1 invalid)."""
    from pipegen.pipeline import validate  # pydantic and the rules: only when a spec is checked

    diags = []
    for given in specs:
        spec = spec_file(given)
        checked = validate(spec)
        diags.extend(checked.diagnostics)
        if fmt == "text" and not has_errors(checked.diagnostics):
            out(f"{spec}: valid", bool(checked.diagnostics))
    print_diagnostics(diags, fmt, out)
    return 1 if has_errors(diags) else 0


def fail(message: str, hint: str | None, code: int) -> NoReturn:
    echo(f"error: {message}", err=True)
    if hint:
        echo(f"hint: {hint}", err=True)
    sys.exit(code)


def exit_for(exc: BaseException, debug: bool) -> NoReturn:
    """How every command ends on an error it did not handle: a message, never a traceback
    (unless --debug), and the documented exit code."""
    if isinstance(exc, SpecError):
        echo(format_text(exc.diagnostics), err=True)
        sys.exit(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted", None, 130)
    if debug:
        raise exc
    if isinstance(exc, UserError):
        fail(exc.message, exc.hint, exc.exit_code)
    if isinstance(exc, OSError):  # the file system said no: a path, a permission, a full disk
        message, advice = os_error_text(exc)
        fail(message, advice, 1)
    fail(
        f"internal error: {type(exc).__name__}: {exc}",
        f"this is a bug in pipegen {__version__}; rerun with --debug and report it at {REPORT_URL}",
        3,
    )


def spec_file(path: Path) -> Path:
    """The spec a command reads: `path` itself, or the pipegen.yaml in it when it is a folder
    (every command's SPEC defaults to the current folder)."""
    return path / "pipegen.yaml" if path.is_dir() else path
