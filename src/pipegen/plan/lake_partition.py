"""How a lake table is partitioned and how large its files are, from the plan's capacity figures
(plan/capacity.py: the table's granularity and its reason, files_for's file size): the one choice
every engine that writes the lake tables reads, the lake step (lakehouse/config.py ->
pipeline/lake.json) and the Spark job (spark/config.py). Pure functions of the spec, the plan's
names and the table's capacity.

- bronze is partitioned by arrival (`_ingested_at`, a timestamp every bronze row has; bronze keeps
  the payload as text, so its event time is no timestamp yet), silver by the table's `event_time`
  column (typed), else its `watermark` (batch tables have no event_time), at the plan's
  granularity; a table the plan leaves whole (`none`), or with neither column for silver, is not
  partitioned. A `date` column is partitioned by day at most.
- Iceberg partitions by the transform of the column (hidden partitioning: hour/day/month/year);
  Delta and Parquet by a stored column, `_pipegen_<granularity>` (names.partition_column), the
  column's value truncated to the granularity as text (`strftime`'s FORMATS).
- Files: the plan's file size per partition, at least TARGET_FILE_MIN and at most TARGET_FILE_MAX
  (a smaller table is one file anyway; the plan's 1 GiB ceiling is the most a file may hold)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from pipegen.plan.capacity import TARGET_FILE_MAX, TARGET_FILE_MIN, Capacity, TableCapacity
from pipegen.spec.catalog import LAKE_TARGETS
from pipegen.spec.index import TableRef
from pipegen.spec.model import Spec
from pipegen.spec.types import parse_column_type

if TYPE_CHECKING:  # the naming layer is for generation: `validate` (R447) never imports it
    from pipegen.plan.names import Names

INGESTED = "_ingested_at"  # bronze's arrival time (pipeline/lake.py's metadata column)
# the stored column's value: the time truncated to the granularity, as text (sorts as the time)
FORMATS = {"hour": "%Y-%m-%d-%H", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
# the same value in Spark (`date_format`'s Java pattern)
PATTERNS = {"hour": "yyyy-MM-dd-HH", "day": "yyyy-MM-dd", "month": "yyyy-MM", "year": "yyyy"}
# Spark SQL's Iceberg partition transforms (`PARTITIONED BY (days(ts))`)
SPARK_TRANSFORMS = {"hour": "hours", "day": "days", "month": "months", "year": "years"}
COARSER_THAN_HOUR = {"date": "day"}  # a date has no hour: partitioned by day at most


class Layout(NamedTuple):
    """One layer's partitioning of a table: the plan's granularity of `source` (a column of the
    table), Delta's stored `column`, and why."""

    granularity: str  # hour/day/month/year
    source: str  # the time column (landed name)
    column: str  # the stored partition column (Delta, Parquet)
    reason: str

    def as_data(self) -> dict[str, str]:
        g = self.granularity
        return {"granularity": g, "source": self.source, "column": self.column,
                "format": FORMATS[g], "pattern": PATTERNS[g], "transform": SPARK_TRANSFORMS[g]}  # fmt: skip


def stored_formats() -> dict[str, str]:
    """Every stored partition column and its value's format, `_pipegen_day` -> `%Y-%m-%d`: how the
    lake step writes on into a Delta table made at another granularity than the plan's now."""
    from pipegen.plan.names import partition_column

    return {str(partition_column(g)): f for g, f in FORMATS.items()}


def target_file_bytes(cap: TableCapacity) -> int:
    """The target size of a table's data files: the plan's file size (files_for), within
    [TARGET_FILE_MIN, TARGET_FILE_MAX]."""
    return int(min(TARGET_FILE_MAX, max(TARGET_FILE_MIN, math.ceil(cap.file_bytes))))


def layout_for(granularity: str, source: str, type_name: str, why: str) -> Layout:
    from pipegen.plan.names import partition_column

    finest = COARSER_THAN_HOUR.get(type_name)
    if finest and granularity == "hour":
        granularity, why = finest, f"{why}; by {finest}: {source} is a {type_name}"
    return Layout(granularity, source, str(partition_column(granularity)), why)


def declared_columns(spec: Spec) -> tuple[str, ...]:
    """The columns the spec's lake targets name in `partition_by`, in order, each once: the user's
    choice of silver's time column over the event time or watermark (time_column)."""
    seen: dict[str, None] = {}
    for target in spec.targets:
        if target.type in LAKE_TARGETS:
            seen.update(dict.fromkeys(target.partition_by))
    return tuple(seen)


def table_layouts(
    names: Names,
    ref: TableRef,
    cap: TableCapacity,
    text: frozenset[str] = frozenset(),
    chosen: tuple[str, ...] = (),
) -> dict[str, Layout | None]:
    """bronze's and silver's partitioning of a source table (None: not partitioned); `text`: spec
    columns the engine keeps as text (the Spark job's masked PII columns), never a time column;
    `chosen`: the lake targets' `partition_by` (declared_columns). A chosen column of the table
    partitions silver at the plan's granularity, by day where the plan would keep the table whole
    (the user asked for partitions)."""
    timed = time_column(ref, text, chosen)
    declared = timed is not None and timed[2] == DECLARED
    if cap.partition == "none" and not declared:
        return {"bronze": None, "silver": None}
    granularity, why = cap.partition, cap.partition_reason
    if cap.partition == "none":
        granularity, why = "day", f"by day where the plan keeps the table whole ({cap.partition_reason})"
    bronze = layout_for(granularity, INGESTED, "timestamp_tz", f"by arrival ({INGESTED}), {why}")
    if timed is None:
        return {"bronze": bronze, "silver": None}
    column, type_name, what = timed
    landed = str(names.dataset(ref.source.name, ref.dataset.name).column(column))
    silver_why = f"by {what} ({landed})" + (f", {why}" if cap.partition == "none" else "")
    return {"bronze": bronze, "silver": layout_for(granularity, landed, type_name, silver_why)}


DECLARED = "the target's partition_by"
TIME_TYPES = ("date", "timestamp", "timestamp_tz")


def time_column(
    ref: TableRef, text: frozenset[str] = frozenset(), chosen: tuple[str, ...] = ()
) -> tuple[str, str, str] | None:
    """(column, its type's name, what it is) silver is partitioned by: the first `chosen` column
    (the lake target's `partition_by`) the table has as a date or timestamp, else its `event_time`,
    else its `watermark` (a keyed table's version time: an update moves the row to its time's
    partition); None: none of them, or not a date or timestamp column of the payload."""
    named = [(DECLARED, c) for c in chosen]
    for what, name in (*named, ("event time", ref.dataset.event_time), ("watermark", ref.dataset.watermark)):
        column = ref.column(name) if name else None
        if column is None or column.metadata is not None or column.name in text:
            continue
        type_name = parse_column_type(column.type).name
        if type_name in TIME_TYPES:
            return column.name, type_name, what
    return None


def silver_unpartitioned_reason(ref: TableRef, cap: TableCapacity) -> str:
    """Why silver is not partitioned though the plan partitions the table."""
    if cap.partition == "none":
        return "the plan keeps the table whole"
    return "no event_time or watermark column (date or timestamp) to partition silver by"


def table_capacity(capacity: Capacity, ref: TableRef) -> TableCapacity:
    """The plan's capacity figures of a source table."""
    return capacity.table(ref.qualified)


def partition_data(layouts: dict[str, Layout | None], cap: TableCapacity) -> dict[str, Any]:
    """lake.json's / the Spark job's `partition` of a table: each layer's layout as data (None: not
    partitioned) and the target file size in bytes."""
    out: dict[str, Any] = {layer: (lay.as_data() if lay else None) for layer, lay in layouts.items()}
    out["file_bytes"] = target_file_bytes(cap)
    return out


def describe(layouts: dict[str, Layout | None], cap: TableCapacity, ref: TableRef) -> str:
    """One line of `pipegen plan`: what the lake tables of a source table get, with why."""
    mib = target_file_bytes(cap) / 1024**2
    if all(lay is None for lay in layouts.values()):
        whole = "bronze and silver not partitioned (the plan keeps the table whole)"
        return f"lake tables: {whole}; target file size {mib:,.0f} MiB"
    parts = []
    for layer, lay in layouts.items():
        if lay is None:
            parts.append(f"{layer} not partitioned ({silver_unpartitioned_reason(ref, cap)})")
        else:
            coarser = f" ({lay.reason.rsplit('; ', 1)[-1]})" if lay.granularity != cap.partition else ""
            coarser = f" ({lay.reason})" if cap.partition == "none" else coarser
            parts.append(f"{layer} by {lay.granularity}({lay.source}){coarser} (Delta/Parquet: column {lay.column})")
    return f"lake tables: {'; '.join(parts)}; target file size {mib:,.0f} MiB"
