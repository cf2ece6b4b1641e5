"""Prefect family: one Prefect 3 flow per pipeline (`flows/<pipeline>.py`) generated from the
plan's task plan (generators/orchestration.py): the local run's steps in order, a task run
per batch source submitted in parallel (cached per source and schedule window), retries with
exponential delays, a Markdown artifact with the run summary, and `prefect.yaml` with the
deployment and its schedule.

Prefect is not in the project's requirements.txt (the local run does not need it): it is in
`requirements-prefect.txt`, which includes requirements.txt, since the flow's tasks import
the project's step modules in the flow's process (they resolve together; see
requirements/judges/prefect.txt)."""

from __future__ import annotations

from typing import Any

from pipegen.common.notifications import RUNTIME_MODULE as NOTIFY_MODULE
from pipegen.common.orchestration import (
    RunPolicy,
    channels,
    dbt_target,
    description_chunks,
    docstring_lines,
    environment_schedules,
    notification_env,
    prefect_bindings,
    run_outline,
    run_policy,
    task_plan,
    upstreams,
)
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget
from pipegen.render.env import render, static
from pipegen.render.filters import number
from pipegen.safe import trusted
from pipegen.spec.types import format_duration

PREFECT_REQUIREMENTS = ("prefect==3.8.8", "fastapi==0.149.0")  # fastapi: see requirements/judges/prefect.txt
PREFECT_ENV = (
    ("PREFECT_HOME", ".prefect", "Prefect (local): profiles, the temporary server's database, results"),
    ("PREFECT_SERVER_ANALYTICS_ENABLED", "false", "Prefect: no usage analytics over the network"),
)
# How long an extraction's cached result is kept: the key already holds the scheduled start,
# so this only bounds storage; a retried flow run of a window comes well within a day.
CACHE_SECONDS = 86400.0


def retry_delays_expr(policy: RunPolicy) -> str:
    """Python for Prefect's retry_delay_seconds: `exponential_backoff(...)` when it yields
    exactly the policy's delays (doubling, under the cap), else the explicit list."""
    delays = policy.retry_delays()
    if policy.backoff == 2.0 and all(d == policy.retry_delay * 2**n for n, d in enumerate(delays)):
        return f"exponential_backoff(backoff_factor={number(policy.retry_delay)})"
    return "[" + ", ".join(number(d) for d in delays) + "]"


def retries_text(policy: RunPolicy) -> str:
    """The retry policy in words, for the flow's docstring and docs/orchestration.md. With no
    retries the delay, its backoff and its cap are stated as what a retry would wait: the spec's
    `retry_delay` holds until `retries` is raised (Prefect's list of delays is empty then)."""
    cap = format_duration(policy.max_retry_delay)
    if not policy.retries:
        doubling = ", doubling" if policy.backoff > 1 else ""
        return (
            f"0: a failed task is not retried (with retries, the first waits "
            f"{format_duration(policy.retry_delay)}{doubling}, at most {cap})"
        )
    delays = ", ".join(number(d) for d in policy.retry_delays())
    how = "exponential backoff" if policy.backoff > 1 else "a fixed delay"
    return f"{policy.retries}, waiting {delays} seconds ({how}, at most {cap})"


def _prefect_argv(*argv: str) -> tuple[str, ...]:
    return (
        "env",
        "PREFECT_HOME=$(CURDIR)/.prefect",
        "PREFECT_SERVER_ANALYTICS_ENABLED=false",
        "$(PROJECT_PYTHON)",
        *argv,
    )


class PrefectGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        flow_file = f"flows/{ctx.plan.names.pipeline}.py"
        return Contribution(
            env=(
                *(EnvVar(name, (uses,), default=default) for name, default, uses in PREFECT_ENV),
                *notification_env(ctx),
            ),
            runtime=(NOTIFY_MODULE,),
            make_targets=(
                MakeTarget(
                    "prefect-install",
                    "install Prefect and the project's requirements (requirements-prefect.txt)",
                    (("$(PROJECT_PYTHON)", "-m", "pip", "install", "-r", "requirements-prefect.txt"),),
                ),
                MakeTarget(
                    "prefect-run",
                    "run the flow once, locally (local stand-ins, local warehouse)",
                    (_prefect_argv(flow_file),),
                ),
                MakeTarget(
                    "flow-check",
                    "import the flow and load prefect.yaml's deployments with Prefect (tests/test_flows.py)",
                    (_prefect_argv("-m", "pytest", "-q", "tests/test_flows.py"),),
                ),
                deploy_target(ctx),
            ),
        )

    def render(self, ctx: GenContext) -> Files:
        context = flow_context(ctx)
        name = str(ctx.plan.names.pipeline)
        return {
            f"flows/{name}.py": render("prefect/flow.py.j2", context),
            "prefect.yaml": render("prefect/prefect.yaml.j2", context),
            "tests/test_flows.py": static("prefect/test_flows.py"),
            "requirements-prefect.txt": render("prefect/requirements-prefect.txt.j2", {"pins": PREFECT_REQUIREMENTS}),
            "docs/orchestration.md": render("prefect/orchestration.md.j2", context),
        }


def deploy_target(ctx: GenContext) -> MakeTarget:
    """`make prefect-deploy`: the one deployment of prefect.yaml, or, where the spec names environments, the
    deployment of the environment PIPEGEN_ENVIRONMENT names (each environment's to its own Prefect API: with
    one server for all, each environment's workers would run the others' runs too)."""
    if not ctx.spec.deploy.environments:
        return MakeTarget(
            "prefect-deploy",
            "create or update the deployment of prefect.yaml",
            (_prefect_argv("-m", "prefect", "deploy", "--all"),),
        )
    variable = str(ctx.plan.names.env.environment)
    return MakeTarget(
        "prefect-deploy",
        f"create or update one environment's deployment of prefect.yaml ({variable}=ENV: its deployment, "
        "on that environment's Prefect API)",
        (_prefect_argv("-m", "prefect", "--no-prompt", "deploy"),),
        options=((variable, "--name"),),
    )


def deployment(ctx: GenContext, policy: RunPolicy) -> dict[str, Any]:
    """prefect.yaml: the project, and its deployments (only names and validated crons reach it: Prefect
    renders `{{ }}` in this file): one with the schedule, or one per environment of `deploy.environments`
    (`deployments`)."""
    name = str(ctx.plan.names.pipeline)
    return {
        "name": name,
        "prefect-version": PREFECT_REQUIREMENTS[0].split("==")[1],
        "deployments": deployments(ctx, policy),
    }


def deployments(ctx: GenContext, policy: RunPolicy) -> list[dict[str, Any]]:
    """prefect.yaml's deployments: the pipeline's one, on the policy's schedule; where the spec names
    environments, one per environment instead (named after it), each on its environment's schedule (an
    inactive schedule where it is `none`: a redeploy replaces the schedules, an empty list would keep them)
    and with `PIPEGEN_ENVIRONMENT` naming it in its flow runs' environment (the work pool's job variables)."""
    names = ctx.plan.names
    flow = str(names.pipeline)
    found = environment_schedules(ctx.spec, policy, every=True) or (None,)
    out = []
    for env in found:
        cron, active = (policy.schedule, True) if env is None else (env.schedule or policy.schedule, bool(env.schedule))
        pool: dict[str, Any] = {"name": str(names.prefect_work_pool)}
        if env is not None:
            pool["job_variables"] = {"env": {str(names.env.environment): env.environment}}
        out.append({
            "name": str(names.prefect_deployment(env.environment if env else None)),
            "entrypoint": f"flows/{flow}.py:{flow}",
            "parameters": {"local": False},
            "schedules": [{"cron": cron, "timezone": "UTC", "active": active}],
            "concurrency_limit": policy.max_active_runs,
            "work_pool": pool,
        })  # fmt: skip
    return out


def flow_context(ctx: GenContext) -> dict[str, Any]:
    spec, names = ctx.spec, ctx.plan.names
    policy = run_policy(spec)
    plan = task_plan(ctx)
    schedules = environment_schedules(spec, policy)
    return {
        "version": trusted(ctx.version),
        "pipeline": names.pipeline,
        "description_chunks": description_chunks(spec),
        "policy": policy,
        # deploy.environments' own schedules: the flow's window follows the one PIPEGEN_ENVIRONMENT names
        "env_schedules": schedules,
        "unscheduled": any(s.schedule is None for s in schedules),
        "environment_variable": trusted(names.env.environment),
        "schedule_comment": trusted("  # prefect.yaml's cron: a scheduled run loads the interval ending now"),
        "deployments": [
            (names.prefect_deployment(s.environment), s) for s in environment_schedules(spec, policy, every=True)
        ],
        "plan": plan,
        "bindings": prefect_bindings(spec),
        "secret_fields": False,
        "on_failure": channels(spec, "failure"),
        "on_success": channels(spec, "success"),
        "lineage": spec.monitoring.lineage.enabled,  # the lineage family's pipeline/lineage.py
        "metrics": "metrics.py" in ctx.shared.runtime,  # the monitoring family's pipeline/metrics.py
        "smtp_host": names.env.smtp.host,  # docs: where an email channel's server is named
        "upstreams": upstreams(spec),
        "retry_delays": trusted(retry_delays_expr(policy)),
        "uses_backoff": "exponential_backoff" in retry_delays_expr(policy),
        "retries_text": trusted(retries_text(policy)),
        "sla_text": trusted(format_duration(policy.freshness_sla)) if policy.freshness_sla else None,
        "timeout_text": trusted(format_duration(policy.execution_timeout)) if policy.execution_timeout else None,
        "cache_seconds": CACHE_SECONDS,
        "cache_text": trusted("kept " + format_duration(CACHE_SECONDS)),
        "dbt_target": dbt_target(ctx),
        "artifact_key": names.run_summary_artifact,
        "work_pool": names.prefect_work_pool,
        "document": deployment(ctx, policy),
        "outline": trusted(outline(ctx)),
        "outline_lines": docstring_lines("Runs: " + outline(ctx) + "."),
    }


def outline(ctx: GenContext) -> str:
    """One line: what runs, in order (for the flow's docstring and the docs)."""
    return run_outline(task_plan(ctx), "the sources in parallel", "run-summary artifact")


GENERATOR = PrefectGenerator()
