"""The lake tables' partitioning and file size from the plan's capacity figures (plan/lake_partition,
issue 20): which layer is partitioned by which column at which granularity, the file size, the
`pipegen plan` line and R447. Expected figures worked out by hand from the rules of thumb
(docs/architecture.md), not from the code."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from pipegen.pipeline import Ready, families_for, render_tree
from pipegen.plan.capacity import compute
from pipegen.plan.lake_findings import partition_findings
from pipegen.plan.lake_partition import (
    declared_columns,
    table_capacity,
    table_layouts,
    target_file_bytes,
)
from pipegen.plan.names import names
from pipegen.plan.plan import make_plan
from pipegen.planview import plan_json, plan_text
from pipegen.spec.index import index_of
from pipegen.spec.model import Spec
from tests.families.test_lake_partitions import FILE_BYTES, SPEC


def spec_of(text: str) -> Spec:
    return Spec.model_validate(YAML(typ="safe").load(text))


def layouts(spec: Spec) -> dict[str, Any]:
    ref = index_of(spec).tables[0]
    return table_layouts(names(spec), ref, table_capacity(compute(spec), ref), chosen=declared_columns(spec))


def test_a_large_keyed_table_is_partitioned_by_day_bronze_by_arrival_silver_by_its_watermark() -> None:
    spec = spec_of(SPEC.replace("FMT", "delta"))
    got = layouts(spec)
    assert got["bronze"] is not None and got["silver"] is not None
    assert (got["bronze"].granularity, got["bronze"].source, got["bronze"].column) == (
        "day",
        "_ingested_at",
        "_pipegen_day",
    )
    assert (got["silver"].granularity, got["silver"].source, got["silver"].column) == (
        "day",
        "updated_at",
        "_pipegen_day",
    )
    # 2.5e9 B a day in 3 files of at most 1 GiB
    assert target_file_bytes(table_capacity(compute(spec), index_of(spec).tables[0])) == FILE_BYTES
    assert partition_findings(spec, compute(spec)) == ()


def test_a_small_table_stays_whole_with_files_of_at_least_512_mib() -> None:
    spec = spec_of(SPEC.replace("FMT", "iceberg").replace("rows_per_day: 50000000", "rows_per_day: 1000"))
    assert layouts(spec) == {"bronze": None, "silver": None}
    assert target_file_bytes(table_capacity(compute(spec), index_of(spec).tables[0])) == 512 * 1024**2


def test_a_date_watermark_is_partitioned_by_day_where_the_plan_says_hour() -> None:
    # 500M rows x 300 B / 4 = 37.5e9 B a day: an hour holds 1.56e9 B, above 1 GiB: hour
    text = SPEC.replace("FMT", "delta").replace("rows_per_day: 50000000, avg_row_bytes: 200",
                                                 "rows_per_day: 500000000, avg_row_bytes: 300")  # fmt: skip
    assert layouts(spec_of(text))["silver"].granularity == "hour"  # type: ignore[union-attr]
    got = layouts(spec_of(text.replace("{name: updated_at, type: timestamp", "{name: updated_at, type: date")))
    assert got["bronze"].granularity == "hour"  # type: ignore[union-attr]
    assert got["silver"].granularity == "day" and "updated_at is a date" in got["silver"].reason  # type: ignore[union-attr]
    from pipegen.plan.lake_partition import describe

    spec = spec_of(text.replace("{name: updated_at, type: timestamp", "{name: updated_at, type: date"))
    ref = index_of(spec).tables[0]
    line = describe(got, table_capacity(compute(spec), ref), ref)
    assert "silver by day(updated_at) (by day: updated_at is a date)" in line, line


def test_a_partitioned_table_with_no_time_column_warns_r447_at_the_table() -> None:
    spec = spec_of(SPEC.replace("FMT", "delta").replace("        watermark: updated_at\n", ""))
    got = layouts(spec)
    assert got["bronze"] is not None and got["silver"] is None
    (finding,) = partition_findings(spec, compute(spec))
    assert finding.code == "R447" and finding.severity == "warning"
    assert finding.path == ("sources", 0, "tables", 0, "name")
    assert "by day" in finding.message and "watermark" in (finding.hint or "")
    assert [f.code for f in make_plan(spec).findings if f.code == "R447"] == ["R447"]
    # without a lake target there is no lake table to warn about
    no_lake = SPEC.replace("FMT", "delta").replace("        watermark: updated_at\n", "")
    no_lake = no_lake.split("targets:")[0] + "targets:\n  - {name: wh, type: duckdb}\n"
    assert partition_findings(spec_of(no_lake), compute(spec_of(no_lake))) == ()


def test_plan_says_what_the_lake_tables_get_in_text_and_json() -> None:
    spec = spec_of(SPEC.replace("FMT", "iceberg"))
    ready = Ready(spec, make_plan(spec), [])
    families, files = list(families_for(ready.plan)), sorted(render_tree(ready.spec, ready.plan))
    text = plan_text(ready, families, files)
    line = next(x for x in text.splitlines() if x.strip().startswith("lake tables:"))
    assert "bronze by day(_ingested_at)" in line and "silver by day(updated_at)" in line, line
    assert f"target file size {FILE_BYTES / 1024**2:,.0f} MiB" in line, line
    table = plan_json(ready, families, files)["capacity"]["tables"][0]
    assert table["lake_partition"]["silver"]["transform"] == "days"
    assert table["lake_partition"]["file_bytes"] == FILE_BYTES


PLACED = "          - {name: placed_at, type: timestamp}\n"


def with_partition_by(text: str, columns: str) -> str:
    text = text.replace("          - {name: updated_at, type: timestamp, not_null: true}\n",
                        "          - {name: updated_at, type: timestamp, not_null: true}\n" + PLACED)  # fmt: skip
    return text.replace(
        "    connection: {bucket: lake}\n", f"    connection: {{bucket: lake}}\n    partition_by: {columns}\n"
    )


def test_a_lake_targets_partition_by_chooses_silvers_time_column_over_the_watermark() -> None:
    spec = spec_of(with_partition_by(SPEC.replace("FMT", "iceberg"), "[placed_at]"))
    got = layouts(spec)
    assert got["silver"] is not None and (got["silver"].granularity, got["silver"].source) == ("day", "placed_at")
    assert "partition_by" in got["silver"].reason
    assert [f.code for f in partition_findings(spec, compute(spec))] == []


def test_partition_by_partitions_by_day_a_table_the_plan_keeps_whole_and_plan_says_why() -> None:
    small = SPEC.replace("FMT", "delta").replace("rows_per_day: 50000000", "rows_per_day: 1000")
    assert layouts(spec_of(small)) == {"bronze": None, "silver": None}
    got = layouts(spec_of(with_partition_by(small, "[updated_at]")))
    assert got["silver"] is not None and (got["silver"].granularity, got["silver"].column) == ("day", "_pipegen_day")
    assert got["bronze"] is not None and got["bronze"].source == "_ingested_at"
    assert "keeps the table whole" in got["silver"].reason


def test_a_partition_by_column_that_partitions_no_lake_table_warns_r366_at_that_column() -> None:
    spec = spec_of(with_partition_by(SPEC.replace("FMT", "delta"), "[amount, placed_at]"))
    found = partition_findings(spec, compute(spec))
    assert [(f.code, f.path) for f in found] == [("R366", ("targets", 0, "partition_by", 0))]
    assert "'amount'" in found[0].message
