"""Tables and columns: keys, watermarks, event times, column rules, foreign keys, shapes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import (
    ColumnRules,
    Spec,
)
from pipegen.spec.rules._common import suggest
from pipegen.spec.rules.datasets import event_time_column
from pipegen.spec.types import (
    NUMERIC_TYPES,
    ORDERABLE_TYPES,
    TIME_TYPES,
    parse_column_type,
)


def _column_check(t: TableRef, name: str, path: Path, code: str, what: str) -> Iterator[Finding]:
    if t.column(name) is None:
        hint = suggest(name, t.column_names) or f"columns of '{t.dataset.name}': {', '.join(t.column_names)}"
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
            found = event_time_column(t, d.event_time)  # a column (source or staged name) or a derived column
            if found is None:
                yield from _column_check(t, d.event_time, (*t.path, "event_time"), "R213", "event_time")
            elif parse_column_type(found[1]).name not in TIME_TYPES:
                yield Finding(
                    (*t.path, "event_time"),
                    "R213",
                    f"event_time '{found[0]}' has type {found[1]}; it must be a timestamp",
                    "point event_time at a timestamp column",
                )


def column_rule_types(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        for ci, col in enumerate(t.dataset.columns):
            yield from rule_fits_type(col, col.name, col.type, (*t.path, "columns", ci))
        for di, d in enumerate(t.dataset.derived):
            yield from rule_fits_type(d, d.name, d.type, (*t.path, "derived", di))


def rule_fits_type(rules: ColumnRules, name: str, type_text: str | None, path: Path) -> Iterator[Finding]:
    """Range on numbers, regex on text (`type_text` None: the type is not known here, only the
    bounds and the pattern are checked). Shared by source columns, derived columns and the outputs
    of marts (rules/expressions.py), whose types come from their inputs."""
    kind = parse_column_type(type_text).name if type_text else None
    if rules.range is not None:
        if kind is not None and kind not in NUMERIC_TYPES:
            yield Finding(
                (*path, "range"),
                "R214",
                f"range applies to numeric columns; '{name}' is {type_text}",
                "remove the range, or use accepted_values/regex for other types",
            )
        if rules.range.min is None and rules.range.max is None:
            yield Finding((*path, "range"), "R214", "range needs min, max or both", "e.g. range: {min: 0}")
        elif rules.range.min is not None and rules.range.max is not None and rules.range.min > rules.range.max:
            yield Finding(
                (*path, "range"),
                "R214",
                f"range min {rules.range.min:g} is greater than max {rules.range.max:g}",
                "swap min and max",
            )
    if rules.regex is not None:
        if kind is not None and kind not in ("string", "uuid"):
            yield Finding(
                (*path, "regex"),
                "R214",
                f"regex applies to string columns; '{name}' is {type_text}",
                "remove the regex or change the column type",
            )
        try:
            re.compile(rules.regex.pattern)
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
                    suggest(col.foreign_key.references.split(".")[0], index.known_names())
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
