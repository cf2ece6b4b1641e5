"""Cross-field rules: each relates parts of a valid-shaped spec and has its own code.

Every rule is a small generator of Findings (path + code + message + hint); the
validator locates them in the file. Add a rule by writing a function and listing it in RULES.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding, Path, did_you_mean
from pipegen.spec.index import Resolved, SpecIndex, TableRef
from pipegen.spec.model import (
    Aggregation,
    Column,
    Connection,
    EventSink,
    Join,
    Mart,
    NotificationType,
    Spec,
    StreamJob,
    TargetType,
    WindowType,
)
from pipegen.spec.types import (
    ANY_REF_RE,
    NUMERIC_TYPES,
    ORDERABLE_TYPES,
    TIME_TYPES,
    format_duration,
    is_secret_key,
    parse_column_type,
    parse_secret_ref,
)

Rule = Callable[[Spec, SpecIndex], Iterator[Finding]]
URL_CREDENTIALS_RE = re.compile(r"://[^/@:\s]+:[^/@\s]+@")


def _a(word: str) -> str:
    """'a postgres', 'an api'."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _hint_names(word: str, names: Iterable[str]) -> str | None:
    return did_you_mean(word, names)


# ---------------------------------------------------------------- names


def _duplicates(items: Iterable[tuple[Path, str]], scope: str) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for path, name in items:
        key = name.lower()
        if key in seen:
            yield Finding(
                path,
                "R201",
                f"duplicate {scope} name '{name}' (names are compared ignoring case)",
                f"rename it: '{seen[key]}' is already used in this scope",
            )
        else:
            seen[key] = name


def unique_names(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    yield from _duplicates(((("sources", i, "name"), s.name) for i, s in enumerate(spec.sources)), "source")
    yield from _duplicates(((("targets", i, "name"), t.name) for i, t in enumerate(spec.targets)), "target")
    for si, source in enumerate(spec.sources):
        datasets = [
            (("sources", si, kind, di, "name"), d.name)
            for kind in ("tables", "topics")
            for di, d in enumerate(getattr(source, kind))
        ]
        yield from _duplicates(datasets, "table/topic")
    for t in index.tables:
        cols = [((*t.path, "columns", ci, "name"), c.name) for ci, c in enumerate(t.dataset.columns)]
        yield from _duplicates(cols, "column")
    marts = [(("transforms", "marts", i, "name"), m.name) for i, m in enumerate(spec.transforms.marts)]
    yield from _duplicates(marts, "mart")
    streams = [(("transforms", "streams", i, "name"), j.name) for i, j in enumerate(spec.transforms.streams)]
    yield from _duplicates(streams, "stream job")
    jobs: list[tuple[str, Mart | StreamJob]] = [
        *(("marts", m) for m in spec.transforms.marts),
        *(("streams", j) for j in spec.transforms.streams),
    ]
    counters: dict[str, int] = {}
    for kind, job in jobs:
        i = counters[kind] = counters.get(kind, -1) + 1
        outputs = [(("transforms", kind, i, "measures", mi, "name"), m.name) for mi, m in enumerate(job.measures)]
        yield from _duplicates(outputs, f"output column of '{job.name}'")


def identifier_lengths(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    systems = {s.type.value for s in spec.sources} | {t.type.value for t in spec.targets}
    limits = [(catalog.IDENT_MAX.get(name), name) for name in sorted(systems)]
    tight = [(n, name) for n, name in limits if n is not None]
    if not tight:
        return
    limit, system = min(tight)
    for t in index.tables:
        named: list[tuple[Path, str]] = [((*t.path, "name"), t.dataset.name)]
        named += [((*t.path, "columns", ci, "name"), c.name) for ci, c in enumerate(t.dataset.columns)]
        for path, name in named:
            if len(name.encode()) > limit:
                yield Finding(
                    path,
                    "R202",
                    f"'{name[:40]}…' is {len(name.encode())} bytes long; {system} allows at most {limit}",
                    f"shorten it to {limit} characters or fewer",
                )


def metadata_columns(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    reserved = {c.lower() for c in catalog.METADATA_COLUMNS}
    for t in index.tables:
        for ci, c in enumerate(t.dataset.columns):
            if c.name.lower() in reserved:
                yield Finding(
                    (*t.path, "columns", ci, "name"),
                    "R224",
                    f"'{c.name}' is reserved for the metadata columns pipegen adds "
                    f"({', '.join(catalog.METADATA_COLUMNS)})",
                    "rename the column",
                )


# ---------------------------------------------------------------- tables and columns


def _column_check(t: TableRef, name: str, path: Path, code: str, what: str) -> Iterator[Finding]:
    if t.column(name) is None:
        hint = _hint_names(name, t.column_names) or f"columns of '{t.dataset.name}': {', '.join(t.column_names)}"
        yield Finding(path, code, f"{what} '{name}' is not a column of '{t.dataset.name}'", hint)


def keys_and_watermarks(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        d = t.dataset
        for ki, key in enumerate(d.primary_key):
            key_path = (*t.path, "primary_key", ki) if len(d.primary_key) > 1 else (*t.path, "primary_key")
            yield from _column_check(t, key, key_path, "R203", "primary key column")
        if d.watermark:
            yield from _column_check(t, d.watermark, (*t.path, "watermark"), "R204", "watermark")
            col = t.column(d.watermark)
            if col is not None and parse_column_type(col.type).name not in ORDERABLE_TYPES:
                yield Finding(
                    (*t.path, "watermark"),
                    "R205",
                    f"watermark '{col.name}' has type {col.type}, which cannot be ordered",
                    "use a timestamp, date, number or string column that only grows",
                )
        if d.event_time:
            yield from _column_check(t, d.event_time, (*t.path, "event_time"), "R213", "event_time")
            col = t.column(d.event_time)
            if col is not None and parse_column_type(col.type).name not in TIME_TYPES:
                yield Finding(
                    (*t.path, "event_time"),
                    "R213",
                    f"event_time '{col.name}' has type {col.type}; it must be a timestamp",
                    "point event_time at a timestamp column",
                )


def column_rule_types(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        for ci, col in enumerate(t.dataset.columns):
            yield from _rule_fits_type(col, (*t.path, "columns", ci))


def _rule_fits_type(col: Column, path: Path) -> Iterator[Finding]:
    kind = parse_column_type(col.type).name
    if col.range is not None:
        if kind not in NUMERIC_TYPES:
            yield Finding(
                (*path, "range"),
                "R214",
                f"range applies to numeric columns; '{col.name}' is {col.type}",
                "remove the range, or use accepted_values/regex for other types",
            )
        if col.range.min is None and col.range.max is None:
            yield Finding((*path, "range"), "R214", "range needs min, max or both", "e.g. range: {min: 0}")
        elif col.range.min is not None and col.range.max is not None and col.range.min > col.range.max:
            yield Finding(
                (*path, "range"),
                "R214",
                f"range min {col.range.min:g} is greater than max {col.range.max:g}",
                "swap min and max",
            )
    if col.regex is not None:
        if kind not in ("string", "uuid"):
            yield Finding(
                (*path, "regex"),
                "R214",
                f"regex applies to string columns; '{col.name}' is {col.type}",
                "remove the regex or change the column type",
            )
        try:
            re.compile(col.regex.pattern)
        except re.error as exc:
            yield Finding((*path, "regex"), "R214", f"invalid regular expression: {exc}", "fix the pattern")


def foreign_keys(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        for ci, col in enumerate(t.dataset.columns):
            if col.foreign_key is None:
                continue
            _, _, error = index.resolve_column(col.foreign_key.references)
            if error:
                yield Finding(
                    (*t.path, "columns", ci, "foreign_key"),
                    "R206",
                    f"foreign key: {error}",
                    _hint_names(col.foreign_key.references.split(".")[0], index.known_names())
                    or "write it as table.column of a table in this spec",
                )


def dataset_shapes(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        wants = "topics" if source.type in catalog.TOPIC_SOURCES else "tables"
        other = "tables" if wants == "topics" else "topics"
        if getattr(source, other):
            yield Finding(
                ("sources", si, other),
                "R211",
                f"a {source.type.value} source lists {wants}, not {other}",
                f"rename `{other}:` to `{wants}:`",
                on_key=True,
            )
        elif not getattr(source, wants):
            yield Finding(
                ("sources", si),
                "R211",
                f"source '{source.name}' lists no {wants}",
                f"add `{wants}:` with at least one entry and its columns",
            )
    for t in index.tables:
        yield from _dataset_fields(t)


STREAM_SOURCES = ("kafka", "eventhubs", "kinesis", "pubsub")
# which datasets a field applies to: source types, or "streamed" (a topic, or a table read by cdc/stream)
_FIELD_OWNERS: dict[str, tuple[str, ...]] = {
    "endpoint": ("api",), "pagination": ("api",), "records_path": ("api",), "path": ("files",),
    "event_time": ("streamed",), "watermark_delay": ("streamed",), "format": (*STREAM_SOURCES, "files"),
}  # fmt: skip


def _owns(t: TableRef, owners: tuple[str, ...]) -> bool:
    streamed = t.kind == "topics" or t.source.ingestion.value != "batch"
    return t.source.type.value in owners or ("streamed" in owners and streamed)


def _dataset_fields(t: TableRef) -> Iterator[Finding]:
    for field, owners in _FIELD_OWNERS.items():
        if getattr(t.dataset, field) is not None and not _owns(t, owners):
            what = "streamed tables and topics (cdc or stream ingestion)" if owners == ("streamed",) else (
                f"{', '.join(owners)} sources")  # fmt: skip
            yield Finding(
                (*t.path, field), "R212",
                f"`{field}` does not apply to {t.dataset.name} ({t.source.type.value}, {t.source.ingestion.value})",
                f"`{field}` is for {what}; remove it", on_key=True,
            )  # fmt: skip
    if t.source.type.value == "api" and not t.dataset.endpoint:
        yield Finding((*t.path, "name"), "R212", f"API table '{t.dataset.name}' has no endpoint",
                      "add `endpoint: /path/of/the/resource`")  # fmt: skip


# ---------------------------------------------------------------- sources, targets, cloud


def ingestion_modes(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        allowed = catalog.SOURCE_INGESTION[source.type]
        if source.ingestion not in allowed:
            modes = ", ".join(sorted(m.value for m in allowed))
            yield Finding(
                ("sources", si, "ingestion"),
                "R208",
                f"{_a(source.type.value)} source cannot be read with {source.ingestion.value} ingestion",
                f"{source.type.value} supports: {modes}",
            )


def cloud_match(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        needed = catalog.SOURCE_CLOUD.get(source.type)
        if needed and needed != spec.cloud:
            yield Finding(
                ("sources", si, "type"),
                "R210",
                f"{source.type.value} is an {needed.value} service but cloud is {spec.cloud.value}",
                f"set `cloud: {needed.value}` or use kafka",
            )
    for ti, target in enumerate(spec.targets):
        needed = catalog.TARGET_CLOUD.get(target.type)
        if needed and needed != spec.cloud:
            yield Finding(
                ("targets", ti, "type"),
                "R210",
                f"{target.type.value} runs on {needed.value} only but cloud is {spec.cloud.value}",
                f"set `cloud: {needed.value}` or pick a target available there",
            )
        if target.type in catalog.CLOUD_ONLY_TARGETS and spec.cloud.value == "local":
            yield Finding(
                ("targets", ti, "type"),
                "R210",
                f"{target.type.value} is a managed cloud service; cloud is local",
                "set `cloud:` to aws, gcp or azure, or use duckdb/postgres locally",
            )


def target_options(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for ti, target in enumerate(spec.targets):
        if target.layers and target.type not in catalog.LAKE_TARGETS:
            yield Finding(
                ("targets", ti, "layers"),
                "R222",
                "medallion layers apply to delta and iceberg targets",
                "remove `layers:` or use a delta/iceberg target",
                on_key=True,
            )
        if target.format is not None and target.type != TargetType.FILES:
            yield Finding(
                ("targets", ti, "format"),
                "R222",
                "`format` applies to files targets only",
                "remove `format:`",
                on_key=True,
            )
        for pi, column in enumerate(target.partition_by):
            if not any(t.column(column) for t in index.tables):
                path = (
                    ("targets", ti, "partition_by", pi)
                    if len(target.partition_by) > 1
                    else ("targets", ti, "partition_by")
                )
                all_cols = sorted({c for t in index.tables for c in t.column_names})
                yield Finding(
                    path,
                    "R219",
                    f"partition column '{column}' is not a column of any table",
                    _hint_names(column, all_cols) or "partition by a column the tables have",
                    severity="warning",
                )


# ---------------------------------------------------------------- secrets


def _connection_values(spec: Spec) -> Iterator[tuple[Path, str, Any]]:
    conns: list[tuple[Path, Connection]] = [
        (("sources", i, "connection"), s.connection) for i, s in enumerate(spec.sources)
    ]
    conns += [(("targets", i, "connection"), t.connection) for i, t in enumerate(spec.targets)]
    for env, environment in spec.deploy.environments.items():
        conns += [(("deploy", "environments", env, "targets", name), c) for name, c in environment.targets.items()]
        for key, value in environment.variables.items():
            yield ("deploy", "environments", env, "variables", key), key, value
    for path, conn in conns:
        for field, info in Connection.model_fields.items():
            key = info.alias or field
            value = getattr(conn, field)
            if field != "options" and value is not None:
                yield (*path, key), key, value
        for option, option_value in conn.options.items():
            yield (*path, "options", option), option, option_value
    for ni, note in enumerate(spec.quality.notifications):
        for key in ("webhook", "routing_key", "channel"):
            value = getattr(note, key)
            if value is not None:
                yield ("quality", "notifications", ni, key), key, value


def secrets(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for path, key, value in _connection_values(spec):
        if not isinstance(value, str):
            if is_secret_key(key) and not isinstance(value, bool):
                yield _literal_secret(path, key)
            continue
        refs = ANY_REF_RE.findall(value)
        if refs and parse_secret_ref(value) is None:
            yield Finding(
                path,
                "R216",
                f"malformed reference '{value}'",
                "a reference is the whole value: ${secret:NAME} or ${env:NAME}, "
                "NAME of letters, digits and underscores",
            )
        elif is_secret_key(key) and parse_secret_ref(value) is None:
            yield _literal_secret(path, key)
        elif URL_CREDENTIALS_RE.search(value):
            yield Finding(
                path,
                "R209",
                "this URL embeds a password",
                "remove user:password@ from the URL and set `password: ${secret:NAME}`",
            )


def _literal_secret(path: Path, key: str) -> Finding:
    return Finding(
        path,
        "R209",
        f"`{key}` holds a literal secret; secrets must never be written in the spec",
        f"write it as ${{secret:{key.upper()}}} or ${{env:{key.upper()}}} and store the value in your secret manager",
    )


# ---------------------------------------------------------------- transforms


def _resolve(index: SpecIndex, ref: str, path: Path, allow_marts: bool = True) -> Iterator[Finding | Resolved]:
    resolved = index.resolve(ref, allow_marts=allow_marts)
    if resolved.error:
        yield Finding(
            path,
            "R207",
            resolved.error,
            _hint_names(ref, index.known_names()) or "name a table of a source (or a mart)",
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
                    f"join key '{key}' is not a column of the {side} side",
                    _hint_names(key, res.columns) or f"available: {', '.join(res.columns)}",
                )


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
                _hint_names(col, available.values()) or "use a column of the from/joined tables",
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
                _hint_names(measure.column, available.values()) or "use a column of the inputs",
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


def _mart_cycles(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Marts that (through other marts) read from themselves: dbt could never build them."""
    refs = {
        m.name.lower(): [r.lower() for r in (m.from_, *(j.table for j in m.joins)) if r.lower() in index.marts]
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
                _hint_names(job.sink, target_names) or f"targets: {', '.join(target_names)}",
            )
        if job.top_n and job.top_n.order_by.lower() not in {m.name.lower() for m in job.measures}:
            yield Finding(
                (*base, "top_n", "order_by"),
                "R207",
                f"top_n orders by '{job.top_n.order_by}', not a measure",
                _hint_names(job.top_n.order_by, [m.name for m in job.measures]) or "order by a measure",
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


# ---------------------------------------------------------------- quality, deploy


_NOTIFY_NEEDS = {
    NotificationType.SLACK: ("webhook",),
    NotificationType.EMAIL: ("to",),
    NotificationType.PAGERDUTY: ("routing_key",),
    NotificationType.TEAMS: ("webhook",),
    NotificationType.WEBHOOK: ("webhook",),
}


def quality_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    events = spec.quality.events
    if events.sink == EventSink.KAFKA and not events.topic:
        yield Finding(
            ("quality", "events"),
            "R220",
            "validation events to kafka need a topic",
            "add `topic: <name>` under quality.events",
        )
    for ni, note in enumerate(spec.quality.notifications):
        for field in _NOTIFY_NEEDS[note.type]:
            if getattr(note, field) is None:
                yield Finding(
                    ("quality", "notifications", ni),
                    "R220",
                    f"{_a(note.type.value)} notification needs `{field}`",
                    f"add `{field}:`",
                )


def environments(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    names = [t.name for t in spec.targets]
    for env, environment in spec.deploy.environments.items():
        for target in environment.targets:
            if target.lower() not in {n.lower() for n in names}:
                yield Finding(
                    ("deploy", "environments", env, "targets", target),
                    "R218",
                    f"environment '{env}' overrides unknown target '{target}'",
                    _hint_names(target, names) or f"targets: {', '.join(names)}",
                    on_key=True,
                )


RULES: tuple[Rule, ...] = (
    unique_names,
    identifier_lengths,
    metadata_columns,
    keys_and_watermarks,
    column_rule_types,
    foreign_keys,
    dataset_shapes,
    ingestion_modes,
    cloud_match,
    target_options,
    secrets,
    marts,
    streams,
    sql_filters,
    quality_settings,
    environments,
)


def check(spec: Spec) -> list[Finding]:
    index = SpecIndex(spec)
    return [finding for rule in RULES for finding in rule(spec, index)]
