"""Transforms: batch marts (dbt) and stream jobs (Flink SQL), with their joins, outputs,
measures, windows and sinks."""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from pipegen.spec.model.base import Duration, Model, Name, NameList, SnakeName
from pipegen.spec.model.columns import ColumnRules
from pipegen.spec.model.connections import Notification
from pipegen.spec.model.enums import (
    Aggregation,
    JoinType,
    Keep,
    Materialization,
    NullsOrder,
    SinkMode,
    SortDirection,
    WindowType,
)

ScalarValue = str | int | float | bool


class Measure(ColumnRules):
    """An aggregate: `agg` over `column`/`expr`, optionally only over rows matching `where`."""

    name: Name = Field(..., description="Output column name.")
    agg: Aggregation | None = Field(
        None,
        description="count, count_distinct, sum, avg, min or max; omit it when `expr` is itself an aggregate "
        "expression such as `sum(amount) / count(*)`.",
    )
    column: str | None = Field(None, description="Input column (not needed for count).")
    expr: str | None = Field(None, description="Input expression instead of a column, e.g. `(price - cost) * qty`.")
    where: str | None = Field(
        None, description="Only rows matching this condition count, e.g. `payment_method = 'coupon'`."
    )
    default: ScalarValue | None = Field(None, description="The value when no row matched (instead of NULL), e.g. 0.")


def _join_on(value: Any) -> Any:
    """'id', ['a', 'b'] or {left: right} -> ((left, right), ...)."""
    if isinstance(value, str):
        return ((value, value),)
    if isinstance(value, list | tuple):
        return tuple((v, v) if isinstance(v, str) else v for v in value)
    if isinstance(value, dict):
        return tuple(value.items())
    return value


JoinOn = Annotated[
    tuple[tuple[str, str], ...],
    Field(min_length=1),
    BeforeValidator(_join_on, json_schema_input_type=str | list[str] | dict[str, str]),
]


class Join(Model):
    table: str = Field(..., description="Table to join ('table' or 'source.table', or a mart).")
    on: JoinOn = Field(
        ...,
        description="Key column(s) with the same name on both sides (`customer_id`, `[a, b]`), or pairs "
        "`{left column: right column}` such as `{user_id: id}`; the left column may be qualified.",
    )
    type: JoinType = Field(JoinType.LEFT, description="inner, left, or lookup (streams: a dimension lookup).")
    filter: str | None = Field(
        None, description="A condition on the joined table's rows, applied before the join (e.g. `is_active`)."
    )


def _output(value: Any) -> Any:
    return {"expr": value} if isinstance(value, str) else value


class OutputColumn(ColumnRules):
    """A selected column or expression; its name defaults to the column's name."""

    expr: str = Field(..., min_length=1, description="A column ('col' or 'table.col') or a SQL scalar expression.")

    @property
    def output_name(self) -> str:
        return self.name or self.expr.strip().rsplit(".", maxsplit=1)[-1]


Outputs = Annotated[
    tuple[OutputColumn, ...],
    BeforeValidator(
        lambda v: [_output(x) for x in v] if isinstance(v, list | tuple) else [_output(v)],
        json_schema_input_type=str | list[str | OutputColumn],
    ),
]


class Deduplicate(Model):
    """Keep one row per key: `qualify row_number() over (partition by key order by order_by desc) = 1`."""

    key: NameList = Field(..., min_length=1, description="Columns that identify a row, e.g. order_id.")
    order_by: str = Field(..., min_length=1, description="Column or expression that orders a key's rows.")
    keep: Keep = Field(Keep.LAST, description="last (the greatest order_by) or first.")


class OrderKey(Model):
    """One key of a mart's order: an output (or an expression over the outputs), its direction
    and where NULLs go."""

    expr: str = Field(..., min_length=1, description="An output name, or an expression over the outputs.")
    direction: SortDirection = Field(SortDirection.ASC, description="asc (smallest first) or desc.")
    nulls: NullsOrder = Field(
        NullsOrder.LAST, description="first or last (default): where NULLs go, the same on every engine."
    )


# `revenue desc`, `name asc nulls first`: the trailing words of the short form
_ORDER_SUFFIX = re.compile(r"\s+(asc|desc)?\s*(?:nulls\s+(first|last))?\s*$", re.IGNORECASE)


def _order_key(value: Any) -> Any:
    """'expr [asc|desc] [nulls first|last]' -> {expr, direction, nulls}; a mapping stays."""
    if not isinstance(value, str):
        return value
    match = _ORDER_SUFFIX.search(value)
    if match is None or not (match.group(1) or match.group(2)):
        return {"expr": value}
    out: dict[str, str] = {"expr": value[: match.start()]}
    if match.group(1):
        out["direction"] = match.group(1).lower()
    if match.group(2):
        out["nulls"] = match.group(2).lower()
    return out


OrderBy = Annotated[
    tuple[OrderKey, ...],
    BeforeValidator(
        lambda v: [_order_key(x) for x in v] if isinstance(v, list | tuple) else [_order_key(v)],
        json_schema_input_type=str | list[str | OrderKey],
    ),
]


class Sink(Model):
    target: str = Field(..., description="Target name.")
    table: str | None = Field(None, description="Table (or topic) in the target (default: the job name).")
    mode: SinkMode = Field(SinkMode.APPEND, description="append every result, or upsert by `key`.")
    key: NameList = Field((), description="upsert: the output columns that identify a row.")


class Mart(Model):
    """A dbt mart built from staged tables."""

    name: SnakeName = Field(..., description="Model name.")
    description: str | None = Field(None, description="What the mart answers.")
    from_: str = Field(..., alias="from", description="Base table ('table', 'source.table') or another mart.")
    joins: tuple[Join, ...] = Field((), description="Tables joined to the base.")
    columns: Outputs = Field(
        (),
        description="Row-level outputs in order (no measures): columns ('col', 'table.col') or "
        "`{name: ..., expr: ...}`, with descriptions and column rules.",
    )
    group_by: Outputs = Field(
        (), description="Grain: columns ('column' or 'table.column') or `{name: stat_date, expr: date(created_at)}`."
    )
    measures: tuple[Measure, ...] = Field((), description="Aggregates computed per group.")
    filter: str | None = Field(None, description="A SQL boolean expression rows must satisfy.")
    deduplicate: Deduplicate | None = Field(
        None, description="Keep one row per key (after `filter`, before grouping): `{key: [id], order_by: updated_at}`."
    )
    materialized: Materialization = Field(
        Materialization.TABLE,
        description="view, table, incremental, or ephemeral (a helper inlined where it is used, like a dbt CTE).",
    )
    unique_key: NameList = Field((), description="Incremental models: the key to upsert on.")
    target: str | None = Field(None, description="Target the mart is built in (default: the first that runs SQL).")
    order_by: OrderBy = Field(
        (),
        description="The rows' order: outputs or expressions over them, each `name [asc|desc] [nulls first|last]` "
        "or `{expr, direction, nulls}`, e.g. `[total_revenue desc, customer_name]`.",
    )
    limit: int | None = Field(
        None, ge=1, le=1_000_000, description="Keep only the first N rows in `order_by` order (a top-N report)."
    )
    limit_per: NameList = Field(
        (),
        description="Top-N per group: `limit` rows for each value of these outputs (e.g. `[region]`), "
        "like a stream job's `top_n` per window.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Window(Model):
    type: WindowType = Field(..., description="tumble, hop (sliding), session or cumulate.")
    size: Duration | None = Field(None, description="Window length (tumble, hop, cumulate).")
    slide: Duration | None = Field(None, description="hop: how often a window starts.")
    gap: Duration | None = Field(None, description="session: inactivity that closes a session.")
    step: Duration | None = Field(None, description="cumulate: how often a growing window emits.")


class TopN(Model):
    n: int = Field(..., ge=1, le=10000, description="How many rows to keep per window, 1 to 10,000.")
    order_by: str = Field(..., description="Measure to rank by (descending).")


class History(Model):
    """A statistic over each key's previous events, joined to every event (e.g. the user's average order)."""

    name: Name = Field(..., description="Name the filter and outputs use.")
    agg: Aggregation = Field(..., description="avg, sum, min, max, count or count_distinct.")
    column: str | None = Field(None, description="Input column.")
    expr: str | None = Field(None, description="Input expression instead of a column.")
    per: NameList = Field(..., description="The key whose history counts, e.g. user_id.")
    previous: int | None = Field(None, ge=1, le=100000, description="The last N events before this one.")
    within: Duration | None = Field(None, description="Events in this span before this one (instead of `previous`).")


class StreamJob(Model):
    """A continuous aggregation or filter (Flink SQL)."""

    name: SnakeName = Field(..., description="Job name.")
    description: str | None = Field(None, description="What the job computes.")
    from_: str = Field(..., alias="from", description="Input topic or CDC table ('name' or 'source.name').")
    joins: tuple[Join, ...] = Field((), description="Dimension lookups or stream joins.")
    filter: str | None = Field(None, description="A SQL boolean expression (e.g. an anomaly condition).")
    window: Window | None = Field(None, description="Time window; omit for a per-event filter.")
    group_by: Outputs = Field((), description="Grouping columns or `{name: ..., expr: ...}` keys.")
    measures: tuple[Measure, ...] = Field((), description="Aggregates per window and group.")
    top_n: TopN | None = Field(None, description="Keep only the top N groups per window.")
    history: tuple[History, ...] = Field(
        (), description="Per-key statistics over previous events, usable in `filter` and `columns` (anomaly rules)."
    )
    columns: Outputs = Field(
        (), description="Per-event jobs: outputs in order (columns or `{name: ..., expr: ...}`); default all columns."
    )
    sink: Annotated[Sink | None, BeforeValidator(lambda v: {"target": v} if isinstance(v, str) else v)] = Field(
        None,
        description="Where results go: a target name, or `{target, table, mode: append|upsert, key}` "
        "(default: the first target, table named like the job).",
    )
    notify: tuple[Notification, ...] = Field(
        (),
        description="Alert jobs: also send each result to these channels (same as quality.notifications)."
        + " Not sent yet: R363 warns.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Transforms(Model):
    marts: tuple[Mart, ...] = Field((), description="Batch marts (dbt). Staging models are derived from sources.")
    streams: tuple[StreamJob, ...] = Field((), description="Stream jobs (Flink SQL).")
