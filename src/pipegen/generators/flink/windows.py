"""Windows of the flink family's jobs: the window TVF aggregation (TUMBLE/HOP/SESSION/CUMULATE,
never the legacy group windows), the window top-N (ROW_NUMBER per window), the per-key history
statistics (OVER windows over the previous events) and a window's description for the docs.
"""

from __future__ import annotations

from collections.abc import Callable

from pipegen.generators.flink.options import duration
from pipegen.generators.flink.relations import Relation, own
from pipegen.plan.names import snake
from pipegen.render.flinksql import flink_expr, quote
from pipegen.render.sqlexpr import Resolver, column_expr, measure_expr
from pipegen.spec.model import Aggregation, History, Measure, TopN, Window, WindowType
from pipegen.spec.types import format_duration

TVF: dict[WindowType, str] = {
    WindowType.TUMBLE: "TUMBLE",
    WindowType.HOP: "HOP",
    WindowType.SESSION: "SESSION",
    WindowType.CUMULATE: "CUMULATE",
}
# The window TVF's duration arguments, in Flink's order: HOP takes slide then size, CUMULATE
# step then max size.
TVF_ARGS: dict[WindowType, tuple[str, ...]] = {
    WindowType.TUMBLE: ("size",),
    WindowType.HOP: ("slide", "size"),
    WindowType.SESSION: ("gap",),
    WindowType.CUMULATE: ("step", "size"),
}
WINDOW_BOUNDS = ("window_start", "window_end")
ROW_NUMBER_COLUMN = "rownum"
# A statistic over the previous events: the OVER window's aggregate minus the current event's part.
ADDITIVE = (Aggregation.SUM, Aggregation.AVG, Aggregation.COUNT)
OVER_AGGREGATES = {Aggregation.MIN: "MIN", Aggregation.MAX: "MAX", Aggregation.COUNT_DISTINCT: "COUNT"}


def describe_window(window: Window | None) -> str:
    if window is None:
        return "per event"
    parts = [f"{a} {format_duration(getattr(window, a))}" for a in TVF_ARGS[window.type]]
    return f"{window.type.value} ({', '.join(parts)})"


def tvf(window: Window, view: str, event_time: str, groups: list[str]) -> str:
    """The window TVF over `view` (quoted) by `event_time` (quoted); a session per group key. The keys
    in parentheses: `PARTITION BY a, b, DESCRIPTOR(...)` reads `b` as the TVF's next argument
    ("Column 'b' not found in any table", PyFlink 2.3)."""
    args = [duration(getattr(window, a)) for a in TVF_ARGS[window.type]]
    table = f"TABLE {view}"
    if window.type == WindowType.SESSION and groups:
        table += f" PARTITION BY ({', '.join(quote(g) for g in groups)})"
    return f"{TVF[window.type]}({table}, DESCRIPTOR({event_time}), {', '.join(args)})"


def window_query(
    window: Window, view: str, event_time: str, groups: list[str], measures: list[Measure], resolve: Resolver
) -> tuple[str, list[str]]:
    """The window TVF aggregation per window and group key (`groups`: view columns, output under
    `output_name`, `Drop` as `drop`); returns it and its output columns."""
    outs = [(flink_expr(measure_expr(m), resolve), snake(m.name)) for m in measures]
    keys = [*(quote(b) for b in WINDOW_BOUNDS), *(quote(g) for g in groups)]
    named = [*(quote(b) for b in WINDOW_BOUNDS), *(as_output(g) for g in groups)]
    select = ",\n  ".join([*named, *(f"{e} AS {quote(n)}" for e, n in outs)])
    query = f"SELECT\n  {select}\nFROM TABLE(\n  {tvf(window, view, event_time, groups)})\nGROUP BY {', '.join(keys)}"
    return query, [*WINDOW_BOUNDS, *(output_name(g) for g in groups), *(n for _, n in outs)]


def output_name(column: str) -> str:
    """The name a job outputs a view column under: as it is, or snake_case when it has capitals
    (`Drop` -> `drop`), as group keys, measures and upsert keys are named (Flink's names are exact)."""
    return column if column == column.lower() else snake(column)


def as_output(column: str) -> str:
    """A view column selected under its output name (`Drop` AS `drop`)."""
    name = output_name(column)
    return quote(column) if name == column else f"{quote(column)} AS {quote(name)}"


def top_n_query(top_n: TopN, query: str, outputs: list[str]) -> tuple[str, list[str]]:
    """The top N rows of each window by `top_n.order_by` (ROW_NUMBER per window, descending)."""
    order = quote(snake(top_n.order_by))
    listed = ", ".join(quote(o) for o in outputs)
    rownum = quote(ROW_NUMBER_COLUMN)
    partition = ", ".join(quote(b) for b in WINDOW_BOUNDS)
    ranked = (
        f"SELECT {listed},\n  ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order} DESC)"
        f" AS {rownum}\nFROM (\n{query}\n)"
    )
    top = f"SELECT {listed}, {rownum}\nFROM (\n{ranked}\n)\nWHERE {rownum} <= {top_n.n}"
    return top, [*outputs, ROW_NUMBER_COLUMN]


# ---------------------------------------------------------------- history


def history_view(
    views: Callable[[int], list[str]], base: Relation, history: tuple[History, ...], event_time: str
) -> list[str]:
    """The source with a column per history statistic (`event_time` quoted): one view per OVER
    window (Flink computes every OVER aggregate of one query on a single window, and refused two
    statistics with another `per`, `previous` or `within`), each over the one before; `views(n)`
    names the n views, the last being the job's history view."""
    windows: dict[str, list[History]] = {}
    for h in history:
        windows.setdefault(_over(h, base, event_time), []).append(h)
    statements, source = [], quote(base.names.flink_table)
    for view, stats in zip(views(len(windows)), windows.values(), strict=True):
        columns = ",\n".join(f"  {history_sql(h, base, event_time)} AS {quote(h.name)}" for h in stats)
        statements.append(
            f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  {quote(base.alias)}.*,\n{columns}"
            f"\nFROM {source} AS {quote(base.alias)};"
        )
        source = quote(view)
    return statements


def history_sql(h: History, base: Relation, event_time: str) -> str:
    """A statistic over the key's previous events, this one excluded: an OVER window ending
    at the current row, minus the current row (Flink's OVER windows end at CURRENT ROW)."""
    x = flink_expr(h.expr or (column_expr(h.column) if h.column else "1"), own(base))
    over = _over(h, base, event_time)
    if h.agg in ADDITIVE:
        return _previous(h.agg, x, over)
    inner = f"DISTINCT {x}" if h.agg == Aggregation.COUNT_DISTINCT else x
    return f"{OVER_AGGREGATES[h.agg]}({inner}) {over}"  # min/max/count_distinct include the current event


def _over(h: History, base: Relation, event_time: str) -> str:
    keys = ", ".join(quote(base.column(k)) for k in h.per)
    if h.previous:
        bound = f"ROWS BETWEEN {h.previous} PRECEDING"
    else:
        bound = f"RANGE BETWEEN {duration(h.within or 0)} PRECEDING"
    return f"OVER (PARTITION BY {keys} ORDER BY {event_time} {bound} AND CURRENT ROW)"


def _previous(agg: Aggregation, x: str, over: str) -> str:
    """SUM, COUNT or AVG over the previous events: the window's value minus the current event's,
    where it has one (a NULL current value is in neither the window's SUM nor its COUNT)."""
    total = f"(SUM(CAST({x} AS DOUBLE)) {over} - COALESCE(CAST({x} AS DOUBLE), 0))"
    count = f"(COUNT({x}) {over} - CASE WHEN {x} IS NULL THEN 0 ELSE 1 END)"
    if agg == Aggregation.SUM:
        return total
    if agg == Aggregation.COUNT:
        return count
    return f"{total} / NULLIF({count}, 0)"
