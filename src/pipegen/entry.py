"""The `pipegen` console script. `pipegen validate` runs in pre-commit on every commit, so its
plain forms (`pipegen [--debug] validate SPEC... [--format text|json|github]`) are served here
without importing typer or building the CLI (about half the start-up time); any other
command, flag or form goes to the typer app in `pipegen.cli`, which owns usage errors and
help. Both paths call the same `validate_specs`, so they print the same bytes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pipegen import __version__
from pipegen.errors import SpecError, UserError

if TYPE_CHECKING:
    from pipegen.spec.diagnostics import Diagnostic

REPORT_URL = "https://github.com/pipegen/pipegen/issues"
FAST_FORMATS = ("text", "json", "github")

Echo = Callable[[str, bool], None]


def echo(message: str, err: bool = False) -> None:
    """Print a line to stdout (or stderr), as `typer.echo` does."""
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n")
    stream.flush()


def print_diagnostics(diags: Sequence[Diagnostic], fmt: str, out: Echo = echo) -> None:
    from pipegen.spec.diagnostics import format_github, format_json, format_text

    if fmt == "json":
        out(format_json(list(diags)), False)
    elif fmt == "github":
        if diags:
            out(format_github(list(diags)), False)
    elif diags:
        out(format_text(list(diags)), False)


def validate_specs(specs: Sequence[Path], fmt: str, out: Echo = echo) -> int:
    """Check every spec, print every problem at once; the exit code (0 valid, 1 invalid)."""
    from pipegen.pipeline import check
    from pipegen.spec.diagnostics import has_errors

    diags = []
    for spec in specs:
        checked, _ = check(spec)
        diags.extend(checked.diagnostics)
        if fmt == "text" and not has_errors(checked.diagnostics):
            out(f"{spec}: valid", bool(checked.diagnostics))
    print_diagnostics(diags, fmt, out)
    return 1 if has_errors(diags) else 0


def fast_validate_args(args: Sequence[str]) -> tuple[list[Path], str, bool] | None:
    """(specs, format, debug) when `args` is a plain validate invocation, else None (the
    typer app then parses them, with its help and usage errors)."""
    rest = list(args)
    debug = False
    if rest[:1] == ["--debug"]:
        debug, rest = True, rest[1:]
    if rest[:1] != ["validate"]:
        return None
    specs: list[Path] = []
    fmt = "text"
    tokens = iter(rest[1:])
    for token in tokens:
        if token in ("--format", "-f"):
            fmt = next(tokens, "")
        elif token.startswith("--format="):
            fmt = token.removeprefix("--format=")
        elif token.startswith("-") or not token:
            return None  # --help, --debug after the command, typos: typer's answer
        else:
            specs.append(Path(token))
    if not specs or fmt not in FAST_FORMATS:
        return None
    return specs, fmt, debug


def fail(message: str, hint: str | None, code: int) -> NoReturn:
    echo(f"error: {message}", err=True)
    if hint:
        echo(f"hint: {hint}", err=True)
    sys.exit(code)


def exit_for(exc: BaseException, debug: bool) -> NoReturn:
    """How every command ends on an error it did not handle: a message, never a traceback
    (unless --debug), and the documented exit code."""
    if isinstance(exc, SpecError):
        from pipegen.spec.diagnostics import format_text

        echo(format_text(exc.diagnostics), err=True)
        sys.exit(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted", None, 130)
    if debug:
        raise exc
    if isinstance(exc, UserError):
        fail(exc.message, exc.hint, exc.exit_code)
    if isinstance(exc, OSError):  # the file system said no: a path, a permission, a full disk
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}", "check the path and its permissions", 1)
    fail(
        f"internal error: {type(exc).__name__}: {exc}",
        f"this is a bug in pipegen {__version__}; rerun with --debug and report it at {REPORT_URL}",
        3,
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    fast = fast_validate_args(args)
    if fast is None:
        from pipegen.cli import main as cli_main

        cli_main(args)
        return
    specs, fmt, debug = fast
    try:
        code = validate_specs(specs, fmt)
    except Exception as exc:
        exit_for(exc, debug)
    except KeyboardInterrupt as exc:
        exit_for(exc, debug)
    sys.exit(code)
