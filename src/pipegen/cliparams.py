"""How the command line names its arguments and ends: placeholders in words (`SPEC`, `DIR`),
never Python types; the exit codes of every command, in one table that `--help`, the README and
a test all read (tests/cli/test_conventions.py runs each documented case)."""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand

DEFAULT_SPEC = "pipegen.yaml"

# code -> what it means for every command
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (1, "the command's check failed (see the command's own line), or a file or folder it reads is missing"),
    (2, "command-line usage error: unknown command or option, bad option value, refused output folder"),
    (3, "internal error: a bug in pipegen (the message says where to report it; --debug shows the traceback)"),
    (130, "interrupted (Ctrl-C)"),
)

# command -> when it exits 1 (beyond a missing file)
EXIT_ONE: dict[str, str] = {
    "validate": "a spec is invalid",
    "plan": "the spec is invalid",
    "explain": "the value reaches no generated file and no warning says why",
    "generate": "the spec is invalid; with --check: the output is stale or a conflict is open; without: a conflict",
    "status": "a generated file is stale or in conflict (exactly when `generate --check` fails)",
    "diff": "a breaking change (or any change, per --fail-on)",
    "migrate": "with --check: a migration is pending",
    "new": "the project folder is not empty (without --force), or the spec is invalid",
    "run": "the project has no local run; a failed step ends the run with that step's own exit code",
    "report": "the project has no run report yet (run it first)",
    "schema": "never",
    "examples": "never",
}


def exit_epilog(command: str) -> str:
    """The exit-code line every command's --help ends with."""
    one = EXIT_ONE[command]
    middle = "" if one == "never" else f" 1 {one}, or a missing file;"
    return f"Exit codes: 0 success;{middle} 2 usage error; 3 internal error."


def epilog(command: str, example: str) -> str:
    """A command's --help ending: an example, then when it exits with what."""
    return f"Example: {example}\n\n{exit_epilog(command)}"


def exit_codes_markdown() -> str:
    """The README's exit-code tables (between its `exit-codes` markers)."""
    rows = ["| code | meaning |", "|---|---|", *(f"| {code} | {text} |" for code, text in EXIT_CODES)]
    rows += ["", "| command | exits 1 when |", "|---|---|"]
    rows += [f"| `pipegen {name}` | {text} |" for name, text in EXIT_ONE.items()]
    return "\n".join(rows) + "\n"


def root_epilog() -> str:
    codes = "; ".join(f"{code} {text.split(':')[0]}" for code, text in EXIT_CODES)
    return (
        "Every SPEC defaults to ./pipegen.yaml, and a folder means the pipegen.yaml in it. "
        f"Exit codes: {codes}. `pipegen COMMAND -h` says when COMMAND exits 1."
    )


class Command(TyperCommand):
    """A typer command whose arguments show their placeholder (`SPEC`, `[DIR]`, `SPEC...`)
    instead of typer's `{spec} <path>` / `specs... <list[Path]>`."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperArgument) and param.metavar is not None:
                _in_words(param)
        return params


def _in_words(param: TyperArgument) -> None:
    word = str(param.metavar)
    many = "..." if param.nargs != 1 and " " not in word else ""  # "[SPEC] PATH" spells out its own count
    usage = f"{word}{many}" if param.required else f"[{word}{many}]"
    param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
    param._rich_display_name = lambda: f"{word}{many}"  # type: ignore[method-assign]
    param._usage_display_name = lambda: usage  # type: ignore[method-assign]
