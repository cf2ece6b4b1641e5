"""Project family: the files every generated project shares, rendered from what the other
families contributed (ctx.shared) — pinned requirements, the environment variables and
secrets the project reads, Makefile targets and the local run (`pipegen.mk`, included by
the project's own Makefile), Compose services, CI steps — plus the spec's JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from pipegen.generators.base import (
    ComposeService,
    Contribution,
    EnvVar,
    Files,
    GenContext,
    MakeTarget,
    RunResult,
    Shared,
)
from pipegen.render.env import render, static
from pipegen.safe import Ident, trusted
from pipegen.spec.model.enums import Materialization
from pipegen.spec.rulekinds import rules_json
from pipegen.spec.schema import spec_schema_text
from pipegen.spec.secretscan import secret_uses


class ProjectGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        uses = secret_uses(ctx.spec)
        env = tuple(
            EnvVar(
                name,
                tuple(f"{u.kind}: {u.used_at}" for u in uses if u.name == name),
                secret=any(u.kind == "secret" for u in uses if u.name == name),
            )
            for name in sorted({u.name for u in uses})
        )
        return Contribution(env=env)

    def render(self, ctx: GenContext) -> Files:
        shared = ctx.shared
        targets = [_target_row(t) for t in _make_targets(shared)]
        context: dict[str, Any] = {
            "version": trusted(ctx.version),
            "pipeline": ctx.plan.names.pipeline,
            "requirements": _requirements(shared),
            "variables": [_env_row(v) for v in shared.env],
            "targets": targets,
            "help_format": trusted(_help_format()),
            "environments": [{"name": trusted(n), "file": trusted(f)} for n, f in step_environments(shared).items()],
        }
        files = {
            "requirements.txt": render("project/requirements.txt.j2", context),
            ".env.example": render("project/env.example.j2", context),
            "pipegen.mk": render("project/pipegen.mk.j2", context),
            "pipegen.schema.json": spec_schema_text(),
        }
        if shared.python_modules:  # the families' runnable code lives in the `pipeline` package
            files["pipeline/__init__.py"] = render(
                "project/pipeline_init.py.j2",
                {**context, "run": bool(shared.run_steps), "install_targets": install_targets(shared)},
            )
        for module in shared.runtime:  # shared runtime modules: one copy, whichever families import them
            made = RUNTIME_DATA.get(module)
            files[f"pipeline/{module}"] = made() if made else static(f"runtime/{module}")
        if shared.run_steps:
            files["pipeline/run.py"] = render("project/run.py.j2", {**context, **_run_context(ctx, shared)})
            files["pipeline/run_report.py"] = static("project/run_report.py")
        if shared.compose_services:
            services = list(shared.compose_services)
            files["compose.yaml"] = render("project/compose.yaml.j2", {"services": services,
                                                                       "volumes": named_volumes(services)})  # fmt: skip
        files[".github/workflows/pipegen.yml"] = render("project/ci.yml.j2", _ci_context(ctx, shared))
        return files


def named_volumes(services: list[ComposeService]) -> list[str]:
    """The named volumes compose.yaml's services mount (a mount's source that is not a path), sorted."""
    return sorted({v.split(":", 1)[0] for s in services for v in s.volumes if not v.startswith((".", "/", "$"))})


# shared runtime files written from pipegen's own data rather than copied from templates/runtime/
RUNTIME_DATA: dict[str, Callable[[], str]] = {"rules.json": rules_json}  # the quality rule kinds

LOCAL_RUN = ("Local run on synthetic data (dbt build on DuckDB, quality checks)", "python -m pipeline.run")


def _ci_context(ctx: GenContext, shared: Shared) -> dict[str, Any]:
    """The CI workflow: pipegen's own checks, then the families' CI steps (their judges) and the
    local run."""
    steps = [{"name": s.name, "run": s.run} for s in shared.ci_steps]
    if shared.run_steps:
        steps.append({"name": LOCAL_RUN[0], "run": LOCAL_RUN[1]})
    extra = list(dict.fromkeys(r for s in shared.ci_steps for r in s.requirements))
    return {
        "pipeline": ctx.plan.names.pipeline,
        "install_pipegen": trusted(f"pipegen-cli=={ctx.version}"),
        "install": " ".join(["pip install -r requirements.txt", *(f"-r {r}" for r in extra)]),
        "steps": steps,
    }


RUN_REQUIREMENTS = ("rich==15.0.0",)  # pipeline/run.py prints its summary with rich


def _requirements(shared: Shared) -> list[str]:
    """The families' pins, plus what this family's own run.py needs when there is a run."""
    own = [r for r in RUN_REQUIREMENTS if shared.run_steps and r.split("==")[0] not in
           {p.split("==")[0] for p in shared.requirements}]  # fmt: skip
    return sorted([*shared.requirements, *own], key=str.lower)


def _run_context(ctx: GenContext, shared: Shared) -> dict[str, Any]:
    steps = [{"name": s.name, "help": s.help, "command": list(s.command), "environment": s.environment,
              "options": [list(o) for o in s.options], "java": list(s.java), "needs": list(s.needs),
              "without": s.without} for s in shared.run_steps]  # fmt: skip
    return {
        "steps": steps,
        "step_names": trusted(", ".join(s.name for s in shared.run_steps)),
        "metrics": "metrics.py" in shared.runtime,  # the run's metrics (pipeline/metrics.py), when a family asks
        "environments": {f: f"PIPEGEN_{n}_PYTHON" for n, f in step_environments(shared).items()},
        "results": [*batch_results(ctx), *(_result_row(r) for r in shared.results)],
        "lineage": "lineage.py" in shared.runtime,  # the run's OpenLineage events (pipeline/lineage.py)
        "lineage_file": "lineage/events.jsonl",
    }


def step_environments(shared: Shared) -> dict[str, str]:
    """NAME -> requirements file of each step environment (`requirements-flink.txt` -> FLINK):
    make's NAME_PYTHON, and PIPEGEN_NAME_PYTHON where `pipegen run` records the one it built."""
    files = sorted({s.environment for s in shared.run_steps if s.environment})
    return {re.sub(r"[^A-Z0-9]+", "_", f.removeprefix("requirements-").removesuffix(".txt").upper()): f for f in files}


def batch_results(ctx: GenContext) -> list[dict[str, str]]:
    """What the local run's batch layer leaves in its warehouse, as the summary lists it: every
    landed table and every mart (ephemeral marts are not tables, and are left out), with the
    spec path each comes from."""
    found = []
    for i in ctx.plan.graph.batch_sources:
        source = ctx.spec.sources[i]
        for kind, datasets in (("tables", source.tables), ("topics", source.topics)):
            for j, dataset in enumerate(datasets):
                names = ctx.plan.names.dataset(source.name, dataset.name)
                found.append({"table": f"{names.raw_schema}.{names.raw_table}", "where": "warehouse.duckdb",
                              "spec_path": f"sources[{i}].{kind}[{j}]"})  # fmt: skip
    if not ctx.plan.graph.batch_sources:
        return found
    for i, mart in enumerate(ctx.spec.transforms.marts):
        if mart.materialized == Materialization.EPHEMERAL:
            continue
        mart_names = ctx.plan.names.mart(mart.name)
        found.append({"table": f"{mart_names.schema}.{mart_names.model}", "where": "warehouse.duckdb",
                      "spec_path": f"transforms.marts[{i}]"})  # fmt: skip
    return found


def _result_row(result: RunResult) -> dict[str, str]:
    """A family's result as run.py's RESULTS lists it (`counter` and its keys only when it has one)."""
    row = {"table": result.table, "where": result.where, "spec_path": result.spec_path}
    return {**row, "counter": result.counter, **dict(result.keys)} if result.counter else row


def _env_row(var: EnvVar) -> dict[str, Any]:
    return {"name": var.name, "uses": list(var.uses), "secret": var.secret, "default": var.default}


def _make_targets(shared: Shared) -> list[MakeTarget]:
    """The families' targets, plus `run` (every local-run step in order) when there are steps."""
    targets = list(shared.make_targets)
    if shared.run_steps and all(t.name != "run" for t in targets):
        recipe = (("$(PROJECT_PYTHON)", "-m", "pipeline.run"),)
        steps = ", ".join(s.name for s in shared.run_steps)
        help_text = (f"run the pipeline locally: {steps} (FROM=STEP, ONLY=STEP,STEP, ROWS=N, BAD_ROW_RATE=R, "
                     "QUIET=1: the summary only, VERBOSE=1: each step's command)")  # fmt: skip
        targets.append(MakeTarget("run", help_text, recipe, options=RUN_OPTIONS, switches=RUN_SWITCHES))
    return sorted(targets, key=lambda t: t.name)


# pipeline.run's options as make variables (`make run ROWS=500 QUIET=1`), the same as `pipegen run`'s
RUN_OPTIONS = (("FROM", "--from"), ("ONLY", "--only"), ("ROWS", "--rows"), ("BAD_ROW_RATE", "--bad-row-rate"))
RUN_SWITCHES = (("QUIET", "--quiet"), ("VERBOSE", "--verbose"))


def _target_row(target: MakeTarget) -> dict[str, Any]:
    needs = required_variables(target)
    usage = " ".join([target.name, *(f"{v}=..." for v in needs), *(f"[{v}=...]" for v, _ in target.options),
                      *(f"[{v}=1]" for v, _ in target.switches)])  # fmt: skip
    return {"name": Ident(target.name), "help": target.help, "deps": [Ident(d) for d in target.deps],
            "recipe": [list(line) for line in target.recipe], "needs": [trusted(v) for v in needs],
            "needs_usage": usage, "usage_error": trusted(_usage_error(target.name, needs)),
            "options": trusted("".join([*(_option(v, f) for v, f in target.options),
                                        *(_switch(v, f) for v, f in target.switches)]))}  # fmt: skip


def install_targets(shared: Shared) -> dict[str, str]:
    """requirements file -> the make target whose recipe installs it (`pip install -r FILE`)."""
    found: dict[str, str] = {}
    for target in sorted(shared.make_targets, key=lambda t: t.name):
        for line in target.recipe:
            for flag, word in pairwise(line):
                if flag == "-r" and "install" in line:
                    found.setdefault(word, target.name)
    return dict(sorted(found.items()))


HELP_WIDTH = 30  # the Makefile's own `make help` column (templates/skeleton): both parts align


def _help_format() -> str:
    """printf's format for `make help`: usages in the Makefile's column; a longer usage (`run
    [FROM=...] ...`) overflows it by its own length instead of pushing every description right."""
    return f"  %-{HELP_WIDTH}s %s\\n"


MAKE_FLAG = re.compile(r"^--[a-z][a-z0-9-]*$")


def _option(variable: str, flag: str) -> str:
    """` $(if $(ROWS),--rows $(ROWS))`: the flag with the variable's value, only when it is set."""
    if not MAKE_VARIABLE.match(f"$({variable})") or not MAKE_FLAG.match(flag):
        raise ValueError(f"not a make option: {variable} -> {flag}")
    return f" $(if $({variable}),{flag} $({variable}))"


def _switch(variable: str, flag: str) -> str:
    """` $(if $(QUIET),--quiet)`: the flag alone, only when the variable is set."""
    if not MAKE_VARIABLE.match(f"$({variable})") or not MAKE_FLAG.match(flag):
        raise ValueError(f"not a make switch: {variable} -> {flag}")
    return f" $(if $({variable}),{flag})"


MAKE_VARIABLE = re.compile(r"^\$\(([A-Z][A-Z0-9_]*)\)$")


def required_variables(target: MakeTarget) -> list[str]:
    """The make variables a target cannot run without: those given as an option's value
    (`--job $(JOB)`); a variable standing alone (`$(APPLY)`) is an optional switch."""
    found: list[str] = []
    for line in target.recipe:
        for before, word in pairwise(line):
            match = MAKE_VARIABLE.match(word)
            if match and before.startswith("-") and match.group(1) not in found:
                found.append(match.group(1))
    return found


def _usage_error(name: str, needs: list[str]) -> str:
    """make's $(error) text (no comma or parenthesis: make would split or end the call there)."""
    example = " ".join(f"{v}=..." for v in needs)
    return f"make {name} needs {' and '.join(needs)}: run make {name} {example}"


GENERATOR = ProjectGenerator()
