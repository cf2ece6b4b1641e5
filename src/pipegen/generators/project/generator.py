"""Project family: the files every generated project shares, rendered from what the other
families contributed (ctx.shared) — pinned requirements, the environment variables and
secrets the project reads, Makefile targets and the local run (`pipegen.mk`, included by
the project's own Makefile), Compose services, CI steps — plus the spec's JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget, Shared
from pipegen.render.env import render, static
from pipegen.safe import Ident, trusted
from pipegen.spec.rulekinds import rules_json
from pipegen.spec.schema import spec_schema
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
        context = {
            "version": trusted(ctx.version),
            "pipeline": ctx.plan.names.pipeline,
            "requirements": _requirements(shared),
            "variables": [_env_row(v) for v in shared.env],
            "targets": [_target_row(t) for t in _make_targets(shared)],
        }
        files = {
            "requirements.txt": render("project/requirements.txt.j2", context),
            ".env.example": render("project/env.example.j2", context),
            "pipegen.mk": render("project/pipegen.mk.j2", context),
            "pipegen.schema.json": json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        }
        if shared.python_modules:  # the families' runnable code lives in the `pipeline` package
            files["pipeline/__init__.py"] = render(
                "project/pipeline_init.py.j2", {**context, "run": bool(shared.run_steps)}
            )
        for module in shared.runtime:  # shared runtime modules: one copy, whichever families import them
            made = RUNTIME_DATA.get(module)
            files[f"pipeline/{module}"] = made() if made else static(f"runtime/{module}")
        if shared.run_steps:
            files["pipeline/run.py"] = render("project/run.py.j2", {**context, **_run_context(shared)})
        if shared.compose_services:
            files["compose.yaml"] = render("project/compose.yaml.j2", {"services": list(shared.compose_services)})
        files[".github/workflows/pipegen.yml"] = render("project/ci.yml.j2", _ci_context(ctx, shared))
        return files


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
        "install_pipegen": f"pip install pipegen-cli=={ctx.version}",
        "install": " ".join(["pip install -r requirements.txt", *(f"-r {r}" for r in extra)]),
        "steps": steps,
    }


RUN_REQUIREMENTS = ("rich==15.0.0",)  # pipeline/run.py prints its summary with rich


def _requirements(shared: Shared) -> list[str]:
    """The families' pins, plus what this family's own run.py needs when there is a run."""
    own = [r for r in RUN_REQUIREMENTS if shared.run_steps and r.split("==")[0] not in
           {p.split("==")[0] for p in shared.requirements}]  # fmt: skip
    return sorted([*shared.requirements, *own], key=str.lower)


def _run_context(shared: Shared) -> dict[str, Any]:
    steps = [{"name": s.name, "help": s.help, "command": list(s.command)} for s in shared.run_steps]
    return {
        "steps": steps,
        "step_names": trusted(", ".join(s.name for s in shared.run_steps)),
        "metrics": "metrics.py" in shared.runtime,  # the run's metrics (pipeline/metrics.py), when a family asks
    }


def _env_row(var: EnvVar) -> dict[str, Any]:
    return {"name": var.name, "uses": list(var.uses), "secret": var.secret, "default": var.default}


def _make_targets(shared: Shared) -> list[MakeTarget]:
    """The families' targets, plus `run` (every local-run step in order) when there are steps."""
    targets = list(shared.make_targets)
    if shared.run_steps and all(t.name != "run" for t in targets):
        recipe = (("$(PROJECT_PYTHON)", "-m", "pipeline.run"),)
        targets.append(MakeTarget("run", "run the pipeline locally: " + ", ".join(s.name for s in shared.run_steps),
                                  recipe))  # fmt: skip
    return sorted(targets, key=lambda t: t.name)


def _target_row(target: MakeTarget) -> dict[str, Any]:
    return {"name": Ident(target.name), "help": target.help, "deps": [Ident(d) for d in target.deps],
            "recipe": [list(line) for line in target.recipe]}  # fmt: skip


GENERATOR = ProjectGenerator()
