"""The tables and views a Flink job reads, with their `flink/jobs.json` manifest entries: its
source (a topic's table; a CDC table as its raw changelog `names.flink_changes` under a view of the
table's name, append-only for history jobs) and its lookup dimensions (JDBC; locally, a CDC
dimension's change files under the view an event-time temporal join reads).

The manifest describes each table's role for the project's local rewrite (pipeline/flink_local.py).
"""

from __future__ import annotations

from typing import Any

from pipegen.generators.flink.columns import (
    CDC_VALUE,
    append_columns,
    cdc_dimension_columns,
    cdc_temporal,
    dimension_columns,
    source_columns,
)
from pipegen.generators.flink.connectors import CDC_FORMAT, dimension_options, source_options
from pipegen.generators.flink.options import with_clause
from pipegen.generators.flink.relations import PROC_TIME, Relation, own
from pipegen.plan.names import LOCAL_VERSION, StreamJobNames
from pipegen.render.flinksql import flink_expr, quote, string

APPEND_OPS = ("c", "r")  # inserts and snapshot reads: each source row once, as first written
JSON_FORMAT = {"format": "json"}

Statements = list[str]
Manifest = dict[str, dict[str, Any]]  # table -> its role and what the local run needs


def create_table(name: str, lines: list[str], options: dict[str, str]) -> str:
    return f"CREATE TABLE {quote(name)} (\n  " + ",\n  ".join(lines) + with_clause(options) + ";"


def create_table_as(name: str, key: list[str], options: dict[str, str], query: str) -> str:
    """`CREATE TABLE name [(PRIMARY KEY ...)] WITH (...) AS query`: a job's sink."""
    if key:
        pk = f" (\n  PRIMARY KEY ({', '.join(quote(k) for k in key)}) NOT ENFORCED"
        return f"CREATE TABLE {quote(name)}{pk}{with_clause(options)}\nAS {query};"
    return f"CREATE TABLE {quote(name)}{with_clause(options, closes_columns=False)}\nAS {query};"


def create_view(name: str, columns: list[str], source: str, where: str = "") -> str:
    """`CREATE TEMPORARY VIEW name AS SELECT columns FROM source [WHERE ...]` (columns as written)."""
    tail = f"\nWHERE {where}" if where else ""
    return (
        f"CREATE TEMPORARY VIEW {quote(name)} AS\nSELECT\n  " + ",\n  ".join(columns) + f"\nFROM {quote(source)}{tail};"
    )


def spec_columns(rel: Relation, *, with_proc_time: bool) -> list[str]:
    """A table's columns and derived columns by their spec names (and its processing time)."""
    ds = rel.ref.dataset
    return [c.name for c in ds.columns] + [d.name for d in ds.derived] + ([PROC_TIME] if with_proc_time else [])


def ops_filter(ops: tuple[str, ...]) -> str:
    return f"`op` IN ({', '.join(string(op) for op in ops)})"


def append_view(
    table: str,
    view: str,
    rel: Relation,
    *,
    with_proc_time: bool,
    ops: tuple[str, ...] = APPEND_OPS,
    extract_filter: bool = False,
) -> str:
    """The append-only view over a raw CDC table: the spec's columns, the events of `ops` only
    (and, with `extract_filter`, the rows the table's `filter` keeps)."""
    names = spec_columns(rel, with_proc_time=with_proc_time)
    where = ops_filter(ops)
    if extract_filter and rel.ref.dataset.filter:
        where += f" AND ({flink_expr(rel.ref.dataset.filter, own(rel))})"
    return create_view(view, [quote(n) for n in names], table, where)


def cdc_view(
    table: str,
    view: str,
    rel: Relation,
    *,
    with_proc_time: bool,
    physical_only: bool = False,
    extra: tuple[str, ...] = (),
) -> str:
    """The view a job reads over a raw CDC table: every column under its spec name and type (and `extra`);
    `physical_only`: no metadata column (a local dimension's change files have none), derived ones kept
    (computed in the raw table: a job may select a dimension's derived column)."""
    ds = rel.ref.dataset
    names = [c.name for c in ds.columns if not (physical_only and c.metadata is not None)]
    names += [d.name for d in ds.derived if d.name not in names]
    if with_proc_time:
        names.append(PROC_TIME)
    by_name = {c.name: c for c in ds.columns}
    return create_view(view, [_spec_column(n, by_name.get(n)) for n in names] + [quote(e) for e in extra], table)


def _spec_column(name: str, column: Any) -> str:
    if column is not None and cdc_temporal(column):
        return f"{quote(CDC_VALUE.format(column=name))} AS {quote(name)}"
    return quote(name)


def append_options(options: dict[str, str]) -> dict[str, str]:
    """A CDC source's options for an append-only read: the envelope as plain JSON."""
    return {**{k: v for k, v in options.items() if not k.startswith("debezium-json.")}, **JSON_FORMAT}


# ---------------------------------------------------------------- manifest entries


def source_manifest(rel: Relation, *, append_only: bool = False) -> dict[str, Any]:
    """A source's manifest entry: its topic and how its change files are read locally."""
    changelog = rel.cdc and not append_only
    return {
        "role": "source",
        "topic": rel.names.topic,
        "dataset": rel.names.ref,
        "format": "debezium-json" if changelog else "json",
        "format_options": dict(CDC_FORMAT) if changelog else dict(JSON_FORMAT),
        "metadata": [c.name for c in rel.ref.dataset.columns if c.metadata is not None],
    }


# ---------------------------------------------------------------- a job's source


def source_tables(
    rel: Relation, job: StreamJobNames, *, history: bool, with_proc_time: bool
) -> tuple[Statements, Manifest]:
    """The job's source statements and manifest entry: a topic's table; a CDC table as its raw
    changelog under a view of the table's name (append-only for history jobs)."""
    options = source_options(rel, job)
    table = rel.names.flink_table
    if not rel.cdc:
        return [create_table(table, source_columns(rel, with_proc_time=with_proc_time), options)], {
            table: source_manifest(rel)
        }
    raw = rel.names.flink_changes
    if history:
        cols = append_columns(rel, with_proc_time=with_proc_time)
        view = append_view(raw, table, rel, with_proc_time=with_proc_time, extract_filter=True)
        return [create_table(raw, cols, append_options(options)), view], {raw: source_manifest(rel, append_only=True)}
    cols = source_columns(rel, with_proc_time=with_proc_time)
    view = cdc_view(raw, table, rel, with_proc_time=with_proc_time)
    return [create_table(raw, cols, options), view], {raw: source_manifest(rel)}


# ---------------------------------------------------------------- dimensions


def dimension_table(rel: Relation) -> tuple[str, dict[str, Any]]:
    """A lookup dimension's CREATE TABLE (JDBC with the lookup cache) and its manifest entry."""
    statement = create_table(rel.names.flink_table, dimension_columns(rel), dimension_options(rel))
    version = version_time(rel)
    entry = {**source_manifest(rel), "role": "dimension", "version_time": version, "local_version": LOCAL_VERSION,
             **_local_dimension(rel, version)}  # fmt: skip
    return statement, entry


def version_time(rel: Relation) -> str | None:
    """The dimension's version column for the local event-time temporal join."""
    ds = rel.ref.dataset
    for name in (ds.event_time, ds.watermark):
        if not name:
            continue
        column = rel.ref.column(name)
        if column is not None and column.type.startswith("timestamp"):
            return rel.column(name)
    return None


def _local_dimension(rel: Relation, version: str | None) -> dict[str, Any]:
    """A CDC dimension's local read (pipeline/flink_local.py): its raw change-file table and the
    view under the dimension's name that the event-time temporal join reads."""
    if not rel.cdc:
        return {}
    raw = rel.names.flink_changes
    options = {"connector": "filesystem", **CDC_FORMAT}
    # the version time is LOCAL_VERSION: the version column's copy, or every version valid from the epoch without one
    version = version or LOCAL_VERSION
    view = cdc_view(raw, rel.names.flink_table, rel, with_proc_time=False, physical_only=True, extra=(LOCAL_VERSION,))
    return {
        "local_table": raw,
        "local_ddl": [create_table(raw, cdc_dimension_columns(rel, version), options), view],
    }
