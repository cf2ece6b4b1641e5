"""The command line: parse flags, call the library, map errors to exit codes. Nothing else.

Heavy modules are imported inside the commands that need them, so `pipegen --help`
and `pipegen validate` start fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pipegen import __version__
from pipegen.cliparams import Command, epilog, root_epilog
from pipegen.console import exit_for, fail, print_diagnostics, spec_file, validate_specs
from pipegen.spec.diagnostics import SpecError

app = typer.Typer(
    name="pipegen",
    help="Declarative data-pipeline generator: one YAML spec in, a complete pipeline project out.",
    epilog=root_epilog(),
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_state = {"debug": False}


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


class FailOn(StrEnum):
    BREAKING = "breaking"
    ANY = "any"
    NEVER = "never"


SpecArg = Annotated[
    Path,
    typer.Argument(
        metavar="SPEC",
        help="The spec file, or a folder holding pipegen.yaml (default: ./pipegen.yaml).",
        show_default=False,
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipegen {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    _state["debug"] = debug


def _print_diagnostics(diags: list[Any], fmt: str) -> None:
    print_diagnostics(diags, fmt)


@app.command(cls=Command, epilog=epilog("validate", "pipegen validate pipegen.yaml specs/*.yaml --format json"))
def validate(
    specs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SPEC",
            help="Spec files or folders holding pipegen.yaml (default: ./pipegen.yaml).",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, json, or github (workflow annotations for CI).")
    ] = ReportFormat.TEXT,
) -> None:
    """Check specs and print every problem at once."""
    raise typer.Exit(validate_specs(specs or [Path()], format.value))  # plain forms never get here: pipegen.entry


@app.command(cls=Command, epilog=epilog("plan", "pipegen plan specs/ecommerce_realtime.yaml --format json"))
def plan(spec: SpecArg = Path(), format: FormatOpt = OutputFormat.TEXT) -> None:
    """Show the chosen architecture and why, the files it would generate, and capacity figures."""
    from pipegen.pipeline import families_for, prepare, render_tree
    from pipegen.planview import plan_json, plan_text

    fmt = format.value
    try:
        ready = prepare(spec_file(spec))
    except SpecError as exc:
        if fmt != "json":
            raise
        _print_diagnostics(exc.diagnostics, fmt)  # editors and CI get JSON either way
        raise typer.Exit(exc.exit_code) from None
    files = sorted(render_tree(ready.spec, ready.plan))
    families = list(families_for(ready.plan))
    if fmt == "json":
        typer.echo(json.dumps(plan_json(ready, families, files), indent=2, ensure_ascii=False))
    else:
        _print_diagnostics(ready.diagnostics, "text")
        typer.echo(plan_text(ready, families, files))


@app.command(cls=Command, epilog=epilog("explain", "pipegen explain specs/saas_elt.yaml 'sources[0].tables[1].filter'"))
def explain(
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="[SPEC] PATH",
            help="The spec file or a folder holding pipegen.yaml (default: ./pipegen.yaml), then a spec path as "
            "diagnostics print it (sources[0].tables[0].filter), a section, or FILE:LINE.",
            show_default=False,
        ),
    ],
    format: FormatOpt = OutputFormat.TEXT,
) -> None:
    """Show which generated files a spec value reaches (found by changing it and rendering again),
    or the warning that says why it reaches none (exit 1 when a value is dropped silently)."""
    from pipegen.ledger.explain import explain as run_explain
    from pipegen.ledger.explain import format_json as explain_json
    from pipegen.ledger.explain import format_text as explain_text

    if len(args) > 2:
        raise typer.BadParameter(f"got {len(args)} arguments; give [SPEC] PATH", param_hint="'[SPEC] PATH'")
    spec, path = (spec_file(Path(args[0])), args[1]) if len(args) == 2 else (spec_file(Path()), args[0])
    items = run_explain(spec, path)
    typer.echo(explain_json(items) if format.value == "json" else explain_text(items))
    raise typer.Exit(0 if all(entry.accounted for entry, _ in items) else 1)


OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="DIR",
        help="Output folder (default: the spec's folder). Refused (exit 2): empty, not a folder, "
        "inside pipegen's own files, or / and your home folder unless generated there before.",
        show_default=False,
    ),
]


@app.command(cls=Command, epilog=epilog("generate", "pipegen generate pipegen.yaml -o . --check"))
def generate(
    spec: SpecArg = Path(),
    output: OutputOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the output is stale (for CI).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of what would change.")] = False,
    restore_deleted: Annotated[
        bool,
        typer.Option("--restore-deleted", help="Write generated files you deleted again (default: they stay deleted)."),
    ] = False,
) -> None:
    """Render the project and write it, keeping your edits to generated files (three-way merge)."""
    from pipegen.pipeline import prepare, renderer, spec_hash
    from pipegen.write import WriteMeta, WritePlan, preview, render_summary, unified_diff, write_tree
    from pipegen.write.outdir import output_dir

    spec = spec_file(spec)
    out = output_dir(output, spec)  # a usage error before the spec is even read
    ready = prepare(spec)
    _print_diagnostics(ready.diagnostics, "text")
    meta = WriteMeta(__version__, spec_hash(ready.spec))
    files = renderer(ready)  # renders under the output's lock, after recovery, from its base copies
    del ready  # the renderer lets go of the spec and plan once it has rendered (before the write stage)
    if dry_run or check or diff:
        planned = preview(out, files, meta, restore_deleted=restore_deleted)
        if diff:
            typer.echo(unified_diff(planned), nl=False)
        if dry_run or check:
            typer.echo(render_summary(planned.report))
        raise typer.Exit(1 if check and planned.changed else 0)

    def show(planned: WritePlan) -> None:  # the plan, before anything is written
        typer.echo(render_summary(planned.report))

    report = write_tree(out, files, meta, restore_deleted=restore_deleted, on_plan=show)
    if report.conflicts:
        typer.echo(f"{len(report.conflicts)} conflict(s): exit 1 until they are resolved", err=True)
    raise typer.Exit(report.exit_code)


@app.command(cls=Command, epilog=epilog("status", "pipegen status pipegen.yaml --format json"))
def status(spec: SpecArg = Path(), output: OutputOpt = None, format: FormatOpt = OutputFormat.TEXT) -> None:
    """Show which generated files you edited, which are stale, deleted, retired or in conflict
    (exit 1 when something is stale or in conflict, exactly when `generate --check` fails)."""
    from pipegen.pipeline import prepare, renderer, spec_hash
    from pipegen.write import WriteMeta, load_manifest, preview
    from pipegen.write.outdir import output_dir
    from pipegen.write.status import file_states, render_status, status_exit

    spec = spec_file(spec)
    out = output_dir(output, spec)
    ready = prepare(spec)
    meta = WriteMeta(__version__, spec_hash(ready.spec))
    files = renderer(ready)
    del ready  # released after rendering, before the decision (as in generate)
    planned = preview(out, files, meta)  # the plan --check reads
    items = file_states(planned, load_manifest(out)[0])
    typer.echo(render_status(items, format.value))
    raise typer.Exit(status_exit(items))


@app.command(cls=Command, epilog=epilog("diff", "pipegen diff HEAD~1:pipegen.yaml pipegen.yaml --fail-on breaking"))
def diff(
    old: Annotated[
        str, typer.Argument(metavar="OLD", help="The old spec: a file, or REV:PATH (a git revision of a file).")
    ],
    new: Annotated[
        Path,
        typer.Argument(
            metavar="NEW", help="The new spec file or its folder (default: ./pipegen.yaml).", show_default=False
        ),
    ] = Path(),
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, json, or github (annotations at the changed line).")
    ] = ReportFormat.TEXT,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on a breaking change (default), on any change, or never.")
    ] = FailOn.BREAKING,
    allow_breaking: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-breaking",
            metavar="GLOB",
            help="A spec path (glob) whose breaking change is accepted, e.g. 'sources[shop]*'; repeat the option "
            "for several.",
        ),
    ] = None,
) -> None:
    """Classify every change between two specs: breaking, non-breaking or metadata, with what it
    does downstream (exit 1 per --fail-on)."""
    from pipegen.specdiff import run_diff

    text, failed = run_diff(old, spec_file(new), format.value, fail_on.value, tuple(allow_breaking or ()))
    typer.echo(text)
    raise typer.Exit(1 if failed else 0)


@app.command(cls=Command, epilog=epilog("migrate", "pipegen migrate pipegen.yaml --check"))
def migrate(
    spec: SpecArg = Path(),
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a migration is pending; write nothing.")] = False,
) -> None:
    """Upgrade a spec written for an older version, step by step, in place (comments and layout kept)."""
    from pipegen.spec.migrate import migrate_file

    result = migrate_file(spec_file(spec), write=not check)
    typer.echo(result.message)
    raise typer.Exit(1 if check and result.pending else 0)


@app.command(cls=Command, epilog=epilog("new", "pipegen new shop --spec ecommerce_realtime"))
def new(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Project folder name.", show_default=False)],
    spec: Annotated[
        str | None,
        typer.Option("--spec", "-s", metavar="SPEC", help="An example name (see `pipegen examples`) or a spec file."),
    ] = None,
    template: Annotated[
        Path | None, typer.Option("--template", metavar="DIR", help="Your own cookiecutter template for the skeleton.")
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; use defaults.")] = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder to create the project in.")
    ] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")] = False,
) -> None:
    """Scaffold a new pipeline project from an example or your spec, then generate it."""
    from pipegen.localenv import record
    from pipegen.scaffold import new_project
    from pipegen.write import render_summary

    project, report = new_project(name, spec, template, no_input, output, force)
    record(project.path)  # make targets find this pipegen without it being on the PATH
    typer.echo(render_summary(report))
    typer.echo(f"\nCreated {project.path}")
    typer.echo("Next:")
    typer.echo(f"  cd {project.path}")
    typer.echo("  pipegen run               # run it locally (or: make run); make help lists every target")
    typer.echo("  $EDITOR pipegen.yaml      # describe your sources, latency, rules and targets")
    typer.echo("  make validate generate    # check the spec, regenerate; your edits are kept")
    typer.echo("  cat docs/architecture.md  # the chosen architecture and why")
    raise typer.Exit(report.exit_code)


@app.command(cls=Command, epilog=epilog("run", "pipegen run demo/hello_demo"))
def run(
    project: Annotated[
        Path, typer.Argument(metavar="DIR", help="The generated project folder (default: the current folder).")
    ] = Path(),
    python: Annotated[
        Path | None,
        typer.Option(
            "--python", metavar="PYTHON", help="Use this interpreter (it must have requirements.txt installed)."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="STEP", help="Start at this step (e.g. transform).")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="STEP[,STEP]", help="Run only these steps (repeat or comma-separate)."),
    ] = None,
    rows: Annotated[
        int | None, typer.Option("--rows", metavar="N", help="Rows of synthetic data (and fact rows of change events).")
    ] = None,
    bad_row_rate: Annotated[
        float | None, typer.Option("--bad-row-rate", metavar="RATE", help="Share of synthetic rows that break a rule.")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the summary only (the steps' output goes to reports/logs/).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print each step's command.")] = False,
    docs: Annotated[
        bool, typer.Option("--docs/--no-docs", help="Build GX Data Docs and dbt's docs for the report (slower).")
    ] = True,
) -> None:
    """Run the generated pipeline locally on synthetic data (every layer: batch, stream, lake,
    serving) and print a summary; leaves reports/index.html (see `pipegen report`).

    Installs the project's pinned requirements once into a cached environment (pipegen itself
    needs none of them), and the stream jobs' own (PyFlink) beside it, then runs
    `python -m pipeline.run` in the project. Plain output when not on a terminal; NO_COLOR
    is honoured."""
    from pipegen.runner import RunOptions
    from pipegen.runner import run as run_project

    options = RunOptions(start, tuple(only or ()), rows, bad_row_rate, quiet, verbose, docs)
    raise typer.Exit(run_project(project, python, options))


@app.command(cls=Command, epilog=epilog("report", "pipegen report demo/hello_demo --open"))
def report(
    project: Annotated[
        Path, typer.Argument(metavar="DIR", help="The generated project folder (default: the current folder).")
    ] = Path(),
    open_it: Annotated[bool, typer.Option("--open", help="Open it in the browser too.")] = False,
) -> None:
    """Print the path of the last local run's HTML report (reports/index.html): the run's
    summary, results, quality and dbt docs, the architecture diagram and capacity figures."""
    from pipegen.runresult import report_path

    page = report_path(project.resolve())
    typer.echo(str(page))
    if open_it:
        import webbrowser

        webbrowser.open(page.as_uri())


@app.command(cls=Command, epilog=epilog("schema", "pipegen schema > pipegen.schema.json"))
def schema() -> None:
    """Print the JSON Schema of pipegen.yaml (for editors and CI)."""
    from pipegen.spec.schema import spec_schema

    typer.echo(json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False))


@app.command(cls=Command, epilog=epilog("examples", "pipegen new demo --spec saas_elt"))
def examples() -> None:
    """List the example specs you can start from."""
    from pipegen.examples import examples as all_examples

    items = all_examples()
    width = max((len(e.name) for e in items), default=0)
    for example in items:
        typer.echo(f"{example.name.ljust(width)}  {example.summary}")


def _is_usage_error(exc: Exception) -> bool:
    """Typer's (vendored) click errors: bad flags, missing arguments, unknown commands."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: list[str] | None = None) -> None:
    """The typer app with pipegen's error mapping (the console script enters at pipegen.entry)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = app(args=args, prog_name="pipegen", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)  # click returns Exit's code in this mode
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        fail("aborted", None, 130)
    except KeyboardInterrupt as exc:
        exit_for(exc, debug)
    except Exception as exc:  # spec, user, file-system errors and bugs: pipegen.console.exit_for
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        exit_for(exc, debug)
