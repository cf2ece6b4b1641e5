"""The lake tables' partitioning findings, from the plan's capacity figures: R366 at a lake target's
`partition_by` column that partitions no lake table (no table's silver, plan/lake_partition.py, and no
mart's gold, plan/lake_gold.py) and R447 at a table the plan partitions whose silver has no time column."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.capacity import Capacity, human
from pipegen.plan.lake_gold import gold_columns
from pipegen.plan.lake_partition import declared_columns, table_capacity, time_column
from pipegen.spec.catalog import LAKE_TARGETS
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import index_of
from pipegen.spec.model import Spec


def unapplied_columns(spec: Spec) -> tuple[str, ...]:
    """The lake targets' `partition_by` columns that partition no lake table: no table's silver (not a date
    or timestamp column of any table, or always after another declared column the table has) and no
    mart's gold (not a date or timestamp output of a mart, or after another declared one: plan/lake_gold)."""
    chosen = declared_columns(spec)
    used = {timed[0] for ref in index_of(spec).tables if (timed := time_column(ref, chosen=chosen))}
    used |= gold_columns(spec, chosen)
    return tuple(c for c in chosen if c not in used)


def _unapplied(spec: Spec) -> Iterator[Finding]:
    """R366 (warning) at each lake target's `partition_by` column that partitions no lake table."""
    unapplied = set(unapplied_columns(spec))
    for ti, target in enumerate(spec.targets):
        if target.type not in LAKE_TARGETS:
            continue
        for ci, column in enumerate(target.partition_by):
            if column in unapplied:
                yield Finding(
                    ("targets", ti, "partition_by", ci),
                    "R366",
                    f"target '{target.name}': partition column '{column}' partitions no lake table: a lake table's "
                    "silver is partitioned by one date or timestamp column at the plan's granularity (the first of "
                    "`partition_by` the table has, else its event_time or watermark), a mart's gold by one date or "
                    "timestamp output, and no table or mart takes this one",
                    "name a date or timestamp column of the tables or output of the marts, or remove it (bronze is "
                    "partitioned by arrival)",
                    severity="warning",
                )


def partition_findings(spec: Spec, capacity: Capacity) -> tuple[Finding, ...]:
    """R366 (above) and R447 (warning): a lake table the plan partitions whose silver has no time column to be
    partitioned by (no date or timestamp `event_time` or `watermark`): silver stays one partition
    (bronze is partitioned by arrival), so expiry cannot drop it a partition at a time."""
    if not any(t.type in LAKE_TARGETS for t in spec.targets):
        return ()
    out = list(_unapplied(spec))
    for ref in index_of(spec).tables:
        if not any(c.metadata is None for c in ref.dataset.columns):
            continue  # no lake table (lakehouse/config.py's rule)
        cap = table_capacity(capacity, ref)
        if cap.partition == "none" or time_column(ref, chosen=declared_columns(spec)) is not None:
            continue
        out.append(
            Finding(
                (*ref.path, "name"),
                "R447",
                f"the plan partitions {ref.qualified} by {cap.partition} ({human(cap.partition_bytes, 'bytes')} per "
                "partition), but its silver lake table has no date or timestamp event_time or watermark to be "
                "partitioned by: silver is one partition (bronze is partitioned by arrival)",
                "set `watermark` (a streamed table: `event_time`) to the table's date or timestamp column, or name "
                "it in the lake target's `partition_by`",
                severity="warning",
            )
        )
    return tuple(out)
