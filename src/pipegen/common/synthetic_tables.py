"""The table model of generated projects' synthetic data, as config: one entry per table with
its columns, types and rules, in the shape `pipeline/synthetic.py` parses (`parse_config`).

The synthetic family writes it for the batch layer's stand-in data (`pipeline/synthetic.json`);
the flink family writes the same entries, plus what only change events need, for the local stream
run (`pipeline/change_events.json`). Both runtimes then share one model, one value generator and
one bad-value injector (the strategies of `pipeline/rules.json`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Column, Dataset, Source
from pipegen.spec.types import parse_column_type

DEFAULT_ROWS = 1000  # per table, for the local run (`--rows` scales; a spec's synthetic.rows wins)
DEFAULT_SEED = 42
SYNTH_TYPES = {"array", "map", "struct"}  # nested types: generated as JSON text
START = "2026-01-01T00:00:00Z"  # the generator's time anchor: no clock is read


def config_name(source: Source, dataset: Dataset) -> str:
    """Table names in the generator's config: unique across sources."""
    return f"{source.name}__{dataset.name}"


def rows(dataset: Dataset) -> int:
    return dataset.synthetic.rows if dataset.synthetic and dataset.synthetic.rows else DEFAULT_ROWS


def seed_and_locale(sources: Iterable[Source]) -> tuple[int, str]:
    """The first `synthetic.seed` and `synthetic.locale` the sources set, else 42 and en_US."""
    chosen = list(sources)
    seed = next((s.synthetic.seed for s in chosen if s.synthetic and s.synthetic.seed is not None), DEFAULT_SEED)
    locale = next((s.synthetic.locale for s in chosen if s.synthetic), "en_US")
    return seed, locale


def table_config(
    source: Source,
    dataset: Dataset,
    index: SpecIndex,
    included: set[str],
    covering: dict[tuple[str, str], int],
    keep: Callable[[Column], bool] = lambda column: True,
    held: frozenset[tuple[str, str]] = frozenset(),
    fresh: bool = True,
) -> dict[str, Any]:
    """One table of the config: its `keep` columns, their rules; foreign keys only into `included`
    tables; `covering`: {(table, fk column): parent rows} whose every parent key needs a row;
    `held`: {(table, boolean column)} true on every clean row; `fresh`: the freshness rule's column
    `recent` (the batch layer's stand-in, which the rule is checked on)."""
    name = config_name(source, dataset)
    columns = [column_config(c, index, included) for c in dataset.columns if keep(c)]
    recent = recent_column(dataset) if fresh else None
    for column in columns:
        if recent is not None and column["name"] == recent[0] and "range" not in column and not column.get("unique"):
            column["recent"] = recent[1]
        if (name, column["name"]) in covering and "foreign_key" in column:
            column["covers"] = True
        if (name, column["name"]) in held:
            column["holds"] = True
    # a covering child needs a row for every parent key
    least = max((n for (table, column), n in covering.items() if table == name), default=0)
    table: dict[str, Any] = {
        "name": name,
        "rows": max(rows(dataset), least),
        "primary_key": list(dataset.primary_key),
        "columns": columns,
    }
    inject = dataset.synthetic.inject if dataset.synthetic else None
    if inject is not None:
        table["inject"] = {"nulls": inject.nulls, "outliers": inject.outliers, "gaps": inject.gaps}
    return table


def recent_column(dataset: Dataset) -> tuple[str, float] | None:
    """The column a table's freshness rule reads (its `column`, else the watermark) and half the rule's
    shortest age: the stand-in's values fall in the window's last that many seconds (the generator's
    `recent`), so the freshness check passes on whatever subset the extract's filter keeps (a filter
    keeping 9 rows of 1,000 left the newest one 4 days old: seed 20261213 spec 5)."""
    rule = dataset.quality.freshness if dataset.quality else None
    ages = [a for a in (rule.warn_after, rule.error_after) if a] if rule else []
    name = (rule.column if rule else None) or dataset.watermark
    if not ages or not name:
        return None
    found = next((c for c in dataset.columns if name.lower() in (c.name.lower(), c.staged_name.lower())), None)
    if found is None or found.metadata is not None:
        return None
    if parse_column_type(found.type).name not in ("date", "timestamp", "timestamp_tz"):
        return None
    return found.name, min(ages) / 2


def column_config(column: Column, index: SpecIndex, included: set[str]) -> dict[str, Any]:
    ctype = parse_column_type(column.type)
    out: dict[str, Any] = {"name": column.name, "type": "json" if ctype.name in SYNTH_TYPES else column.type}
    if ctype.name in SYNTH_TYPES:
        out["shape"] = column.type  # JSON of that shape: staging casts it to the nested type
    if column.faker:
        out["faker"] = column.faker
    if column.not_null:
        out["not_null"] = True
    if column.unique:
        out["unique"] = True
    if column.range:
        out["range"] = {k: v for k, v in (("min", column.range.min), ("max", column.range.max)) if v is not None}
    if column.accepted_values:
        out["accepted_values"] = list(column.accepted_values.values)
    if column.regex:
        out["regex"] = column.regex.pattern
    if column.foreign_key:
        table, col, _ = index.resolve_column(column.foreign_key.references)
        parent = config_name(table.source, table.dataset) if table is not None else ""
        if col is not None and parent in included:  # a parent with no stand-in cannot be referenced
            out["foreign_key"] = f"{parent}.{col.name}"
    if column.pii.value != "none":
        out["pii"] = column.pii.value
    return out
