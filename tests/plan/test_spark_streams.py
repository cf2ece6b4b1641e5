"""R406: where the plan's stream engine is Spark, every stream job the Spark stream layer does
not run is named at the job with the reason; the ones it runs are not (pipegen.plan.spark_streams)."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.plan.plan import make_plan
from pipegen.spec.model import Spec
from tests.conftest import spec_data

CLICKS = {
    "name": "clicks",
    "type": "kafka",
    "ingestion": "stream",
    "topics": [{"name": "click", "event_time": "at", "columns": [
        {"name": "id", "type": "bigint"}, {"name": "page", "type": "string"}, {"name": "at", "type": "timestamp"}]}],
}  # fmt: skip
COUNT = [{"name": "n", "agg": "count"}]


def r406(job: dict[str, Any], *, engine: str = "spark", targets: list[dict[str, Any]] | None = None) -> list[str]:
    spec = Spec.model_validate(spec_data(
        sources=[CLICKS, spec_data()["sources"][0]], latency="1m", engines={"stream": engine},
        targets=targets or [{"name": "lake", "type": "delta"}], transforms={"streams": [{"name": "j", **job}]},
    ))  # fmt: skip
    return [f.message for f in make_plan(spec).findings if f.code == "R406"]


@pytest.mark.parametrize(
    "job",
    [
        {"from": "click", "filter": "page = '/x'", "columns": ["id", "page"]},
        {"from": "click", "window": {"type": "tumble", "size": "1m"}, "group_by": ["page"], "measures": COUNT},
        {"from": "click", "window": {"type": "hop", "size": "1m", "slide": "30s"}, "measures": COUNT},
        {"from": "click", "window": {"type": "session", "gap": "5m"}, "group_by": ["page"], "measures": COUNT},
        {"from": "click", "group_by": ["page"], "measures": COUNT},
    ],
    ids=["per-event", "tumble", "hop", "session", "unwindowed"],
)
def test_jobs_the_spark_stream_layer_runs_raise_nothing(job: dict[str, Any]) -> None:
    assert r406(job) == []


@pytest.mark.parametrize(
    ("job", "why"),
    [
        ({"from": "click", "window": {"type": "cumulate", "size": "1h", "step": "1m"}, "measures": COUNT},
         "cumulate window has no Spark equivalent"),
        ({"from": "click", "window": {"type": "tumble", "size": "1m"}, "group_by": ["page"], "measures": COUNT,
          "top_n": {"n": 3, "order_by": "n"}}, "top N per window"),
        ({"from": "click", "joins": [{"table": "orders", "on": {"id": "order_id"}}]}, "joins other tables"),
        ({"from": "orders", "columns": ["order_id"]}, "loaded in batch, not streamed"),
    ],
    ids=["cumulate", "top-n", "join", "batch-input"],
)  # fmt: skip
def test_jobs_it_cannot_run_are_named_with_the_reason(job: dict[str, Any], why: str) -> None:
    (message,) = r406(job)
    assert "stream job j is not run" in message and why in message
    assert r406(job, engine="flink") == []  # Flink runs them: nothing to say


def test_a_sink_outside_the_lake_is_named() -> None:
    targets = [{"name": "lake", "type": "delta"}, {"name": "db", "type": "postgres"}]
    (message,) = r406({"from": "click", "columns": ["id"], "sink": "db"}, targets=targets)
    assert "sinks to db" in message


def test_an_upsert_key_is_the_merge_key_or_the_job_is_named() -> None:
    """The Spark stream layer merges an aggregation's results into gold by the sink's `key`: a key
    without the window bounds and the groups would match several result rows of one micro-batch
    (Delta's MERGE refuses them), and per-event results are appended, never upserted."""
    window = {"from": "click", "window": {"type": "tumble", "size": "1m"}, "group_by": ["page"], "measures": COUNT}
    keyed = {"target": "lake", "mode": "upsert", "key": ["Page", "window_end", "window_start"]}
    assert r406({**window, "sink": keyed}) == []
    (short,) = r406({**window, "sink": {**keyed, "key": ["window_start", "window_end"]}})
    assert "its upsert key leaves out page" in short
    (per_event,) = r406({"from": "click", "columns": ["id", "page"], "sink": {**keyed, "key": ["id"]}})
    assert "upserts its per-event results" in per_event
    assert r406({**window, "sink": {**keyed, "key": ["window_start", "window_end"]}}, engine="flink") == []


def test_a_named_sink_outside_the_lake_is_named_without_a_lake_target_too() -> None:
    """Seed 9 (spec 05): with no lake target, a job whose sink named a MySQL target ran into the gold
    lake and nothing wrote MySQL, unsaid; a job without `sink` writes gold, as documented."""
    targets = [{"name": "db", "type": "postgres"}]
    (message,) = r406({"from": "click", "columns": ["id"], "sink": "db"}, targets=targets)
    assert "sinks to db" in message
    assert r406({"from": "click", "columns": ["id"]}, targets=targets) == []
