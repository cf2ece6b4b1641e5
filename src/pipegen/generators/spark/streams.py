"""The stream jobs of `transforms.streams` as the Spark job's stream layer runs them (where the
plan's stream engine is Spark): Spark SQL over the job's input table as transforms see it (the
gold views' SELECT over the table's typed events, rules passed, deletes left out), written to the
gold lake layer. A per-event job (filter, columns) appends each micro-batch's results; an
aggregation (group_by and measures, per tumble / hop / session window or none) is a streaming
query of its own, incremental behind the table's watermark (event_time less watermark_delay),
its rows merged into gold by the job's key (aggregation()); an event later than the watermark
for its window is dropped, as in Flink. A job Spark does not run is listed with the reason, and
the planner warns about it (R406, pipegen.plan.spark_streams)."""

from __future__ import annotations

from typing import Any

from pipegen.generators.spark.marts import DIALECT, bq, resolver, view_name
from pipegen.plan.names import Names, snake
from pipegen.plan.spark_streams import aggregates, group_key, spark_stream_gap, upsert_key
from pipegen.render.sqlexpr import measure_expr, to_sql
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import Spec, StreamJob, Window, WindowType


def interval(value: float | None) -> str:
    """A duration as Spark's interval text (whole seconds, else milliseconds)."""
    seconds = float(value or 0)
    return f"{int(seconds)} seconds" if seconds.is_integer() else f"{round(seconds * 1000)} milliseconds"


def _seconds(value: float | None) -> str:
    """A duration as a Spark SQL interval string literal."""
    return f"'{interval(value)}'"


def window_call(window: Window, event_time: str) -> tuple[str, str]:
    """Spark SQL's window grouping over the quoted event time, and the struct it names."""
    if window.type == WindowType.SESSION:
        return f"session_window({event_time}, {_seconds(window.gap)})", "session_window"
    slide = f", {_seconds(window.slide)}" if window.type == WindowType.HOP else ""
    return f"window({event_time}, {_seconds(window.size)}{slide})", "window"


def event_time_column(ref: TableRef) -> str:
    """The event time as transforms name it (a column's staged name, or a derived column's)."""
    name = (ref.dataset.event_time or "").lower()
    column = next((c for c in ref.dataset.columns if c.name.lower() == name), None)
    return snake(column.staged_name if column is not None else ref.dataset.event_time or "")


def job_sql(job: StreamJob, ref: TableRef) -> str:
    """The job's SELECT over its input's view (`view_name`), aliased t0."""
    resolve = resolver([("t0", ref)])
    lines = [f"FROM {bq(view_name(ref))} AS t0"]
    if job.filter:
        lines.append(f"WHERE {to_sql(job.filter, DIALECT, resolve)}")
    if not job.measures and not job.group_by and job.window is None:
        outputs = [f"{to_sql(c.expr, DIALECT, resolve)} AS {bq(snake(c.output_name))}" for c in job.columns]
        return "SELECT " + (", ".join(outputs) or "t0.*") + "\n" + "\n".join(lines)
    outputs, groups = [], []
    if job.window is not None:
        call, struct = window_call(job.window, f"t0.{bq(event_time_column(ref))}")
        outputs += [f"{struct}.start AS `window_start`", f"{struct}.end AS `window_end`"]
        groups.append(call)
    first = len(outputs) + 1
    outputs += [f"{to_sql(g.expr, DIALECT, resolve)} AS {bq(snake(g.output_name))}" for g in job.group_by]
    groups += [str(first + i) for i in range(len(job.group_by))]
    outputs += [f"{to_sql(measure_expr(m), DIALECT, resolve)} AS {bq(snake(m.name))}" for m in job.measures]
    if groups:
        lines.append("GROUP BY " + ", ".join(groups))
    return "SELECT " + ", ".join(outputs) + "\n" + "\n".join(lines)


def sink_table(job: StreamJob, names: Names) -> str:
    """The gold table of the job's results: the sink's `table`, else the job's sink name."""
    return str(snake(job.sink.table)) if job.sink and job.sink.table else str(names.stream(job.name).sink_table)


def stream_jobs(spec: Spec, index: SpecIndex, names: Names) -> list[dict[str, Any]]:
    """Every stream job: its input table, view, gold table, mode and Spark SQL, or why not."""
    out = []
    for job in spec.transforms.streams:
        entry: dict[str, Any] = {"name": job.name, "table": sink_table(job, names)}
        entry |= {"description": job.description} if job.description else {}
        gap = spark_stream_gap(job, index, spec)
        ref = index.resolve(job.from_, allow_marts=False).table
        if gap or ref is None:
            out.append(entry | {"sql": None, "skipped": gap})
            continue
        ds = names.dataset(ref.source.name, ref.dataset.name)
        entry |= {"input": str(ds.lake_table), "view": view_name(ref), "sql": job_sql(job, ref)}
        out.append(entry | (aggregation(job, ref) if aggregates(job) else {"mode": "append"}))
    return out


def aggregation(job: StreamJob, ref: TableRef) -> dict[str, Any]:
    """How an aggregation runs incrementally: its output mode (update: a window's row as it
    changes, merged into gold by `key`; append for session windows, which Spark cannot update:
    each once the watermark closes it), its key (an upsert sink's `key`, which holds the window's
    bounds and the group columns, else R406; without one those, as the job's SELECT names them) and
    the watermark (the event time as transforms name it and the table's watermark_delay; none
    without an event_time)."""
    session = job.window is not None and job.window.type == WindowType.SESSION
    key = [str(snake(name)) for name in upsert_key(job) or group_key(job)]
    event_time = event_time_column(ref) if ref.dataset.event_time else None
    delay = interval(ref.dataset.watermark_delay) if event_time else None
    return {"mode": "aggregate", "output_mode": "append" if session else "update", "key": key,
            "event_time": event_time, "watermark_delay": delay}  # fmt: skip
