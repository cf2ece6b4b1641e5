"""How gold's lake tables (the marts the lake publishes) are partitioned and how large their files are,
from the plan's capacity figures, like bronze's and silver's (plan/lake_partition.py): the one choice
the lake step (lakehouse/config.py -> lake.json `marts`) and the Spark job (spark/config.py ->
medallion.json `marts`) read, and `pipegen plan` prints with its reason.

- The time column: a mart's first date or timestamp output (a lake target's `partition_by` column
  first, as for silver): an output that is a column of its inputs (a table's staged or derived
  column with its type, another mart's typed output), or `date(<column>)` / `cast(<column> as
  date|timestamp)` of one. A mart with none is not partitioned (no time to partition by).
- The size: a mart's rows are not planned, so its bound is its base table's (`from`, followed
  through marts to a source table): a mart has at most one row per row of its base table (a
  grouped mart far fewer; a join to a dimension by its key adds none), so its stored bytes a day
  are at most the base table's. The plan's granularity rule (capacity.partition_for: the finest
  with partitions of at least 1 GiB, within the retention) applied to that bound; below 1 GiB
  retained in all the mart is "not partitioned: too small". A chosen column (`partition_by`) partitions
  by day where the bound is too small (the user asked for partitions). A `date` output: by day at most.
- Files: the plan's file size of those partitions (capacity.files_for), within [TARGET_FILE_MIN,
  TARGET_FILE_MAX], as lake_partition.target_file_bytes.
Pure functions of the spec and its capacity figures; no sqlglot (`pipegen plan` prints it)."""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from pipegen.plan.capacity import TARGET_FILE_MAX, TARGET_FILE_MIN, Capacity, files_for, human, partition_for
from pipegen.plan.lake_partition import DECLARED, TIME_TYPES, Layout, declared_columns, layout_for, table_capacity
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import Mart, Materialization, Spec
from pipegen.spec.rules.expressions import job_inputs, table_input
from pipegen.spec.scope import Input, Scope, plain_ref
from pipegen.spec.types import parse_column_type

# `date(col)`, `cast(col as date)`, `cast(col as timestamp)`: the time expressions typed here. Only the
# keywords ignore case (`(?i:...)`): a whole-pattern IGNORECASE made compiling the two ~2 ms of `validate`.
DATE_CALL = re.compile(r"^\s*(?i:date)\s*\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)\s*$")
CAST_CALL = re.compile(r"^\s*(?i:cast)\s*\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s+(?i:as)\s+((?i:date|timestamp))\s*\)\s*$")


class GoldChoice(NamedTuple):
    """One mart's gold partitioning (None: not partitioned), its file size and why."""

    mart: str
    layout: Layout | None
    file_bytes: int
    reason: str


def base_table(mart: Mart, index: SpecIndex, seen: frozenset[str] = frozenset()) -> TableRef | None:
    """The source table a mart's rows come from: its `from`, followed through marts."""
    found = index.resolve(mart.from_)
    if found.table is not None:
        return found.table
    if found.mart is None or found.mart.name in seen:
        return None
    return base_table(found.mart, index, seen | {mart.name})


def _scope(mart: Mart, index: SpecIndex, seen: frozenset[str]) -> Scope | None:
    """The mart's inputs with their types: tables' staged columns, other marts' outputs (typed here)."""
    resolved = job_inputs(index, mart, allow_marts=True)
    if resolved is None:
        return None
    inputs = []
    for r in resolved:
        if r.table is not None:
            inputs.append(table_input(r.table))
        elif r.mart is not None and r.mart.name not in seen:
            inputs.append(Input(r.mart.name, output_types(r.mart, index, seen | {mart.name})))
        else:
            inputs.append(Input(r.name, dict.fromkeys(r.columns)))
    merged = frozenset(left.lower() for j in mart.joins for left, right in j.on if left == right and "." not in left)
    return Scope(tuple(inputs), merged=merged)


def expression_type(text: str, scope: Scope) -> str | None:
    """A plain column's type, `date(col)` a date, `cast(col as date|timestamp)` that type (when col is
    a date or timestamp column); None: not typed here."""
    ref = plain_ref(text)
    if ref is not None:
        return scope.type_of(*ref)
    match = DATE_CALL.match(text) or CAST_CALL.match(text)
    inner = plain_ref(match.group(1)) if match else None
    inner_type = scope.type_of(*inner) if inner is not None else None
    if match is None or inner_type is None or parse_column_type(inner_type).name not in TIME_TYPES:
        return None
    return "date" if match.re is DATE_CALL else match.group(2).lower()


def output_types(mart: Mart, index: SpecIndex, seen: frozenset[str] = frozenset()) -> dict[str, str | None]:
    """Each row-level or group-by output of a mart -> its portable type (None: unknown); measures
    are aggregates, never a time to partition by."""
    scope = _scope(mart, index, seen)
    outputs = mart.columns or mart.group_by
    if scope is None:
        return {o.output_name: None for o in outputs}
    return {o.output_name: expression_type(o.expr, scope) for o in outputs}


def time_output(mart: Mart, index: SpecIndex, chosen: tuple[str, ...] = ()) -> tuple[str, str, str] | None:
    """(output, its type's name, what it is) gold is partitioned by: the first `chosen` output (a lake
    target's `partition_by`) that is a date or timestamp, else the mart's first such output."""
    typed = {name: parse_column_type(t).name for name, t in output_types(mart, index).items() if t}
    timed = {name: t for name, t in typed.items() if t in TIME_TYPES}
    lowered = {name.lower(): name for name in timed}
    for column in chosen:
        if column.lower() in lowered:
            name = lowered[column.lower()]
            return name, timed[name], DECLARED
    first = next(iter(timed), None)
    return (first, timed[first], "its first date or timestamp output") if first else None


def gold_columns(spec: Spec, chosen: tuple[str, ...]) -> set[str]:
    """The `chosen` columns (a lake target's `partition_by`) that partition a mart's gold (as spelled there)."""
    index = index_of(spec)
    marts = [m for m in spec.transforms.marts if m.materialized != Materialization.EPHEMERAL]
    picked = {timed[0].lower() for m in marts if (timed := time_output(m, index, chosen)) and timed[2] == DECLARED}
    return {c for c in chosen if c.lower() in picked}


def file_bytes_of(partition_bytes: float) -> int:
    """The target file size of partitions of this size (capacity.files_for), within the plan's bounds."""
    return int(min(TARGET_FILE_MAX, max(TARGET_FILE_MIN, math.ceil(files_for(partition_bytes)[1]))))


def gold_choice(spec: Spec, capacity: Capacity, mart: Mart, chosen: tuple[str, ...] = ()) -> GoldChoice:
    """A mart's gold partitioning, file size and reason (the module's rules)."""
    from pipegen.plan.names import snake

    index = index_of(spec)
    base = base_table(mart, index)
    if base is None:  # pragma: no cover - validate resolves every mart's `from` to a table
        return GoldChoice(mart.name, None, TARGET_FILE_MIN, "not partitioned: no base table to size it by")
    cap = table_capacity(capacity, base)
    days = spec.volume.retention_days
    choice = partition_for(cap.stored_bytes_per_day, days)
    bound = (
        f"at most {base.qualified}'s {human(cap.stored_bytes_per_day, 'bytes')} a day (a mart has at most a row "
        "per row of its base table)"
    )
    timed = time_output(mart, index, chosen)
    size = file_bytes_of(choice.size)
    if timed is None:
        return GoldChoice(mart.name, None, size, "not partitioned: no date or timestamp output to partition by")
    column, type_name, what = timed
    landed = str(snake(column))
    if choice.granularity == "none" and what != DECLARED:
        retained = human(cap.stored_bytes_per_day * days, "bytes")
        why = f"not partitioned: too small ({bound}, at most {retained} retained in {days} days, below 1 GiB)"
        return GoldChoice(mart.name, None, size, why)
    if choice.granularity == "none":
        layout = layout_for("day", landed, type_name, f"by {what} ({landed}), by day where the plan keeps it whole")
        return GoldChoice(mart.name, layout, size, f"{layout.reason}; {bound}")
    layout = layout_for(choice.granularity, landed, type_name, f"by {what} ({landed}), {choice.reason}")
    return GoldChoice(mart.name, layout, size, f"{layout.reason}; {bound}")


def gold_choices(spec: Spec, capacity: Capacity) -> list[GoldChoice]:
    """Every mart the lake publishes to gold (not ephemeral), in spec order."""
    chosen = declared_columns(spec)
    marts = [m for m in spec.transforms.marts if m.materialized != Materialization.EPHEMERAL]
    return [gold_choice(spec, capacity, m, chosen) for m in marts]


def gold_data(choice: GoldChoice) -> dict[str, Any]:
    """lake.json's / medallion.json's `partition` of a mart: gold's layout as data (None: not
    partitioned) and the target file size in bytes."""
    return {"gold": choice.layout.as_data() if choice.layout else None, "file_bytes": choice.file_bytes}


def describe_layout(head: str, layout: Layout | None, reason: str, file_bytes: int, formats: str) -> str:
    """One line of `pipegen plan` for a table the plan lays out (a mart's gold table, a stream job's Delta sink):
    its partitioning (`formats`: where the stored column is written) and file size, with why."""
    tail = f"{reason}; target file size {file_bytes / 1024**2:,.0f} MiB"
    if layout is None:
        return f"{head}: {tail}"
    return f"{head}: by {layout.granularity}({layout.source}) ({formats}: column {layout.column}): {tail}"


def describe_gold(choice: GoldChoice) -> str:
    """One line of `pipegen plan`: what a mart's gold table gets, with why."""
    return describe_layout(f"gold {choice.mart}", choice.layout, choice.reason, choice.file_bytes, "Delta/Parquet")
