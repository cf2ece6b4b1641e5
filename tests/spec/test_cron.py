"""Schedules: what spec/cron.py says the orchestrators cannot run (R508; the agreement with Airflow and
Prefect themselves is tests/families/test_environment_schedules.py), an environment's `none`, and where an
environment's schedule reaches nothing (R509)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipegen.pipeline import validate
from pipegen.spec.cron import cron_problem
from pipegen.spec.types import check_environment_schedule
from pipegen.spec.validate import check_bytes
from tests.conftest import spec_data


@pytest.mark.parametrize(
    ("cron", "what"),
    [
        ("0 * * * *", None),
        ("59 23 31 12 7", None),
        ("@daily", None),
        ("0 0 * * fri-mon", None),  # a wrapping range
        ("0 22-2 * * *", None),
        ("0 0 29 2 *", None),  # leap years
        ("0 0 31 */2 *", None),  # January has a 31st
        ("60 * * * *", "minute 60 is out of its range 0-59"),
        ("0 24 * * *", "hour 24 is out of its range 0-23"),
        ("0 0 0 * *", "day of the month 0 is out of its range 1-31"),
        ("0 0 * 13 *", "month 13 is out of its range 1-12"),
        ("0 0 * * 8", "day of the week 8 is out of its range 0-7"),
        ("*/0 * * * *", "the minute has a step of 0 (`*/0`)"),
        ("0 0 * * jan", "`jan` is not a day of the week (it names a month)"),
        ("0 0 * abc *", "`abc` is not a month"),
        ("0 0 31 4,6 *", "no month it names (apr, jun) has day 31, so it never runs"),
        ("0 0 30 2 1", "no month it names (feb) has day 30, so it never runs"),
    ],
)
def test_what_the_orchestrators_cannot_run(cron: str, what: str | None) -> None:
    problem = cron_problem(cron)
    assert (problem.what if problem else None) == what


def test_airflow_runs_an_impossible_day_on_the_days_of_the_week_it_names() -> None:
    assert cron_problem("0 0 30 2 1", or_weekdays=True) is None
    assert cron_problem("0 0 30 2 *", or_weekdays=True) is not None  # no day of the week either


def test_an_environment_schedule_is_a_cron_or_none() -> None:
    assert check_environment_schedule(" none ") == "none"
    assert check_environment_schedule("*/15 * * * *") == "*/15 * * * *"
    with pytest.raises(ValueError, match="or `none` for no schedule in this environment"):
        check_environment_schedule("every hour")


def codes(data: dict[str, object]) -> list[tuple[str, str]]:
    return [(d.code, d.path) for d in check_bytes(json.dumps(data).encode()).diagnostics]


def test_r508_locates_each_schedule_the_orchestrator_cannot_run() -> None:
    deploy = {"environments": {"dev": {"schedule": "0 0 30 2 1"}, "prod": {"schedule": "0 24 * * *"},
                               "qa": {"schedule": "none"}}}  # fmt: skip
    pipeline = {"name": "shop", "schedule": "0 0 31 4 *"}
    found = codes(spec_data(pipeline=pipeline, deploy=deploy, orchestrator="prefect"))
    assert found == [("R508", "pipeline.schedule"), ("R508", "deploy.environments.dev.schedule"),
                     ("R508", "deploy.environments.prod.schedule")]  # fmt: skip
    found = codes(spec_data(pipeline=pipeline, deploy=deploy, orchestrator="airflow"))  # Mondays of February
    assert found == [("R508", "pipeline.schedule"), ("R508", "deploy.environments.prod.schedule")]


def test_an_environments_schedule_warns_only_where_no_orchestrator_schedules_the_batch(tmp_path: Path) -> None:
    """R509 under a stream-only plan; under a batch plan the schedule reaches the DAG (R414 only for the
    variables, kubernetes off)."""
    environments = {"dev": {"schedule": "0 6 * * *", "variables": {"A": "b"}}}
    batch = tmp_path / "batch.yaml"
    batch.write_text(json.dumps(spec_data(deploy={"environments": environments})), encoding="utf-8")
    assert [(d.code, d.path) for d in validate(batch).diagnostics] == [
        ("R414", "deploy.environments.dev.variables")]  # fmt: skip
    stream = spec_data(architecture="kappa", latency="5s", deploy={"environments": environments})
    stream["sources"][0] |= {"ingestion": "cdc"}
    path = tmp_path / "stream.yaml"
    path.write_text(json.dumps(stream), encoding="utf-8")
    found = [(d.code, d.path) for d in validate(path).diagnostics if d.code in ("R414", "R509")]
    assert found == [("R509", "deploy.environments.dev.schedule"), ("R414", "deploy.environments.dev.variables")]
