"""The lake tables are partitioned and their files sized as `pipegen plan` says (issue 20): a spec
whose volume makes the plan partition the table by day, run through the generated lake job in the
`lake` judge environment over rows spanning several days (tests/families/lake_partition_driver.py).
The partitioning is read from the tables' own metadata (deltalake, pyiceberg), every live data file
is checked to hold only its partition's day (pyarrow reads the file), silver read back by DuckDB
equals the reference computed here in plain Python, and maintenance (compaction, vacuum / snapshot
expiry) keeps both the rows and the partitioning. The expected granularity and file size come
from the capacity rules of thumb applied here to the spec's volume by hand (docs/architecture.md),
not from pipegen's code."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from tests.conftest import generate
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("lake_partition_driver.py")
ROWS_PER_DAY, ROW_BYTES, COMPRESSION, RETENTION_DAYS = 50_000_000, 200, 4, 30
SPEC = f"""\
version: 1
pipeline: {{name: lake_parts}}
latency: 1h
volume: {{rows_per_day: {ROWS_PER_DAY}, avg_row_bytes: {ROW_BYTES}, retention_days: {RETENTION_DAYS}}}
sources:
  - name: shop
    type: faker
    ingestion: batch
    tables:
      - name: orders
        primary_key: order_id
        watermark: updated_at
        synthetic: {{rows: 10}}
        columns:
          - {{name: order_id, type: bigint, not_null: true}}
          - {{name: amount, type: "decimal(10,2)"}}
          - {{name: updated_at, type: timestamp, not_null: true}}
targets:
  - name: lake
    type: FMT
    connection: {{bucket: lake}}
    layers:
      bronze: {{bucket: raw}}
      silver: {{bucket: curated}}
    lake: {{time_travel: 1h, retention: 1h}}
"""
# by hand: 50M rows x 200 B / 4 = 2.5e9 B a day, retained 30 x 2.5e9 = 75e9 B (above the 16 GiB a
# keyed table needs), a day's partition >= 1 GiB: day; files of at most 1 GiB: 3 of 2.5e9 / 3 B
DAY_BYTES = ROWS_PER_DAY * ROW_BYTES / COMPRESSION
FILE_BYTES = math.ceil(DAY_BYTES / math.ceil(DAY_BYTES / 1024**3))


def at(day: int, hour: int) -> str:
    return f"2026-01-{day:02d} {hour:02d}:00:00"


def row(key: int, day: int, hour: int = 0, op: str = "u") -> dict[str, object]:
    return {"order_id": key, "amount": f"{key}.50", "updated_at": at(day, hour), "_op": op}


def scenario() -> list[list[list[dict[str, object]]]]:
    """Keys 1-40 over four days, then updates that move keys to a later day (their row leaves its
    old partition), a late older row (ignored) and deletes."""
    step0 = [[row(k, 1 + k % 4, k % 24) for k in range(1, 41)]]
    step1 = [[row(k, 6, 12) for k in (1, 2, 3)] + [row(5, 1, 0)] + [row(k, 9, 0, "d") for k in (7, 8)]]
    return [step0, step1]


def expected_silver(steps: list[list[list[dict[str, object]]]]) -> list[list[str]]:
    latest: dict[object, tuple[tuple[str, int], dict[str, object]]] = {}
    arrival = 0
    for batches in steps:
        for batch in batches:
            for r in batch:
                arrival += 1
                rank = (str(r["updated_at"]), arrival)
                if r["order_id"] not in latest or rank >= latest[r["order_id"]][0]:
                    latest[r["order_id"]] = (rank, r)
    rows = [r for _, r in latest.values() if r["_op"] != "d"]
    return sorted([[str(r["order_id"]), str(r["amount"]), str(r["updated_at"])] for r in rows])


def one_day_per_file(files: dict[str, list[list[str]]], prefix: str) -> set[str]:
    """The days of the partition directories, after checking every file holds its directory's day."""
    days = set()
    for part, per_file in files.items():
        assert part.startswith(prefix), (part, prefix)
        day = part.split("=", 1)[1]
        assert all(f == [day] for f in per_file), (part, per_file)
        days.add(day)
    return days


@pytest.mark.judge
@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_the_lake_tables_are_partitioned_and_sized_as_planned(fmt: str, tmp_path: Path, lake_python: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(SPEC.replace("FMT", fmt))
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    steps = scenario()
    (tmp_path / "scenario.json").write_text(json.dumps({"steps": steps}))
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(project), str(tmp_path / "scenario.json")],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)

    # silver read back by DuckDB equals the reference after each step and after maintenance
    for i, rows in enumerate(got["steps"]):
        assert sorted(rows) == expected_silver(steps[: i + 1]), f"silver after step {i}"
    final = expected_silver(steps)
    assert sorted(got["silver_after_maintenance"]) == final
    # the tables' own metadata: partitioned by day, files of the planned size
    if fmt == "delta":
        assert got["silver_meta"]["fields"] == [["_pipegen_day", "stored"]]
        assert got["bronze_meta"]["fields"] == [["_pipegen_day", "stored"]]
        prefix, bronze_prefix = "_pipegen_day=", "_pipegen_day="
    else:
        assert got["silver_meta"]["fields"] == [["updated_at", "day"]]
        assert got["bronze_meta"]["fields"] == [["_ingested_at", "day"]]
        prefix, bronze_prefix = "updated_at_day=", "_ingested_at_day="
    assert got["silver_meta"]["file_bytes"] == got["bronze_meta"]["file_bytes"] == str(FILE_BYTES)
    # one directory per day of silver's rows, each file holding its day's rows only
    days = one_day_per_file(got["silver_files"], prefix)
    assert days == {r[2][:10] for r in final} and len(days) > 1, days
    assert one_day_per_file(got["silver_files_after"], prefix) == days
    assert len(one_day_per_file(got["bronze_files"], bronze_prefix)) == 1  # one day of arrivals
    # maintenance kept the partitioning; Delta compacted each partition's files and vacuumed
    assert got["silver_meta_after"] == got["silver_meta"]
    if fmt == "delta":
        assert got["files_after"] < got["files_before"], (got["files_before"], got["files_after"])
    else:
        assert got["maintain"]["silver.shop__orders"]["snapshots_expired"] > 0, got["maintain"]


# a month's layout, as lake.json would hold it for a plan that partitioned by month
MONTHLY = {"granularity": "month", "column": "_pipegen_month", "format": "%Y-%m", "pattern": "yyyy-MM",
           "transform": "months"}  # fmt: skip


@pytest.mark.judge
@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
@pytest.mark.parametrize("made_with", [None, MONTHLY], ids=["unpartitioned", "monthly"])
def test_a_table_made_by_another_plan_keeps_its_partitioning_and_its_rows(
    fmt: str, made_with: dict[str, str] | None, tmp_path: Path, lake_python: Path
) -> None:
    # the first run's lake.json partitions nothing, or by month (a project generated before the volume
    # grew, or by a pipegen without partitioning); the next runs' plan partitions by day: the tables
    # keep the partitioning they were made with (Delta refuses an append partitioned otherwise)
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(SPEC.replace("FMT", fmt))
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    steps = scenario()
    (tmp_path / "scenario.json").write_text(json.dumps({"steps": steps, "made_with": made_with}))
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(project), str(tmp_path / "scenario.json")],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    for i, rows in enumerate(got["steps"]):
        assert sorted(rows) == expected_silver(steps[: i + 1]), f"silver after step {i}"
    assert sorted(got["silver_after_maintenance"]) == expected_silver(steps)
    if made_with is None:
        assert got["silver_meta"]["fields"] == got["bronze_meta"]["fields"] == []
        assert set(got["silver_files"]) == {""}  # no partition directory
        return
    if fmt == "delta":
        assert got["silver_meta"]["fields"] == got["bronze_meta"]["fields"] == [["_pipegen_month", "stored"]]
    else:
        assert got["silver_meta"]["fields"] == [["updated_at", "month"]]
    assert set(got["silver_files"]) == {
        ("_pipegen_month=" if fmt == "delta" else "updated_at_month=") + "2026-01"}, got["silver_files"]  # fmt: skip


@pytest.mark.judge
@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_a_lake_targets_partition_by_partitions_a_table_the_plan_keeps_whole_by_day(
    fmt: str, tmp_path: Path, lake_python: Path
) -> None:
    # 1,000 rows a day: the plan keeps the table whole; the target's `partition_by: [updated_at]` asks
    # for partitions, so silver is partitioned by day of updated_at (bronze by day of arrival)
    text = SPEC.replace("FMT", fmt).replace("rows_per_day: 50000000", "rows_per_day: 1000")
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(
        text.replace(
            "    connection: {bucket: lake}\n", "    connection: {bucket: lake}\n    partition_by: [updated_at]\n"
        )
    )
    project = tmp_path / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    assert "R366" not in output, output
    steps = scenario()
    (tmp_path / "scenario.json").write_text(json.dumps({"steps": steps}))
    run = subprocess.run(
        [str(lake_python), str(DRIVER), str(project), str(tmp_path / "scenario.json")],
        capture_output=True, text=True, timeout=600, check=False, env=offline_env(tmp_path / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    got = json.loads(run.stdout)
    final = expected_silver(steps)
    assert sorted(got["steps"][-1]) == final
    assert sorted(got["silver_after_maintenance"]) == final
    if fmt == "delta":
        assert got["silver_meta"]["fields"] == [["_pipegen_day", "stored"]]
        prefix = "_pipegen_day="
    else:
        assert got["silver_meta"]["fields"] == [["updated_at", "day"]]
        prefix = "updated_at_day="
    assert got["silver_meta"]["file_bytes"] == str(512 * 1024**2)  # the smallest target file size
    days = one_day_per_file(got["silver_files"], prefix)
    assert days == {r[2][:10] for r in final} and len(days) > 1, days
