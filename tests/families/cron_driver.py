"""Runs in the airflow or the prefect judge environment: what the orchestrator makes of each cron expression
on stdin (a JSON list). Prints one JSON line {expression: verdict}:

- "ok": the orchestrator takes it and finds its next runs from 2026-01-01 (Airflow: the DAG's
  `CronDataIntervalTimetable`, validated as a DagBag validates it, then the core timetable's next DAG run;
  Prefect: a deployment's `CronSchedule`, then its croniter's next three runs);
- "invalid: ...": the orchestrator refuses it (Airflow's AirflowTimetableInvalid, Prefect's validation error);
- "never: ...": it takes it and finds no run (croniter's CroniterBadDateError): the scheduler fails at run time.

    python cron_driver.py airflow|prefect < EXPRESSIONS_JSON
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime


def airflow(expression: str) -> str:
    import pendulum
    from airflow.sdk import CronDataIntervalTimetable
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable as CoreTimetable

    try:
        CronDataIntervalTimetable(expression, timezone="UTC").validate()
    except Exception as exc:
        return f"invalid: {type(exc).__name__}: {exc}"
    restriction = TimeRestriction(earliest=pendulum.datetime(2026, 1, 1, tz="UTC"), latest=None, catchup=True)
    try:
        found = CoreTimetable(expression, timezone="UTC").next_dagrun_info(
            last_automated_data_interval=None, restriction=restriction
        )
    except Exception as exc:
        return f"never: {type(exc).__name__}: {exc}"
    return "ok" if found is not None else "never: no next DAG run"


def prefect(expression: str) -> str:
    from prefect._vendor.croniter import croniter
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=expression, timezone="UTC")
    except Exception as exc:
        return f"invalid: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    try:
        runs = croniter(expression, datetime(2026, 1, 1, tzinfo=UTC))
        for _ in range(3):
            runs.get_next(datetime)
    except Exception as exc:
        return f"never: {type(exc).__name__}: {exc}"
    return "ok"


if __name__ == "__main__":
    judge = {"airflow": airflow, "prefect": prefect}[sys.argv[1]]
    print(json.dumps({e: judge(e) for e in json.load(sys.stdin)}))
