"""The orchestrator families without running the orchestrators: the run policy and the task
plan are pure functions of the spec, the plan and the local run's steps; the generated code
uses no removed Airflow 2 API or Prefect 2 idiom; the orchestrator is not in the local run's
requirements."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pipegen.common.orchestration import (
    CADENCES,
    airflow_bindings,
    channels,
    derived_schedule,
    prefect_bindings,
    run_policy,
    task_plan,
    upstreams,
)
from pipegen.generators.base import RunStep
from pipegen.plan.plan import make_plan
from pipegen.spec.model import Orchestration, Orchestrator, Spec
from tests.families.expected_orchestration import EXPECTED
from tests.families.orchestration import STAND_INS, orchestrated, render_with

AIRFLOW_SPECS = orchestrated(Orchestrator.AIRFLOW)
PREFECT_SPECS = orchestrated(Orchestrator.PREFECT)
ALL = [(f"{name}-{o}", spec, plan) for o, specs in (("airflow", AIRFLOW_SPECS), ("prefect", PREFECT_SPECS))
       for name, spec, plan in specs]  # fmt: skip

# Removed or deprecated in Airflow 3 / Prefect 3 (../shared/CURRENCY.md sections 1 and 2).
FORBIDDEN = {
    "schedule_interval": re.compile(r"\bschedule_interval\b"),
    "days_ago": re.compile(r"\bdays_ago\b"),
    "airflow.operators.": re.compile(r"\bairflow\.operators\."),
    "airflow.decorators": re.compile(r"\bairflow\.decorators\b"),
    "airflow.utils.task_group": re.compile(r"\bairflow\.utils\.task_group\b"),
    "airflow.datasets": re.compile(r"\bairflow\.datasets\b"),
    "sla=": re.compile(r"\bsla\s*="),
    "sla_miss_callback": re.compile(r"\bsla_miss_callback\b"),
    "provide_context": re.compile(r"\bprovide_context\b"),
    "execution_date": re.compile(r"\bexecution_date\b"),
    "retry_exponential_backoff=True": re.compile(r"retry_exponential_backoff\W+True"),
    "Deployment.build_from_flow": re.compile(r"\bbuild_from_flow\b"),
    "prefect.deployments.Deployment": re.compile(r"\bprefect\.deployments\s+import\s+Deployment\b"),
    "prefect.agent": re.compile(r"\bprefect\.agent\b"),
    "cache_key_fn": re.compile(r"\bcache_key_fn\b"),
}


def lint(text: str) -> list[str]:
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]


def test_the_lint_catches_each_removed_api() -> None:
    samples = [
        "dag = DAG('x', schedule_interval='@daily')",
        "from airflow.utils.dates import days_ago",
        "from airflow.operators.python import PythonOperator",
        "from airflow.decorators import dag, task",
        "@task(sla=timedelta(hours=1))",
        "from prefect.deployments import Deployment\nDeployment.build_from_flow(flow=f, name='x')",
        "from prefect.agent import OrionAgent",
    ]
    assert [lint(s) for s in samples] == [
        ["schedule_interval"],
        ["days_ago"],
        ["airflow.operators."],
        ["airflow.decorators"],
        ["sla="],
        ["Deployment.build_from_flow", "prefect.deployments.Deployment"],
        ["prefect.agent"],
    ]


@pytest.mark.parametrize(("name", "spec", "plan"), ALL, ids=[a[0] for a in ALL])
def test_generated_python_parses_and_uses_no_removed_api(name: str, spec: object, plan: object) -> None:
    files, _ = render_with(spec, plan, STAND_INS)  # type: ignore[arg-type]
    python = {p: t for p, t in files.items() if p.startswith(("dags/", "flows/", "plugins/")) and p.endswith(".py")}
    assert python, f"{name}: no DAG or flow generated"
    for path, text in python.items():
        ast.parse(text, filename=path)
        assert lint(text) == [], f"{name}: {path} uses {lint(text)}"


@pytest.mark.parametrize(("name", "spec", "plan"), ALL, ids=[a[0] for a in ALL])
def test_the_orchestrator_stays_out_of_the_local_run_requirements(name: str, spec: object, plan: object) -> None:
    files, _ = render_with(spec, plan)  # type: ignore[arg-type]
    local = files["requirements.txt"]
    assert "airflow" not in local and "prefect" not in local
    extra = files.get("requirements-airflow.txt") or files["requirements-prefect.txt"]
    assert extra.splitlines()[4] == "-r requirements.txt"  # the steps run in the orchestrator's process


def test_the_schedule_is_the_specs_else_the_longest_cadence_within_the_latency() -> None:
    _, spec, _ = next(s for s in AIRFLOW_SPECS if s[0] == "hello")
    assert run_policy(spec).schedule == "0 * * * *"  # latency 1h
    assert run_policy(spec).schedule_origin == "latency 1h"
    pinned = spec.model_copy(update={"pipeline": spec.pipeline.model_copy(update={"schedule": "5 4 * * *"})})
    assert (run_policy(pinned).schedule, run_policy(pinned).schedule_origin) == ("5 4 * * *", "pipeline.schedule")
    assert derived_schedule(6 * 3600) == "0 */6 * * *"
    assert derived_schedule(5 * 3600) == "0 */3 * * *"  # 6h would leave data older than 5h
    assert derived_schedule(86400) == "0 0 * * *"
    assert derived_schedule(60) == CADENCES[0][1]  # below five minutes: the shortest cadence
    assert derived_schedule(30 * 86400) == "0 0 * * 1"


def test_retry_delays_grow_by_the_backoff_and_stop_at_the_cap() -> None:
    _, spec, _ = AIRFLOW_SPECS[0]
    policy = run_policy(spec)  # the spec's orchestration defaults: 2 retries after 5m, doubling, cap 30m
    assert (policy.retries, policy.retry_delay, policy.backoff, policy.max_retry_delay) == (2, 300.0, 2.0, 1800.0)
    assert policy.retry_delays() == (300.0, 600.0)
    steep = type(policy)(**{**policy.__dict__, "retries": 6, "retry_delay": 60.0, "backoff": 3.0})
    assert steep.retry_delays() == (60.0, 180.0, 540.0, 1620.0, 1800.0, 1800.0)
    assert (policy.catchup, policy.max_active_runs) == (False, 1)
    custom = spec.model_copy(update={"orchestration": spec.orchestration.model_copy(
        update={"retries": 5, "retry_delay": 30.0, "exponential_backoff": False, "execution_timeout": 600.0,
                "catchup": True, "max_active_runs": 3})})  # fmt: skip
    p = run_policy(custom)
    assert (p.retries, p.retry_delay, p.backoff, p.execution_timeout, p.catchup, p.max_active_runs) == (
        5, 30.0, 1.0, 600.0, True, 3)  # fmt: skip
    assert p.retry_delays() == (30.0,) * 5  # no backoff: a constant delay


def test_the_task_plan_is_the_local_runs_steps_with_ingestion_split_per_batch_source() -> None:
    _, spec, plan = next(s for s in AIRFLOW_SPECS if s[0] == "saas_elt")
    _, ctx = render_with(spec, plan, STAND_INS)
    tasks = task_plan(ctx)
    assert [s.name for s in tasks.before] == ["synthesize"]
    assert [s.source for s in tasks.sources] == [spec.sources[i].name for i in plan.graph.batch_sources]
    assert [s.task for s in tasks.sources] == [f"ingest_{plan.names.source_key(s.source)}" for s in tasks.sources]
    assert [s.name for s in tasks.after] == ["transform", "quality"]
    assert [str(s.module) for s in tasks.steps] == ["pipeline.synthesize", "pipeline.transform", "pipeline.quality"]
    groups = tuple(s.task for s in tasks.sources)
    assert tasks.layers() == (("synthesize",), groups, ("transform",), ("quality",))
    assert set(tasks.edges()) == {("synthesize", g) for g in groups} | {(g, "transform") for g in groups} | {
        ("transform", "quality")
    }


def test_a_step_whose_family_is_not_generated_is_not_orchestrated() -> None:
    _, spec, plan = next(s for s in AIRFLOW_SPECS if s[0] == "hello")
    files, ctx = render_with(spec, plan)  # every family of hello's plan is generated now
    tasks = task_plan(ctx)
    assert [s.name for s in tasks.before] == ["synthesize"]
    assert [s.name for s in tasks.after] == ["transform", "quality"]
    dag = files["dags/hello.py"]
    assert "pipeline.ingest" in dag and "pipeline.quality" in dag
    # without the gx family (no quality step contributed) no quality task is orchestrated
    steps = tuple(s for s in ctx.shared.run_steps if s.name != "quality")
    after = task_plan(replace(ctx, shared=replace(ctx.shared, run_steps=steps))).after
    assert [s.name for s in after] == ["transform"]


def test_a_freshness_sla_becomes_a_deadline_alert_with_its_callback_in_plugins() -> None:
    _, spec, plan = next(s for s in AIRFLOW_SPECS if s[0] == "saas_elt")  # freshness_sla: 12h
    files, _ = render_with(spec, plan)
    dag = files["dags/saas_elt.py"]
    assert "deadline=DeadlineAlert(" in dag and "interval=timedelta(seconds=43200.0)" in dag
    assert '"pipegen_callbacks.notify_late"' in dag
    assert "async def notify_late(" in files["plugins/pipegen_callbacks.py"]
    _, spec, plan = next(s for s in AIRFLOW_SPECS if s[0] == "hello")  # no SLA
    assert "DeadlineAlert" not in render_with(spec, plan)[0]["dags/hello.py"]


@pytest.mark.parametrize("stand_ins", [(), STAND_INS], ids=["generated-steps", "with-ingest-and-quality"])
def test_generated_python_is_lint_and_format_clean(tmp_path: Path, stand_ins: tuple[RunStep, ...]) -> None:
    """Every DAG, flow, plugin and project test passes the repo's ruff rules and ruff format
    (no unused import or undefined name, 120 columns), whichever steps exist."""
    written = 0
    for name, spec, plan in ALL:
        files, _ = render_with(spec, plan, stand_ins)
        for path, text in files.items():
            if path.endswith(".py") and path.startswith(("dags/", "flows/", "plugins/", "tests/test_dags")):
                target = tmp_path / name / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                written += 1
    assert written >= 2 * len(EXPECTED), "too few DAGs and flows to lint"  # a DAG and a flow per batch example
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this interpreter (run via scripts/test.sh)")
    config = ["--config", str(Path(__file__).parents[2] / "pyproject.toml")]
    # a DAG or flow function declares one task per step and per source and wires them: its statement
    # count grows with the spec (iceberg_lakehouse under Airflow: 52), so pylint's 50-statement limit
    # for hand-written functions (PLR0915) is not held against it; every other rule is
    check = ["check", "--ignore", "PLR0915", *config]
    for command in (check, ["format", "--check", "--diff", *config]):
        done = subprocess.run([str(ruff), *command, str(tmp_path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_the_airflow_project_test_and_callback_are_verbatim_template_copies() -> None:
    """They are the same for every spec (kept out of the golden trees for that reason)."""
    templates = Path(__file__).parents[2] / "templates" / "airflow"
    assert {name for name, _, _ in AIRFLOW_SPECS} == set(EXPECTED)
    for _name, spec, plan in AIRFLOW_SPECS:
        files, _ = render_with(spec, plan)
        assert files["tests/test_dags.py"] == (templates / "test_dags.py").read_text()
        assert files["plugins/pipegen_callbacks.py"] == (templates / "pipegen_callbacks.py").read_text()


# Every orchestration setting at once (depends_on with a task, every notification type, secrets).
FULL = {
    "depends_on": [{"pipeline": "user_data_etl", "task": "load"}, {"pipeline": "Billing-ETL", "timeout": "2h"}],
    "on_failure": [
        {"type": "email", "to": ["a@example.com", "b@example.com"]},
        {"type": "pagerduty", "routing_key": "${secret:PD_KEY}"},
        {"type": "teams", "webhook": "${secret:TEAMS_HOOK}"},
    ],
    "on_success": [{"type": "slack", "channel": "#runs", "webhook": "${secret:SLACK_HOOK}"}],
}


def full_spec(orchestrator: Orchestrator) -> Spec:
    _, spec, _ = next(s for s in AIRFLOW_SPECS if s[0] == "hello")
    update = {"orchestrator": orchestrator, "orchestration": Orchestration.model_validate(FULL)}
    return spec.model_copy(update=update)


def test_secrets_are_bound_by_id_connection_fields_to_connections_the_rest_to_variables() -> None:
    spec = full_spec(Orchestrator.AIRFLOW)
    assert [(b.env, b.store, b.id, b.field) for b in airflow_bindings(spec)] == [
        ("PD_KEY", "variable", "PD_KEY", ""),
        ("SHOP_DB_HOST", "connection", "shop", "host"),
        ("SHOP_DB_PASSWORD", "connection", "shop", "password"),
        ("SLACK_HOOK", "variable", "SLACK_HOOK", ""),
        ("TEAMS_HOOK", "variable", "TEAMS_HOOK", ""),
    ]
    assert [(b.env, b.store, b.id) for b in prefect_bindings(spec)] == [
        ("PD_KEY", "secret_block", "pd-key"),
        ("SHOP_DB_HOST", "variable", "shop_db_host"),  # ${env:...}: a setting, not a secret
        ("SHOP_DB_PASSWORD", "secret_block", "shop-db-password"),
        ("SLACK_HOOK", "secret_block", "slack-hook"),
        ("TEAMS_HOOK", "secret_block", "teams-hook"),
    ]
    assert airflow_bindings(spec)[1].used_at == "sources[0].connection.host"


def test_notifications_and_upstreams_come_from_the_spec() -> None:
    spec = full_spec(Orchestrator.AIRFLOW)
    assert [(c.type, c.to, c.url_env, c.key_env) for c in channels(spec, "failure")] == [
        ("email", ("a@example.com", "b@example.com"), "", ""),
        ("pagerduty", (), "", "PD_KEY"),
        ("teams", (), "TEAMS_HOOK", ""),
    ]
    assert [(c.type, c.channel, c.url_env) for c in channels(spec, "success")] == [("slack", "#runs", "SLACK_HOOK")]
    assert [(u.pipeline, u.task, u.sensor, u.timeout, u.poke_interval) for u in upstreams(spec)] == [
        ("user_data_etl", "load", "wait_for_user_data_etl", 3600.0, 300.0),
        ("Billing-ETL", None, "wait_for_billing_etl", 7200.0, 300.0),
    ]


@pytest.mark.parametrize("orchestrator", [Orchestrator.AIRFLOW, Orchestrator.PREFECT])
def test_every_orchestration_setting_renders_lint_clean_with_no_secret_value(
    tmp_path: Path, orchestrator: Orchestrator
) -> None:
    spec = full_spec(orchestrator)
    files, _ = render_with(spec, make_plan(spec))
    python = {
        p: t for p, t in files.items() if p.startswith(("dags/", "flows/", "pipeline/notify")) and p.endswith(".py")
    }
    for path, text in python.items():
        ast.parse(text, filename=path)
        assert lint(text) == [], path
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    code = files["dags/hello.py"] if orchestrator == Orchestrator.AIRFLOW else files["flows/hello.py"]
    assert '"key_env": "PD_KEY"' in code and '"to": ["a@example.com", "b@example.com"]' in code
    assert ("UpstreamSensor(" in code) == (orchestrator == Orchestrator.AIRFLOW)
    assert ('("Billing-ETL", 7200.0, 300.0)' in code) == (orchestrator == Orchestrator.PREFECT)
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this interpreter (run via scripts/test.sh)")
    config = ["--config", str(Path(__file__).parents[2] / "pyproject.toml")]
    # a DAG or flow function declares one task per step and per source and wires them: its statement
    # count grows with the spec (iceberg_lakehouse under Airflow: 52), so pylint's 50-statement limit
    # for hand-written functions (PLR0915) is not held against it; every other rule is
    check = ["check", "--ignore", "PLR0915", *config]
    for command in (check, ["format", "--check", "--diff", *config]):
        done = subprocess.run([str(ruff), *command, str(tmp_path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
