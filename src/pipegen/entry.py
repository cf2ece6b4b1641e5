"""The `pipegen` console script. `pipegen validate` runs in pre-commit on every commit, so its
plain forms (`pipegen [--debug] validate SPEC... [--format text|json|github]`) are served here
without importing typer or building the CLI (about half the start-up time); any other
command, flag or form goes to the typer app in `pipegen.cli`, which owns usage errors and
help. Both paths call the same `validate_specs` (`pipegen.console`), so they print the same bytes."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pipegen.console import exit_for, validate_specs

FAST_FORMATS = ("text", "json", "github")
# The cyclic collector's young-generation threshold while a command runs (CPython's default: 700).
# A command builds a large heap that lives to its end (the YAML node tree, the validated models, the
# plan, the rendered tree): at the default every 700 allocations start a collection, and the full
# collections that follow rescan that whole heap, so at 2,000 tables they took 3.0 of 19.5 s of CPU,
# growing faster than the spec (docs/benchmarks.md, s38). At 10,000 they take 0.75 s; memory is freed
# by reference counting as before (a collection only finds cycles), so the peak RSS does not move.
GC_YOUNG_THRESHOLD = 10_000
# The middle generation's (CPython's default: 10 young collections). Each of its collections moved what
# survived into the old generation and soon set off a full collection of the whole heap, which finds
# next to nothing (e-commerce at 1,000 tables: 9 middle and 1 full collection, 0.3-0.45 s of CPU, 79 objects
# found): at 100, a 1,000-table generate makes one middle collection and no full one (docs/benchmarks.md, s49).
GC_MIDDLE_THRESHOLD = 100


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


@contextmanager
def fewer_collections(young: int = GC_YOUNG_THRESHOLD, middle: int = GC_MIDDLE_THRESHOLD) -> Iterator[None]:
    """Raise the young and middle generations' collection thresholds (never lower them) while the
    block runs, then restore the caller's thresholds (a test calling main() in process keeps its own)."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), max(middle, before[1]), *before[2:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def main(argv: Sequence[str] | None = None) -> None:
    with fewer_collections():
        _main(argv)


def _main(argv: Sequence[str] | None) -> None:
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
