"""Transforms: marts and stream jobs reference what exists, windows have the right shape."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import Resolved, SpecIndex
from pipegen.spec.model import (
    Aggregation,
    Join,
    Mart,
    Spec,
    StreamJob,
    WindowType,
)
from pipegen.spec.rules._common import suggest
from pipegen.spec.types import (
    NUMERIC_TYPES,
    format_duration,
    parse_column_type,
)


def _resolve(index: SpecIndex, ref: str, path: Path, allow_marts: bool = True) -> Iterator[Finding | Resolved]:
    resolved = index.resolve(ref, allow_marts=allow_marts)
    if resolved.error:
        yield Finding(
            path,
            "R207",
            resolved.error,
            suggest(ref, index.known_names()) or "name a table of a source (or a mart)",
        )
    else:
        yield resolved


def _joined_inputs(
    index: SpecIndex, job: Mart | StreamJob, base: Path, allow_marts: bool
) -> Iterator[Finding | Resolved]:
    results: list[Resolved] = []
    for item in _resolve(index, job.from_, (*base, "from"), allow_marts):
        if isinstance(item, Resolved):
            results.append(item)
        else:
            yield item
    for ji, join in enumerate(job.joins):
        joined = list(_resolve(index, join.table, (*base, "joins", ji, "table"), allow_marts))
        for item in joined:
            if isinstance(item, Finding):
                yield item
            elif results:
                yield from _join_columns(join, results[0], item, (*base, "joins", ji))
                results.append(item)
    yield from results


def _join_columns(join: Join, left: Resolved, right: Resolved, path: Path) -> Iterator[Finding]:
    for key in join.on:
        for side, res in (("left", left), ("right", right)):
            if key.lower() not in {c.lower() for c in res.columns}:
                yield Finding(
                    (*path, "on"),
                    "R207",
                    f"join key '{key}' is not a column of the {side} side ({_input_name(res)})",
                    _join_key_hint(key, res),
                )


def _input_name(res: Resolved) -> str:
    if res.table:
        return res.table.qualified
    return res.mart.name if res.mart else "?"


def _join_key_hint(key: str, res: Resolved) -> str:
    """A spelling fix only when the key is nearly a column of that side (differs in case or by a
    letter or two); otherwise the columns it does have, never an unrelated look-alike."""
    lowered = {c.lower(): c for c in res.columns}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.85)
    if close:
        return f"did you mean '{lowered[close[0]]}'?"
    return f"{_input_name(res)} has: {', '.join(res.columns)}; join on a column both sides have"


def _check_columns(job: Mart | StreamJob, inputs: list[Resolved], base: Path) -> Iterator[Finding]:
    available = {c.lower(): c for r in inputs for c in r.columns}
    qualified = {f"{r.table.dataset.name}.{c}".lower() for r in inputs if r.table for c in r.columns}
    qualified |= {f"{r.mart.name}.{c}".lower() for r in inputs if r.mart for c in r.columns}

    def known(col: str) -> bool:
        return col.lower() in available or col.lower() in qualified

    for gi, col in enumerate(job.group_by):
        if not known(col):
            path = (*base, "group_by", gi) if len(job.group_by) > 1 else (*base, "group_by")
            yield Finding(
                path,
                "R207",
                f"group_by column '{col}' is not in the inputs of '{job.name}'",
                suggest(col, available.values()) or "use a column of the from/joined tables",
            )
    for mi, measure in enumerate(job.measures):
        path = (*base, "measures", mi)
        if measure.column is None:
            if measure.agg not in (Aggregation.COUNT,):
                yield Finding(
                    path, "R221", f"measure '{measure.name}' ({measure.agg.value}) needs a column", "add `column:`"
                )
        elif not known(measure.column):
            yield Finding(
                (*path, "column"),
                "R207",
                f"measure column '{measure.column}' is not in the inputs",
                suggest(measure.column, available.values()) or "use a column of the inputs",
            )
        elif measure.agg in (Aggregation.SUM, Aggregation.AVG):
            yield from _numeric_measure(measure.column, inputs, (*path, "column"), measure.agg.value)


def _numeric_measure(column: str, inputs: list[Resolved], path: Path, agg: str) -> Iterator[Finding]:
    name = column.rsplit(".", maxsplit=1)[-1].lower()
    for r in inputs:
        col = r.table.column(name) if r.table else None
        if col is not None and parse_column_type(col.type).name not in NUMERIC_TYPES:
            yield Finding(
                path,
                "R221",
                f"{agg} needs a numeric column; '{col.name}' is {col.type}",
                "use count or count_distinct, or a numeric column",
            )
            return


def _job_inputs(
    index: SpecIndex, job: Mart | StreamJob, base: Path, allow_marts: bool
) -> tuple[list[Finding], list[Resolved] | None]:
    """Problems resolving a job's inputs, and the inputs when every one resolved."""
    findings: list[Finding] = []
    inputs: list[Resolved] = []
    for item in _joined_inputs(index, job, base, allow_marts):
        if isinstance(item, Finding):
            findings.append(item)
        else:
            inputs.append(item)
    return findings, inputs if len(inputs) == 1 + len(job.joins) else None


def marts(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for mi, mart in enumerate(spec.transforms.marts):
        base: Path = ("transforms", "marts", mi)
        findings, inputs = _job_inputs(index, mart, base, allow_marts=True)
        yield from findings
        if inputs:
            yield from _check_columns(mart, inputs, base)
        if mart.materialized.value == "incremental" and not mart.unique_key and not mart.group_by:
            yield Finding(
                (*base, "materialized"),
                "R207",
                "an incremental mart needs unique_key (or group_by)",
                "add `unique_key: [column]`",
            )
    yield from _mart_cycles(spec, index)
    yield from _marts_named_like_tables(spec, index)


def _marts_named_like_tables(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """A mart may share a table's name (`orders` built from `orders`): `from` and `joins` then
    mean the table, because tables resolve before marts. Say so, since no reference can reach
    that mart by its name."""
    for mi, mart in enumerate(spec.transforms.marts):
        shadowed = index.resolve(mart.name, allow_marts=False).table
        if shadowed is not None:
            yield Finding(
                ("transforms", "marts", mi, "name"),
                "R226",
                f"mart '{mart.name}' has the name of table '{shadowed.qualified}'; "
                f"'{mart.name}' in from/joins means the table",
                f"rename the mart (e.g. {mart.name}_mart) if another mart must read it",
                severity="warning",
            )


def _mart_cycles(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Marts that (through other marts) read from themselves: dbt could never build them."""
    refs = {
        m.name.lower(): [r.lower() for r in (m.from_, *(j.table for j in m.joins)) if index.resolve(r).mart]
        for m in spec.transforms.marts
    }
    for mi, mart in enumerate(spec.transforms.marts):
        chain = _cycle_from(mart.name.lower(), refs)
        if chain:
            yield Finding(
                ("transforms", "marts", mi, "from"),
                "R207",
                f"mart '{mart.name}' depends on itself: {' -> '.join(chain)}",
                "break the cycle: drop one of these references",
            )


def _cycle_from(start: str, refs: dict[str, list[str]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, chain = stack.pop()
        for nxt in refs.get(node, []):
            if nxt == start:
                return [*chain, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*chain, nxt]))
    return None


def streams(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    target_names = [t.name for t in spec.targets]
    for ji, job in enumerate(spec.transforms.streams):
        base: Path = ("transforms", "streams", ji)
        findings, inputs = _job_inputs(index, job, base, allow_marts=False)
        yield from findings
        if inputs:
            yield from _check_columns(job, inputs, base)
            yield from _stream_source(job, inputs[0], base)
        if job.sink and job.sink.lower() not in {n.lower() for n in target_names}:
            yield Finding(
                (*base, "sink"),
                "R207",
                f"sink '{job.sink}' is not a target",
                suggest(job.sink, target_names) or f"targets: {', '.join(target_names)}",
            )
        if job.top_n and job.top_n.order_by.lower() not in {m.name.lower() for m in job.measures}:
            yield Finding(
                (*base, "top_n", "order_by"),
                "R207",
                f"top_n orders by '{job.top_n.order_by}', not a measure",
                suggest(job.top_n.order_by, [m.name for m in job.measures]) or "order by a measure",
            )
        if job.window:
            yield from _window_shape(job, (*base, "window"))
        elif job.measures:
            yield Finding(
                (*base, "measures"),
                "R215",
                "stream aggregations need a window",
                "add `window: {type: tumble, size: 1m}`, or drop measures for a per-event filter",
                on_key=True,
            )


def _stream_source(job: StreamJob, base_input: Resolved, base: Path) -> Iterator[Finding]:
    table = base_input.table
    if table is None:
        return
    if table.source.ingestion.value == "batch":
        yield Finding(
            (*base, "from"),
            "R207",
            f"stream job '{job.name}' reads '{table.qualified}', which is ingested in batch",
            "read a topic or a table whose source uses cdc ingestion",
        )
    if job.window and not (table.dataset.event_time or table.dataset.watermark):
        yield Finding(
            (*base, "window"),
            "R215",
            f"'{table.qualified}' has no event_time for windowing",
            f"set `event_time:` on {table.dataset.name} to its timestamp column",
            on_key=True,
        )


_WINDOW_FIELDS = {
    WindowType.TUMBLE: ("size",),
    WindowType.HOP: ("size", "slide"),
    WindowType.SESSION: ("gap",),
    WindowType.CUMULATE: ("size", "step"),
}


def _window_shape(job: StreamJob, path: Path) -> Iterator[Finding]:
    window = job.window
    assert window is not None
    needed = _WINDOW_FIELDS[window.type]
    for field in ("size", "slide", "gap", "step"):
        value = getattr(window, field)
        if field in needed and value is None:
            yield Finding(
                path, "R215", f"a {window.type.value} window needs `{field}`", f"add `{field}:` (a duration such as 1m)"
            )
        elif field not in needed and value is not None:
            yield Finding(
                (*path, field),
                "R215",
                f"a {window.type.value} window has no `{field}`",
                f"{window.type.value} takes: {', '.join(needed)}",
                on_key=True,
            )
    if window.type == WindowType.HOP and window.size and window.slide and window.slide > window.size:
        yield Finding(
            (*path, "slide"),
            "R215",
            f"slide {format_duration(window.slide)} is longer than size {format_duration(window.size)}",
            "a hop window slides by at most its size",
        )
    if window.type == WindowType.CUMULATE and window.size and window.step and window.size % window.step:
        yield Finding(
            (*path, "size"),
            "R215",
            "a cumulate window's size must be a whole multiple of its step",
            "e.g. size: 1h with step: 5m",
        )


def sql_filters(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    jobs: list[tuple[Path, str]] = [
        (("transforms", "marts", i, "filter"), m.filter) for i, m in enumerate(spec.transforms.marts) if m.filter
    ]
    jobs += [
        (("transforms", "streams", i, "filter"), j.filter) for i, j in enumerate(spec.transforms.streams) if j.filter
    ]
    if not jobs:
        return
    from pipegen.spec.sqlcheck import expression_problem  # sqlglot only when a filter exists

    for path, text in jobs:
        problem = expression_problem(text)
        if problem:
            yield Finding(
                path,
                "R217",
                f"filter is not a single SQL boolean expression: {problem}",
                "write one condition such as `amount > 1000 AND status = 'paid'`",
            )
