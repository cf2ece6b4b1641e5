"""Airflow family: one Airflow 3 DAG per pipeline (`dags/<pipeline>.py`, `airflow.sdk` only),
generated from the plan's task plan (generators/orchestration.py): the local run's steps in
order, ingestion split into a task group per batch source, then a `publish` task that
collects the steps' summaries and updates the pipeline's asset. Schedule with data
intervals, retries with exponential backoff and a cap, a DeadlineAlert for a freshness SLA
(callback in `plugins/`), and the project's own DagBag test.

Airflow is not in the project's requirements.txt (the local run does not need it): it is in
`requirements-airflow.txt`, which includes requirements.txt, since the DAG's tasks import the
project's step modules in the task process (they resolve together; see
requirements/judges/airflow.txt)."""

from __future__ import annotations

from typing import Any

from pipegen.common.notifications import RUNTIME_MODULE as NOTIFY_MODULE
from pipegen.common.orchestration import (
    airflow_bindings,
    channels,
    dbt_target,
    description_chunks,
    docstring_lines,
    environment_schedules,
    notification_env,
    run_outline,
    run_policy,
    task_plan,
    upstreams,
)
from pipegen.generators.base import CiStep, Contribution, EnvVar, Files, GenContext, MakeTarget
from pipegen.render.env import render, static
from pipegen.safe import trusted
from pipegen.spec.model.enums import MetricsPublish
from pipegen.spec.types import format_duration

# The production install of the orchestrator (requirements-airflow.txt): the judge env's pins.
AIRFLOW_REQUIREMENTS = (
    "apache-airflow==3.3.2",
    "apache-airflow-core==3.3.2",
    "apache-airflow-task-sdk==1.3.2",
    "apache-airflow-providers-standard==1.21.0",
    "pytest==9.2.0",
)
# Local defaults (.env.example); `make` targets pass the same values.
AIRFLOW_ENV = (
    ("AIRFLOW_HOME", ".airflow", "Airflow (local): metadata DB, logs and config"),
    ("AIRFLOW__CORE__DAGS_FOLDER", "dags", "Airflow (local): where the DAG is"),
    ("AIRFLOW__CORE__PLUGINS_FOLDER", "plugins", "Airflow (local): the deadline callback"),
    ("AIRFLOW__CORE__LOAD_EXAMPLES", "false", "Airflow (local): no example DAGs"),
)


def _airflow_argv(*argv: str) -> tuple[str, ...]:
    return (
        "env",
        "AIRFLOW_HOME=$(CURDIR)/.airflow",
        "AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags",
        "AIRFLOW__CORE__PLUGINS_FOLDER=$(CURDIR)/plugins",
        "AIRFLOW__CORE__LOAD_EXAMPLES=false",
        "$(PROJECT_PYTHON)",
        *argv,
    )


class AirflowGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        dag_id = str(ctx.plan.names.pipeline)
        return Contribution(
            env=(
                *(EnvVar(name, (uses,), default=default) for name, default, uses in AIRFLOW_ENV),
                *notification_env(ctx),
            ),
            runtime=(NOTIFY_MODULE,),
            ci_steps=(
                CiStep(
                    "Airflow DAG import test", "python -m pytest -q tests/test_dags.py", ("requirements-airflow.txt",)
                ),
            ),
            make_targets=(
                MakeTarget(
                    "airflow-install",
                    "install Airflow and the project's requirements (requirements-airflow.txt)",
                    (("$(PROJECT_PYTHON)", "-m", "pip", "install", "-r", "requirements-airflow.txt"),),
                ),
                MakeTarget(
                    "dag-check",
                    "parse the DAG with Airflow's DagBag: no import errors, no warnings",
                    (_airflow_argv("-m", "pytest", "-q", "tests/test_dags.py"),),
                ),
                MakeTarget(
                    "dag-test",
                    "run the DAG once, locally (dag.test: a throwaway run on the local warehouse)",
                    (
                        _airflow_argv("-m", "airflow", "db", "migrate"),
                        _airflow_argv("-m", "airflow", "dags", "test", dag_id, "--conf", '{"local": true}'),
                    ),
                ),
            ),
        )

    def render(self, ctx: GenContext) -> Files:
        context = dag_context(ctx)
        name = str(ctx.plan.names.pipeline)
        return {
            f"dags/{name}.py": render("airflow/dag.py.j2", context),
            "plugins/pipegen_callbacks.py": static("airflow/pipegen_callbacks.py"),
            "tests/test_dags.py": static("airflow/test_dags.py"),
            "requirements-airflow.txt": render("airflow/requirements-airflow.txt.j2", {"pins": AIRFLOW_REQUIREMENTS}),
            "docs/orchestration.md": render("airflow/orchestration.md.j2", context),
        }


def dag_context(ctx: GenContext) -> dict[str, Any]:
    spec, names = ctx.spec, ctx.plan.names
    policy = run_policy(spec)
    plan = task_plan(ctx)
    layers = plan.layers()
    bindings = airflow_bindings(spec)
    schedules = environment_schedules(spec, policy)
    return {
        "version": trusted(ctx.version),
        "pipeline": names.pipeline,
        "description_chunks": description_chunks(spec),
        "sdk_imports": [trusted(n) for n in sdk_imports(plan.sources != (), policy.freshness_sla is not None)],
        "bindings": bindings,
        "secret_fields": True,
        "on_failure": channels(spec, "failure"),
        "on_success": channels(spec, "success"),
        "lineage": spec.monitoring.lineage.enabled,  # the lineage family's pipeline/lineage.py
        "metrics": "metrics.py" in ctx.shared.runtime,  # the monitoring family's pipeline/metrics.py
        "metrics_push": spec.monitoring.publish == MetricsPublish.PUSHGATEWAY,
        "smtp_host": names.env.smtp.host,  # docs: where an email channel's server is named
        "upstreams": upstreams(spec),
        "first": list(layers[0]) if layers else [],
        "owner": spec.pipeline.owner or "data",
        "tags": list(spec.pipeline.tags),
        "policy": policy,
        # deploy.environments' own schedules: the DAG picks the one PIPEGEN_ENVIRONMENT names
        "env_schedules": schedules,
        "unscheduled": any(s.schedule is None for s in schedules),
        "environment_variable": trusted(names.env.environment),
        "schedule_comment": trusted(""),
        "catchup": trusted(str(policy.catchup)),
        "retry_delay_text": trusted(format_duration(policy.retry_delay)),
        "max_retry_delay_text": trusted(format_duration(policy.max_retry_delay)),
        "sla_text": trusted(format_duration(policy.freshness_sla)) if policy.freshness_sla else None,
        "dbt_target": dbt_target(ctx),
        "asset": f"pipegen://{names.pipeline}/published",
        "plan": plan,
        "sequence": list(plan.names()),
        "edges": [list(e) for e in plan.edges()],
        "last": list(layers[-1]) if layers else [],
        "outline": trusted(outline(ctx)),
        "outline_lines": docstring_lines("Runs: " + outline(ctx) + "."),
    }


def sdk_imports(groups: bool, deadline: bool) -> list[str]:
    """What the DAG imports from airflow.sdk, in isort's order (classes, then functions)."""
    names = ["Asset", "Connection", "CronDataIntervalTimetable", "Param", "Variable", "dag", "get_current_context"]
    names += ["task"]
    names += ["task_group"] if groups else []
    names += ["AsyncCallback", "DeadlineAlert", "DeadlineReference"] if deadline else []
    return sorted(names, key=lambda n: (not n[0].isupper(), n))


def outline(ctx: GenContext) -> str:
    """One line: what runs, in order (for the DAG's docstring and the docs)."""
    return run_outline(task_plan(ctx), "a task group per source", "publish")


GENERATOR = AirflowGenerator()
