"""Engines per layer (explicit or picked with a reason) and streaming sizes (computed beside overrides)."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.plan.capacity import compute
from pipegen.plan.engines import choose
from pipegen.spec.model import Architecture, Spec
from tests.conftest import spec_data

STREAMING_SOURCE = {
    "name": "events",
    "type": "kafka",
    "ingestion": "stream",
    "topics": [
        {
            "name": "clicks",
            "event_time": "ts",
            "rows_per_day": 86_400_000,
            "columns": [{"name": "id", "type": "bigint"}, {"name": "ts", "type": "timestamp"}],
        }
    ],
}


def streaming(**overrides: Any) -> Spec:
    return Spec.model_validate(spec_data(**{"latency": "1m", "sources": [STREAMING_SOURCE], **overrides}))


def engines(spec: Spec, architecture: Architecture) -> dict[str, tuple[str, bool]]:
    return {c.layer: (c.engine, c.explicit) for c in choose(spec, architecture)}


def test_batch_elt_on_local_runs_dbt_locally() -> None:
    assert engines(Spec.model_validate(spec_data()), Architecture.ELT) == {
        "compute": ("local", False),
        "stream": ("none", False),
        "batch": ("dbt", False),
    }


def test_etl_transforms_with_spark_because_dbt_only_runs_in_a_target() -> None:
    assert engines(Spec.model_validate(spec_data()), Architecture.ETL)["batch"] == ("spark", False)


def test_kappa_streams_with_flink_and_has_no_batch_layer() -> None:
    chosen = engines(streaming(), Architecture.KAPPA)
    assert chosen["stream"] == ("flink", False)
    assert chosen["batch"] == ("none", False)


def test_a_databricks_target_on_a_cloud_moves_compute_and_streams_to_spark() -> None:
    spec = Spec.model_validate(
        spec_data(
            cloud="azure",
            targets=[{"name": "lake", "type": "delta"}, {"name": "dbx", "type": "databricks"}],
            sources=[*spec_data()["sources"], {**STREAMING_SOURCE, "type": "eventhubs"}],
        )
    )
    chosen = engines(spec, Architecture.LAKEHOUSE)
    assert chosen == {"compute": ("databricks", False), "stream": ("spark", False), "batch": ("spark", False)}


def test_explicit_engines_win_and_say_so() -> None:
    spec = streaming(engines={"stream": "spark", "compute": "kubernetes"})
    chosen = {c.layer: c for c in choose(spec, Architecture.LAMBDA)}
    assert (chosen["stream"].engine, chosen["stream"].explicit, chosen["stream"].reason) == (
        "spark",
        True,
        "set in engines.stream",
    )
    assert chosen["compute"].engine == "kubernetes"


def sizes(spec: Spec) -> dict[str, tuple[float, float | None]]:
    return {s.name: (s.computed, s.override) for s in compute(spec).sizing}


def test_batch_only_specs_have_no_streaming_sizes() -> None:
    assert compute(Spec.model_validate(spec_data())).sizing == ()


def test_streaming_sizes_are_computed_from_volume_and_latency() -> None:
    got = sizes(streaming())
    # 86.4M rows/day, peak 3x -> 3,000 rows/s: 3 partitions (rows) and 1 Flink slot
    assert got["Kafka partitions per topic (largest)"] == (3, None)
    assert got["Flink parallelism"] == (1, None)
    assert got["Kafka brokers"] == (3, None)
    assert got["Kafka replication factor"] == (3, None)
    assert got["Flink checkpoint interval"] == (30, None)  # latency 1m / 2


def test_overrides_are_shown_beside_the_computed_value_and_used() -> None:
    spec = streaming(
        sizing={"kafka": {"brokers": 5, "partitions": 24}, "flink": {"parallelism": 6, "checkpoint_interval": "2m"}}
    )
    cap = compute(spec)
    got = {s.name: s for s in cap.sizing}
    partitions = got["Kafka partitions per topic (largest)"]
    assert (partitions.computed, partitions.value) == (3, 24)
    assert cap.tables[-1].kafka_partitions == 24
    assert cap.flink_parallelism == 6
    assert got["Flink checkpoint interval"].display == "2m (override; computed 30s)"
    assert got["Kafka brokers"].value == 5


@pytest.mark.parametrize(("latency", "seconds"), [("realtime", 10), ("1m", 30), ("1h", 300)])
def test_checkpoint_interval_is_half_the_latency_within_bounds(latency: str, seconds: float) -> None:
    assert sizes(streaming(latency=latency))["Flink checkpoint interval"] == (seconds, None)


def test_kafka_brokers_and_partitions_count_each_topics_own_row_size() -> None:
    """A wide topic (its own avg_row_bytes) beside a narrow one: the brokers carry the wide topic's
    bytes, not volume.avg_row_bytes' (computed by hand below, not by pipegen.plan.capacity)."""
    wide = {**STREAMING_SOURCE["topics"][0], "name": "frames", "avg_row_bytes": 102_400}  # type: ignore[index]
    narrow = {**STREAMING_SOURCE["topics"][0], "name": "clicks"}  # type: ignore[index]
    source = {**STREAMING_SOURCE, "topics": [wide, narrow]}
    volume = {"rows_per_day": 172_800_000, "avg_row_bytes": 100, "peak_factor": 2}
    # 86,400,000 rows/day each = 1,000 rows/s, x2 at peak: 2,000 rows/s per topic
    peak_bytes = 2_000 * 102_400 + 2_000 * 100  # bytes/s at peak, each topic at its own row size
    brokers = -(-peak_bytes * 3 // (50 * 1024 * 1024))  # replication 3, 50 MiB/s per broker (ceil)
    wide_parts = -(-2_000 * 102_400 // (10 * 1024 * 1024))  # 10 MiB/s per partition (ceil)
    assert (brokers, wide_parts) == (12, 20)  # the hand figures (the old code: 3 brokers, 3 partitions)
    got = sizes(streaming(sources=[source], volume=volume))
    assert got["Kafka brokers"] == (brokers, None)
    assert got["Kafka partitions per topic (largest)"] == (wide_parts, None)
    overridden = sizes(streaming(sources=[source], volume=volume, sizing={"kafka": {"partitions": 6}}))
    assert overridden["Kafka partitions per topic (largest)"] == (wide_parts, 6)  # computed beside the override
