"""The serving family without DuckDB: on for Lambda plans with windowed stream jobs only; a
tumbling job's batch side is data (tables, join keys, group keys and measures by landed name);
a job whose batch side is not written yet is listed with the reason, never dropped. The
serving job itself is judged in tests/families/test_lambda_serving.py."""

from __future__ import annotations

import json

from pipegen.pipeline import families_for, prepare, render_tree
from tests.conftest import REPO


def test_iot_lambda_serves_its_tumbling_job_and_says_why_not_the_others() -> None:
    ready = prepare(REPO / "specs" / "iot_lambda.yaml")
    assert "serving" in families_for(ready.plan)
    files = render_tree(ready.spec, ready.plan)
    config = json.loads(files["pipeline/serving.json"])
    [job] = config["jobs"]
    assert job["table"] == "line_temperature_10s" and job["window_s"] == 10.0
    assert job["tables"] == [["raw_sensors", "readings"], ["raw_registry", "devices"]]
    assert job["joins"] == [{"on": [[0, "device_id", "device_id"]], "inner": True}]  # a lookup is an inner join
    assert job["group_by"] == [["line", 1, "line"]] and job["event_time"] == "measured_at"
    assert [(m["name"], m["agg"], m["table"], m["column"]) for m in job["measures"]] == [
        ("avg_temperature_c", "avg", 0, "temperature_c"),
        ("max_temperature_c", "max", 0, "temperature_c"),
    ]
    skipped = {j["job"]: j["why"] for j in config["not_served"]}
    assert set(skipped) == {"vibration_trend", "daily_readings_so_far"}
    assert all("tumbling" in why for why in skipped.values())
    docs = files["docs/serving.md"]
    assert "vibration_trend" in docs and "high-water mark" in docs


def test_only_lambda_plans_get_serving_views() -> None:
    for name in ("azure_playground", "ecommerce_realtime", "hello"):
        assert "serving" not in families_for(prepare(REPO / "specs" / f"{name}.yaml").plan), name


def test_the_serving_step_runs_right_after_dbt() -> None:
    ready = prepare(REPO / "specs" / "iot_lambda.yaml")
    run = render_tree(ready.spec, ready.plan)["pipeline/run.py"]
    assert run.index('"transform",') < run.index('"serving",') < run.index('"quality",')
