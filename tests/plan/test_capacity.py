"""Capacity figures: formulas, units and the partition/file/Kafka rules of thumb."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.plan.capacity import (
    GIB,
    MIB,
    compute,
    files_for,
    human,
    kafka_partitions,
    partition_for,
    table_partition,
)
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import Spec
from tests.conftest import spec_data


@pytest.mark.parametrize(
    ("stored_per_day", "retention_days", "granularity"),
    [
        (30 * GIB, 365, "hour"),
        (24 * GIB, 365, "hour"),
        (23 * GIB, 365, "day"),
        (1 * GIB, 365, "day"),
        (0.9 * GIB, 365, "month"),
        (40 * MIB, 365, "month"),
        (34 * MIB, 3650, "year"),  # year partitions only when retention spans four years or more
        (1 * MIB, 365, "none"),  # 365 MiB retained in all: one partition
    ],
)
def test_partition_granularity_is_the_finest_that_keeps_partitions_above_one_gib(
    stored_per_day: float, retention_days: int, granularity: str
) -> None:
    choice = partition_for(stored_per_day, retention_days)
    assert choice.granularity == granularity
    if granularity != "none":
        assert choice.size >= GIB


@pytest.mark.parametrize(
    ("stored_per_day", "retention_days", "granularity", "reason"),
    [
        # 0.9 GiB/day kept 7 days: monthly 27 GiB partitions could never be dropped on time
        (0.9 * GIB, 7, "day", "day, not month: 7-day retention drops expired data a whole day at a time"),
        (34 * MIB, 365, "month", "month, not year: 365-day retention drops expired data a whole month at a time"),
        (100 * MIB, 30, "day", "day, not month: 30-day retention"),
        (30 * GIB, 7, "hour", "the finest granularity with partitions of at least 1 GiB (hour)"),
        (10 * MIB, 7, "none", "70.00 MiB retained in all"),
    ],
)
def test_partition_granularity_is_capped_by_retention_so_expired_data_drops_on_time(
    stored_per_day: float, retention_days: int, granularity: str, reason: str
) -> None:
    choice = partition_for(stored_per_day, retention_days)
    assert (choice.granularity, reason in choice.reason) == (granularity, True), choice.reason


def _table(**dataset: Any) -> TableRef:
    data = spec_data()
    data["sources"][0]["tables"][0].update(dataset)
    return SpecIndex(Spec.model_validate(data)).tables[0]


@pytest.mark.parametrize(
    ("dataset", "stored_per_day", "granularity", "reason"),
    [
        (
            {"primary_key": ["order_id"]},
            5 * MIB,
            "none",
            "upserted in place, at most 1.78 GiB retained",
        ),
        ({"primary_key": ["order_id"]}, 200 * MIB, "month", "keyed (order_id) but large"),
        ({"primary_key": []}, 5 * MIB, "month", "no primary key: rows are appended"),
    ],
)
def test_only_tables_that_grow_by_time_get_time_partitions(
    dataset: dict[str, Any], stored_per_day: float, granularity: str, reason: str
) -> None:
    choice = table_partition(_table(**dataset), stored_per_day, 365)
    assert choice.granularity == granularity
    assert reason in choice.reason, choice.reason


def test_events_with_an_event_time_are_partitioned_and_say_so() -> None:
    data = spec_data(latency="1m")
    data["sources"][0]["ingestion"] = "cdc"
    data["sources"][0]["tables"][0]["event_time"] = "updated_at"
    table = SpecIndex(Spec.model_validate(data)).tables[0]
    choice = table_partition(table, 5 * MIB, 365)
    assert choice.granularity == "month"
    assert choice.reason.startswith("events: appended by event time (updated_at)")


def test_ecommerce_dimensions_are_not_partitioned_but_its_events_are() -> None:
    from pipegen.spec.validate import check_file
    from tests.conftest import SPECS

    spec = check_file(SPECS / "ecommerce_realtime.yaml").spec
    assert spec is not None
    layout = {t.table: t.partition for t in compute(spec).tables}
    assert layout["shop.users"] == "none" and layout["shop.products"] == "none"
    assert layout["shop.orders"] != "none"  # orders are events: appended by event time


@pytest.mark.parametrize(
    ("partition", "files"), [(100 * MIB, 1), (GIB, 1), (GIB + 1, 2), (5.5 * GIB, 6), (600 * MIB, 1)]
)
def test_files_per_partition_keep_parquet_files_between_512_mib_and_1_gib(partition: float, files: int) -> None:
    count, size = files_for(partition)
    assert count == files
    assert size <= GIB
    if partition >= 512 * MIB:
        assert size >= 512 * MIB


def test_kafka_partitions_floor_bytes_and_rows() -> None:
    assert kafka_partitions(1000, 100, 3) == 3  # tiny: the floor of 3
    # 1e9 rows/day * 3 / 86400 = 34,722 rows/s -> 4 partitions by rows (10k/s each)
    assert kafka_partitions(1_000_000_000, 10, 3) == 4
    # 1e9 rows/day * 2000 B * 3 / 86400 = 69.4e6 B/s = 66.2 MiB/s -> 7 partitions by bytes (10 MiB/s each)
    assert kafka_partitions(1_000_000_000, 2000, 3) == 7


def test_totals_use_volume_and_carry_units_and_formulas() -> None:
    spec = Spec.model_validate(
        spec_data(
            volume={
                "rows_per_day": 86_400_000,
                "avg_row_bytes": 100,
                "compression_ratio": 4,
                "peak_factor": 2,
                "retention_days": 100,
            }
        )
    )
    cap = compute(spec)
    figures = {f.name: f for f in cap.figures}
    assert figures["raw volume"].value == 8_640_000_000
    assert figures["raw volume"].unit == "bytes/day"
    assert figures["stored volume"].value == 2_160_000_000
    assert figures["peak throughput"].value == 2000
    assert figures["peak throughput"].unit == "rows/s"
    assert figures["retained data"].value == 216_000_000_000
    assert figures["hot tier (local disk)"].value == 2_160_000_000 * 30
    assert figures["cold tier (local disk)"].value == 2_160_000_000 * 10
    assert all(f.formula for f in cap.figures)
    table = cap.tables[0]
    assert table.partition == "day" and table.kafka_partitions is None  # batch table: no topic
    assert table.partition_reason.startswith("keyed (order_id) but large: 201.17 GiB retained")


def test_explicit_table_rows_override_the_even_share() -> None:
    data = spec_data(volume={"rows_per_day": 1000})
    tables = data["sources"][0]["tables"]
    tables.append({**tables[0], "name": "items", "rows_per_day": 400})
    tables.append({**tables[0], "name": "refunds"})
    cap = compute(Spec.model_validate(data))
    assert {t.table: t.rows_per_day for t in cap.tables} == {"db.orders": 300, "db.items": 400, "db.refunds": 300}


def test_streaming_tables_get_kafka_partitions_and_flink_parallelism() -> None:
    data = spec_data(latency="1m", volume={"rows_per_day": 3_000_000_000})
    data["sources"][0]["ingestion"] = "cdc"
    cap = compute(Spec.model_validate(data))
    assert cap.tables[0].kafka_partitions == 11  # 3e9/86400*3 = 104,167 rows/s -> 11 by rows
    assert cap.flink_parallelism == 6  # ceil(104,167 / 20,000) = 6 <= 11 partitions


def test_storage_classes_follow_the_cloud() -> None:
    data = spec_data(cloud="aws", volume={"rows_per_day": 1})
    names = [f.name for f in compute(Spec.model_validate(data)).figures]
    assert "warm tier (STANDARD_IA)" in names and "cold tier (GLACIER_IR)" in names


def test_human_units() -> None:
    assert human(1536, "bytes") == "1.50 KiB"
    assert human(3 * GIB, "bytes/day") == "3.00 GiB/day"
    assert human(2000, "rows/s") == "2,000 rows/s"
