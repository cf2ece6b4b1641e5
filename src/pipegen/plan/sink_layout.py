"""How a stream job's Delta sink table is partitioned and how large its files are, from the plan's capacity
figures, as gold's marts are (plan/lake_gold.py): what flink/delta_relays.json gives the Delta loader
(pipeline/delta_relay.py creates the table with it) and `pipegen plan` prints with its reason. A Delta sink is
relayed through Kafka (plan/flinkjars.RELAYED_SINKS: no connector released for Flink 2.x writes Delta), so pipegen
writes the table itself and chooses its layout as it does for the lake's own tables.

- The time column: the first of the sink target's `partition_by` among the job's outputs that is a date or
  timestamp, else a windowed job's `window_start` (Flink's window bounds are TIMESTAMP(3)), else its input's
  `event_time` where the job outputs it (as silver is partitioned), else the job's first date or timestamp output
  (a column of its inputs, or `date(<column>)` / `cast(<column> as date|timestamp)` of one). A job with none is
  not partitioned (no time to partition by).
- The size: a job's rows are not planned, so its bound is its input table's (`from`): a stream job emits at most a
  row per event of its input (a window far fewer; a lookup join adds none), so its stored bytes a day are at most
  the input's. The plan's granularity rule (capacity.partition_for: the finest with partitions of at least 1 GiB,
  within the retention) applied to that bound; below 1 GiB retained in all the table is "not partitioned: too
  small", unless the target's `partition_by` names the column (the user asked for partitions: by day).
- Files: the plan's file size of those partitions (lake_gold.file_bytes_of), within [TARGET_FILE_MIN,
  TARGET_FILE_MAX]: the table's `delta.targetFileSize` and the writer's target file size.
Pure functions of the spec, its names and its capacity figures; no sqlglot (`pipegen plan` prints it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from pipegen.plan.capacity import Capacity, human, partition_for
from pipegen.plan.flinkjars import relayed_sinks
from pipegen.plan.lake_gold import describe_layout, expression_type, file_bytes_of
from pipegen.plan.lake_partition import DECLARED, TIME_TYPES, Layout, layout_for, table_capacity
from pipegen.spec.index import SpecIndex, index_of
from pipegen.spec.model import Spec, StreamJob, Target, TargetType
from pipegen.spec.rules.expressions import job_scope
from pipegen.spec.types import parse_column_type

if TYPE_CHECKING:
    from pipegen.plan.names import Names

WINDOW_START = "window_start"  # a windowed job's first output (generators/flink/windows.WINDOW_BOUNDS)


class SinkChoice(NamedTuple):
    """One stream job's Delta sink table: its partitioning (None: not partitioned), file size and why."""

    job: str
    table: str
    layout: Layout | None
    file_bytes: int
    reason: str


def time_outputs(job: StreamJob, index: SpecIndex) -> dict[str, str]:
    """The job's outputs (snake-case, as its sink table's columns) that are dates or timestamps -> type name."""
    from pipegen.plan.names import snake

    scope = job_scope(index, job, allow_marts=False)
    if job.window is not None:
        keyed = {WINDOW_START: "timestamp"}
        outputs = job.group_by
    elif job.columns:
        keyed, outputs = {}, job.columns
    else:  # every column of its input
        base = index.resolve(job.from_).table
        staged = base.staged_columns if base is not None else {}
        keyed, outputs = {str(snake(n)): t for n, t in staged.items()}, ()
    typed = dict(keyed)
    for o in outputs:
        found = expression_type(o.expr, scope) if scope is not None else None
        typed[str(snake(o.output_name))] = found or ""
    return {n: parse_column_type(t).name for n, t in typed.items() if t and parse_column_type(t).name in TIME_TYPES}


def time_column(job: StreamJob, target: Target, index: SpecIndex) -> tuple[str, str, str] | None:
    """(output, its type's name, what it is) the sink table is partitioned by (the module's rules)."""
    from pipegen.plan.names import snake

    timed = time_outputs(job, index)
    for column in target.partition_by:
        name = str(snake(column))
        if name in timed:
            return name, timed[name], DECLARED
    if WINDOW_START in timed:
        return WINDOW_START, timed[WINDOW_START], "the window's start"
    base = index.resolve(job.from_).table
    event_time = str(snake(base.dataset.event_time)) if base is not None and base.dataset.event_time else None
    if event_time in timed:  # the input's event time, kept as an output: as silver is partitioned
        return event_time, timed[event_time], "its input's event time"
    first = next(iter(timed), None)
    return (first, timed[first], "its first date or timestamp output") if first else None


def sink_choice(spec: Spec, capacity: Capacity, job: StreamJob, target: Target, table: str) -> SinkChoice:
    """A stream job's Delta sink table's partitioning, file size and reason."""
    index = index_of(spec)
    base = index.resolve(job.from_).table
    if base is None:  # pragma: no cover - validate resolves every stream job's `from` to a table
        return SinkChoice(job.name, table, None, file_bytes_of(0), "not partitioned: no input table to size it by")
    cap = table_capacity(capacity, base)
    days = spec.volume.retention_days
    choice = partition_for(cap.stored_bytes_per_day, days)
    bound = (
        f"at most {base.qualified}'s {human(cap.stored_bytes_per_day, 'bytes')} a day (a stream job emits at most "
        "a row per event of its input)"
    )
    size = file_bytes_of(choice.size)
    timed = time_column(job, target, index)
    if timed is None:
        return SinkChoice(job.name, table, None, size, "not partitioned: no date or timestamp output to partition by")
    column, type_name, what = timed
    if choice.granularity == "none" and what != DECLARED:
        retained = human(cap.stored_bytes_per_day * days, "bytes")
        why = f"not partitioned: too small ({bound}, at most {retained} retained in {days} days, below 1 GiB)"
        return SinkChoice(job.name, table, None, size, why)
    if choice.granularity == "none":
        layout = layout_for("day", column, type_name, f"by {what} ({column}), by day where the plan keeps it whole")
    else:
        layout = layout_for(choice.granularity, column, type_name, f"by {what} ({column}), {choice.reason}")
    return SinkChoice(job.name, table, layout, size, f"{layout.reason}; {bound}")


def sink_choices(spec: Spec, capacity: Capacity, names: Names) -> list[SinkChoice]:
    """Every stream job sinking into a Delta target (relayed), in spec order."""
    jobs = {job.name: job for job in spec.transforms.streams}
    tables = {name: str(names.stream(name).sink_table) for name in jobs}
    return [
        sink_choice(spec, capacity, jobs[r.job], r.target, r.table)
        for r in relayed_sinks(spec, tables)
        if r.target.type == TargetType.DELTA
    ]


def sink_data(choice: SinkChoice) -> dict[str, Any]:
    """delta_relays.json's `layout` (None: not partitioned) and `file_bytes` of a relayed Delta sink table."""
    return {"layout": choice.layout.as_data() if choice.layout else None, "file_bytes": choice.file_bytes}


def describe_sink(choice: SinkChoice) -> str:
    """One line of `pipegen plan`: what a stream job's Delta sink table gets, with why."""
    head = f"Delta sink {choice.table} (stream job {choice.job})"
    return describe_layout(head, choice.layout, choice.reason, choice.file_bytes, "Delta")
