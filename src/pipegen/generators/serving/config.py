"""pipeline/serving.json: the Lambda serving views as data. Per windowed stream job whose batch
recomputation pipegen can write (`servable`), the landed tables it reads, the window, the group
keys and the measures; the generated module (templates/serving/serving.py) recomputes the
job's windows from the batch layer and serves them up to the batch's high-water mark, the speed
layer's windows past it. Pure functions of the spec and the plan's names."""

from __future__ import annotations

from typing import Any

from pipegen.plan.names import Names
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import Measure, Spec, StreamJob, WindowType

SERVING_SCHEMA = "serving"


def _plain(ref: str) -> bool:
    return all(part.isidentifier() for part in ref.strip().split("."))


def tables_of(job: StreamJob, index: SpecIndex) -> list[TableRef] | str:
    """The job's source table then its joined tables, or why the batch side cannot be written."""
    out = []
    for name in (job.from_, *(j.table for j in job.joins)):
        table = index.resolve(name, allow_marts=False).table
        if table is None:
            return f"'{name}' is not a source table"
        out.append(table)
    return out


def why_not(job: StreamJob, index: SpecIndex) -> str | None:
    """Why the job's windows cannot be recomputed from the batch layer (None: they can)."""
    if job.window is None or job.window.type != WindowType.TUMBLE:
        return "only tumbling windows are recomputed from the batch layer (hop, cumulate and session: not yet)"
    if job.filter or job.top_n or job.history:
        return "a filter, top_n or history is not recomputed from the batch layer yet"
    if any(j.filter for j in job.joins):
        return "a join filter is not recomputed from the batch layer yet"
    if any(not _plain(g.expr) or g.name for g in job.group_by):
        return "group keys that are expressions are not recomputed from the batch layer yet"
    if any(m.expr or m.where or (m.column and not _plain(m.column)) for m in job.measures):
        return "measures over expressions or with `where` are not recomputed from the batch layer yet"
    tables = tables_of(job, index)
    if isinstance(tables, str):
        return tables
    if tables[0].dataset.event_time is None:
        return f"'{tables[0].qualified}' has no event_time"
    return None


def _column(ref: str, tables: list[TableRef], names: Names) -> tuple[int, str] | None:
    """'col' or 'table.col' -> (index of the table in `tables`, landed column name)."""
    parts = ref.strip().split(".")
    for i, table in enumerate(tables):
        if len(parts) > 1 and parts[-2].lower() != table.dataset.name.lower():
            continue
        column = table.column(parts[-1])
        if column is not None:
            return i, str(names.dataset(table.source.name, table.dataset.name).column(column.name))
    return None


def job_config(job: StreamJob, index: SpecIndex, names: Names) -> dict[str, Any] | str:
    reason = why_not(job, index)
    tables = tables_of(job, index)
    if reason is not None or isinstance(tables, str):
        return reason or str(tables)
    landed = [names.dataset(t.source.name, t.dataset.name) for t in tables]
    event_time = _column(tables[0].dataset.event_time or "", tables, names)
    group = [(g.output_name, _column(g.expr, tables, names)) for g in job.group_by]
    measures = [(m, _column(m.column, tables, names) if m.column else None) for m in job.measures]
    if event_time is None or any(c is None for _, c in group) or any(m.column and c is None for m, c in measures):
        return "a column of the job is not a column of its tables (a derived column is not landed)"
    joins = []
    for i, join in enumerate(job.joins, start=1):
        pairs = [(_column(left, tables, names), _column(right, [tables[i]], names)) for left, right in join.on]
        if any(a is None or b is None for a, b in pairs):
            return "a join key is not a column of its tables"
        joins.append({"on": [[a[0], a[1], b[1]] for a, b in pairs if a and b], "inner": join.type.value != "left"})
    return {
        "job": job.name,
        "table": str(names.stream(job.name).sink_table),
        "tables": [[str(d.raw_schema), str(d.raw_table)] for d in landed],
        "joins": joins,
        "event_time": event_time[1],
        "window_s": job.window.size if job.window else None,
        "group_by": [[name, c[0], c[1]] for name, c in group if c],
        "measures": [_measure(m, c) for m, c in measures],
    }


def _measure(m: Measure, column: tuple[int, str] | None) -> dict[str, Any]:
    return {
        "name": m.name,
        "agg": m.agg.value if m.agg else "count",
        "table": column[0] if column else None,
        "column": column[1] if column else None,
        "default": m.default,
    }


def serving_config(spec: Spec, names: Names) -> dict[str, Any]:
    index = index_of(spec)
    served, skipped = [], []
    for job in spec.transforms.streams:
        if job.window is None:
            continue
        config = job_config(job, index, names)
        if isinstance(config, str):
            skipped.append({"job": job.name, "why": config})
        else:
            served.append(config)
    return {"schema": SERVING_SCHEMA, "jobs": served, "not_served": skipped}
