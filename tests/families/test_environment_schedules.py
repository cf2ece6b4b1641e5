"""R508 against the orchestrators themselves: every cron expression of the spec's syntax (types.check_cron)
that spec/cron.py passes, Airflow 3.3 (the DAG's CronDataIntervalTimetable) and Prefect 3.8 (a deployment's
CronSchedule) take and find runs for; every one it refuses, the orchestrator refuses or never runs. Also, without
the orchestrators: what the orchestrator families write for `deploy.environments.<env>.schedule` (the DAG's
mapping, prefect.yaml's deployments, `make prefect-deploy`, compose's worker); the judges that load them are
tests/families/test_airflow_dags.py, test_prefect_flows.py and tests/judges/test_kubernetes_family.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.spec.cron import cron_problem
from pipegen.spec.types import check_cron
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("cron_driver.py")
# of the spec's syntax, each field's edges and beyond, steps, names, wrapping ranges, impossible days
EXPRESSIONS = (
    "59 23 31 12 7", "60 * * * *", "61 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 0 *",
    "0 0 * 13 *", "0 0 * * 8", "0 0 * * 0-7", "0 0 * * 7-1", "0 0 * * 0007", "00 00 * * *", "*/0 * * * *",
    "0 0 1-3/0 * *", "*/60 * * * *", "0 0 1-31/40 * *", "0 0 */31 * *", "0 0 1 */13 *", "0 0 * * */8",
    "5-1 * * * *", "0 23-1 * * *", "0 0 * 12-1 *", "1-5/2 * * * *", "5/15 * * * *", "0 0 * * 1/2",
    "foo * * * *", "mon * * * *", "0 0 * mon *", "0 0 * * jan", "0 0 * * abc-def", "0 0 * jan-mar *",
    "0 0 * Jan *", "0 0 * * SUN-SAT", "0 0 * * fri-mon", "0 0 29 2 *", "0 0 30 2 *", "0 0 31 2 *",
    "0 0 30 feb *", "0 0 31 4 *", "0 0 31 4,5 *", "0 0 31 2,4 *", "0 0 31 */2 *", "0 0 1,31 2 *",
    "0 0 30 2 1", "0 0 31 2 */7", "0 0 31 4,6 mon-fri", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
)  # fmt: skip


def verdicts(python: Path, tmp: Path, orchestrator: str) -> dict[str, str]:
    done = subprocess.run(
        [str(python), str(DRIVER), orchestrator], input=json.dumps(EXPRESSIONS), capture_output=True, text=True,
        timeout=600, check=False, env=offline_env(tmp / "home", AIRFLOW_HOME=str(tmp / "airflow")),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_every_expression_is_of_the_specs_syntax() -> None:
    for expression in EXPRESSIONS:
        assert check_cron(expression) == expression


@pytest.mark.judge
@pytest.mark.parametrize("orchestrator", ["airflow", "prefect"])
def test_r508_refuses_exactly_what_the_orchestrator_cannot_run(
    orchestrator: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    python: Path = request.getfixturevalue(f"{orchestrator}_python")
    found = verdicts(python, tmp_path, orchestrator)
    ours = {e: cron_problem(e, or_weekdays=orchestrator == "airflow") for e in EXPRESSIONS}
    disagree = {e: (found[e], ours[e]) for e in EXPRESSIONS if (found[e] == "ok") != (ours[e] is None)}
    assert disagree == {}
    # the judge can fail: both kinds of refusal are among the verdicts, and the orchestrators differ on one
    assert {v.split(":")[0] for v in found.values()} == {"ok", "invalid", "never"}
    assert (found["0 0 30 2 1"] == "ok") == (orchestrator == "airflow")


def render(tmp_path: Path, orchestrator: str, environments: dict[str, Any]) -> Path:
    from tests.conftest import SPECS, generate

    data = YAML(typ="safe").load((SPECS / "hello.yaml").read_text(encoding="utf-8"))
    data |= {"orchestrator": orchestrator, "deploy": {"environments": environments}}
    spec = tmp_path / "pipegen.yaml"
    YAML().dump(data, spec)
    code, output = generate(spec, tmp_path / "project")
    assert code == 0, output
    return tmp_path / "project"


ENVIRONMENTS = {"dev": {"schedule": "0 */6 * * *"}, "staging": {"schedule": "none"}, "prod": {}}


def test_the_dag_maps_each_environment_that_sets_a_schedule_and_falls_back_to_the_top_one(tmp_path: Path) -> None:
    dag = (render(tmp_path, "airflow", ENVIRONMENTS) / "dags" / "hello.py").read_text(encoding="utf-8")
    assert 'SCHEDULES: dict[str, str | None] = {\n    "dev": "0 */6 * * *",\n    "staging": None,\n}\n' in dag
    assert 'SCHEDULE = SCHEDULES.get(os.environ.get("PIPEGEN_ENVIRONMENT", ""), DEFAULT_SCHEDULE)' in dag
    assert 'DEFAULT_SCHEDULE = "0 * * * *"' in dag  # hello: latency 1h
    assert 'schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC") if SCHEDULE else None,' in dag


def test_a_dag_without_environment_schedules_keeps_its_one_schedule(tmp_path: Path) -> None:
    dag = (render(tmp_path, "airflow", {"prod": {}}) / "dags" / "hello.py").read_text(encoding="utf-8")
    assert 'SCHEDULE = "0 * * * *"\n' in dag and "SCHEDULES" not in dag and "DEFAULT_SCHEDULE" not in dag
    assert 'schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),' in dag


def test_prefect_gets_a_deployment_per_environment_and_deploys_them_one_environment_at_a_time(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, "prefect", ENVIRONMENTS)
    document = YAML(typ="safe").load((project / "prefect.yaml").read_text(encoding="utf-8"))
    got = {d["name"]: (d["schedules"], d["work_pool"]) for d in document["deployments"]}
    assert got == {
        env: ([{"cron": cron, "timezone": "UTC", "active": active}],
              {"name": "hello-pool", "job_variables": {"env": {"PIPEGEN_ENVIRONMENT": env}}})
        for env, cron, active in (("dev", "0 */6 * * *", True), ("staging", "0 * * * *", False),
                                  ("prod", "0 * * * *", True))
    }  # fmt: skip
    make = (project / "pipegen.mk").read_text(encoding="utf-8")
    assert "-m prefect --no-prompt deploy $(if $(PIPEGEN_ENVIRONMENT),--name $(PIPEGEN_ENVIRONMENT))" in make
    compose = (project / "compose.yaml").read_text(encoding="utf-8")
    assert "prefect --no-prompt deploy --name dev &&" in compose  # the local stack: the first environment's


def test_prefect_without_environments_keeps_its_one_deployment(tmp_path: Path) -> None:
    project = render(tmp_path, "prefect", {})
    document = YAML(typ="safe").load((project / "prefect.yaml").read_text(encoding="utf-8"))
    assert [(d["name"], d["work_pool"]) for d in document["deployments"]] == [("hello", {"name": "hello-pool"})]
    assert "-m prefect deploy --all" in (project / "pipegen.mk").read_text(encoding="utf-8")
    assert "prefect --no-prompt deploy --all &&" in (project / "compose.yaml").read_text(encoding="utf-8")
