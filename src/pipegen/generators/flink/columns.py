"""Column lines of the flink family's CREATE TABLE statements: physical columns, metadata
columns, computed (derived) columns, processing time, the watermark and the primary key, for a
topic or CDC source (`source_columns`), an append-only read of a CDC topic (`append_columns`),
a lookup dimension (`dimension_columns`) and a dimension read from its change files locally
(`cdc_dimension_columns`).

Flink forbids a computed column over another computed column, so each computed column's
expression is kept (`inline`) and spec expressions over it inline it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipegen.generators.flink.options import delay
from pipegen.generators.flink.relations import PROC_TIME, Relation, own
from pipegen.plan.names import LOCAL_VERSION, snake
from pipegen.render.flinksql import flink_expr, flink_type, quote, string
from pipegen.spec.model import Column
from pipegen.spec.types import parse_column_type

# `metadata:` of a column -> (Flink metadata key, its type) per reading format.
KAFKA_METADATA: dict[str, tuple[str, str]] = {
    "timestamp": ("timestamp", "TIMESTAMP_LTZ(3)"),
    "partition": ("partition", "INT"),
    "offset": ("offset", "BIGINT"),
    "headers": ("headers", "MAP<STRING, BYTES>"),
}
CDC_METADATA: dict[str, tuple[str, str]] = {
    "source.ts_ms": ("value.source.timestamp", "TIMESTAMP_LTZ(3)"),
    "ts_ms": ("value.ingestion-timestamp", "TIMESTAMP_LTZ(3)"),
    "source.db": ("value.source.database", "STRING"),
    "source.table": ("value.source.table", "STRING"),
}
META_COLUMN = "_meta_{column}"  # the virtual column a metadata column is computed from
# Debezium's `op` is not readable in Flink: debezium-json turns it into the changelog itself
# (c/r insert, u an update pair, d a retraction). A row of the changelog is the current state
# of a source row, so `op` reads as 'r' (docs/families.md, "flink").
CDC_OP_VALUE = "r"
# Debezium writes temporal values as ISO-8601 strings (`time.precision.mode=isostring`, plan/cdc.py;
# checked with the embedded engine 3.6.3): timestamp '2026-01-02T03:04:05.123456Z', date
# '2026-01-02Z', time '03:04:05.25Z' — a 'Z' even without a zone, which neither of debezium-json's
# timestamp standards parses (checked on Flink 2.3). So a CDC table reads them as raw STRINGs,
# casts each in a computed `<column>__value`, and the job reads a view (the table's name) with the
# spec's names and types. timestamptz is UTC ('...500000Z'): ISO-8601 reads it as TIMESTAMP_LTZ.
CDC_TEMPORAL: dict[str, str] = {
    "timestamp": "CAST(REPLACE(REPLACE({col}, 'T', ' '), 'Z', '') AS {type})",
    "date": "CAST(REPLACE({col}, 'Z', '') AS {type})",
    "time": "CAST(REPLACE({col}, 'Z', '') AS {type})",
}
CDC_VALUE = "{column}__value"  # a raw temporal column, cast

# An append-only read of a CDC topic (jobs with `history:`: OVER windows cannot consume a changelog):
# the envelope as plain JSON, spec columns computed from `after`, metadata from the envelope.
ENVELOPE_METADATA: dict[str, tuple[str, str]] = {
    "op": ("`op`", "STRING"),
    "ts_ms": ("`ts_ms`", "BIGINT"),
    "source.ts_ms": ("`source`.`ts_ms`", "BIGINT"),
    "source.db": ("`source`.`db`", "STRING"),
    "source.table": ("`source`.`table`", "STRING"),
}
ENVELOPE_SOURCE = "`source` ROW<`ts_ms` BIGINT, `db` STRING, `table` STRING>"
ENVELOPE_ROWS = ("after", "source")  # envelope fields kept even when a spec column has their name
UNKNOWN_METADATA = ("CAST(NULL AS STRING)", "STRING")
# Key columns read from `after` (a nullable ROW) are nullable to Flink, and an upsert sink keyed by
# them refuses that; `COALESCE` with a typed default makes them NOT NULL (Flink's CAST has no
# `NOT NULL`). The default never applies: a c/r event always carries `after`, keys are never null.
NOT_NULL_DEFAULTS: dict[str, str] = {
    "BIGINT": "CAST(0 AS BIGINT)", "INT": "0", "SMALLINT": "CAST(0 AS SMALLINT)", "STRING": "''",
}  # fmt: skip
# The event time of a delete (no `after`): the epoch, so it never moves the watermark (the view
# drops deletes before any window sees them).
ROWTIME_DEFAULT = "1970-01-01 00:00:00"


@dataclass
class _Lines:
    """Column lines being collected: declared first, computed after (Flink's order)."""

    declared: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    inline: dict[str, str] = field(default_factory=dict)  # computed column -> its expression

    def compute(self, name: str, expr: str) -> None:
        self.computed.append(f"{quote(name)} AS {expr}")
        self.inline[name] = expr

    def physical(self, c: Column, key: tuple[str, ...], *, raw_temporals: bool) -> None:
        """A physical column; a Debezium temporal as a raw STRING with its cast computed beside it."""
        raw = cdc_temporal(c) if raw_temporals else None
        self.declared.append(f"{quote(c.name)} {'STRING' if raw else flink_type(c.type)}{not_null(c, key)}")
        if raw:
            self.computed.append(f"{quote(CDC_VALUE.format(column=c.name))} AS {raw}")
            self.inline[c.name] = raw

    def derived(self, rel: Relation) -> None:
        event_time = (rel.ref.dataset.event_time or "").lower()
        for d in rel.ref.dataset.derived:
            expr = f"CAST({flink_expr(d.expr, own(rel), self.inline)} AS {flink_type(d.type)})"
            if d.name.lower() == event_time:  # a rowtime must not be null: a delete has no `after`
                expr = f"COALESCE({expr}, CAST({string(ROWTIME_DEFAULT)} AS {flink_type(d.type)}))"
            self.compute(d.name, expr)

    def all(self) -> list[str]:
        return [*self.declared, *self.computed]


def not_null(c: Column, key: tuple[str, ...]) -> str:
    """` NOT NULL` for key columns and columns whose `not_null` rule allows no exception."""
    strict = c.not_null is not None and (c.not_null.mostly is None or c.not_null.mostly >= 1)
    return " NOT NULL" if strict or c.name in key else ""


def cdc_temporal(c: Column) -> str | None:
    """The cast of a raw Debezium temporal string to the column's Flink type (None: read as is)."""
    if c.metadata is not None:
        return None
    pattern = CDC_TEMPORAL.get(parse_column_type(c.type).name)
    return pattern.format(col=quote(c.name), type=flink_type(c.type)) if pattern else None


def primary_key(rel: Relation) -> list[str]:
    keys = rel.ref.dataset.primary_key
    return [f"PRIMARY KEY ({', '.join(quote(rel.column(k)) for k in keys)}) NOT ENFORCED"] if keys else []


def watermark(column: str, delay_seconds: float | None) -> str:
    """`WATERMARK FOR` a column (already quoted), `delay_seconds` behind it."""
    return f"WATERMARK FOR {column} AS {column} - {delay(delay_seconds)}"


def proc_time(wanted: bool) -> list[str]:
    return [f"{quote(PROC_TIME)} AS PROCTIME()"] if wanted else []


# ---------------------------------------------------------------- sources


def source_columns(rel: Relation, *, with_proc_time: bool) -> list[str]:
    """Column lines of a source table: physical, metadata, derived, processing time, watermark, key."""
    ds = rel.ref.dataset
    lines = _Lines()
    for c in ds.columns:
        if c.metadata is None:
            lines.physical(c, ds.primary_key, raw_temporals=rel.cdc)
        elif c.metadata == "op" and rel.cdc:
            lines.compute(c.name, f"CAST({string(CDC_OP_VALUE)} AS {flink_type(c.type)})")
        else:
            lines.compute(c.name, _metadata(lines, rel, c))
    lines.derived(rel)
    return [
        *lines.all(),
        *proc_time(with_proc_time),
        *_source_watermark(rel, lines.inline),
        *(primary_key(rel) if rel.cdc else []),
    ]


def _metadata(lines: _Lines, rel: Relation, c: Column) -> str:
    """Declares the virtual metadata column a metadata column reads; returns its expression."""
    known = CDC_METADATA if rel.cdc else KAFKA_METADATA
    key, mtype = known.get(str(c.metadata), (str(c.metadata), flink_type(c.type)))
    meta_col = META_COLUMN.format(column=snake(c.name))
    lines.declared.append(f"{quote(meta_col)} {mtype} METADATA FROM {string(key)} VIRTUAL")
    return _from_metadata(meta_col, mtype, flink_type(c.type))


def _from_metadata(meta_col: str, mtype: str, wanted: str) -> str:
    """A metadata value as the column's declared type (epoch milliseconds for a BIGINT time)."""
    if mtype == wanted:
        return quote(meta_col)
    if mtype.startswith("TIMESTAMP_LTZ") and wanted == "BIGINT":
        col = quote(meta_col)  # epoch milliseconds, in any session time zone (checked on Flink 2.3)
        return f"UNIX_TIMESTAMP(DATE_FORMAT({col}, 'yyyy-MM-dd HH:mm:ss')) * 1000 + EXTRACT(MILLISECOND FROM {col})"
    return f"CAST({quote(meta_col)} AS {wanted})"


def _source_watermark(rel: Relation, inline: dict[str, str]) -> list[str]:
    """The event time's watermark; on a CDC table, over the cast of a raw temporal column."""
    ds = rel.ref.dataset
    if not ds.event_time:
        return []
    name = rel.column(ds.event_time)
    physical = next((c for c in ds.columns if c.name == name), None)  # None: a derived event time
    raw = rel.cdc and physical is not None and cdc_temporal(physical) is not None
    column = CDC_VALUE.format(column=name) if raw else name
    return [watermark(quote(column), ds.watermark_delay)]


# ---------------------------------------------------------------- append-only CDC reads


def append_columns(rel: Relation, *, with_proc_time: bool) -> list[str]:
    """Column lines of an append-only CDC read: `after` (a ROW, temporals as raw strings), `op`,
    `ts_ms`, `source`; every spec column computed from them; the watermark; no key."""
    ds = rel.ref.dataset
    lines = _Lines()
    for c in ds.columns:
        expr = _after_field(rel, c) if c.metadata is None else _envelope_field(c)
        if c.metadata is not None and quote(c.name) == expr:
            continue  # the envelope's own column (`op`, `ts_ms`)
        lines.compute(c.name, expr)
    lines.derived(rel)
    # an envelope field a spec column of the same name replaces (e.g. `ts_ms` from `source.ts_ms`)
    envelope = [text for name, text in _envelope(rel).items() if name not in lines.inline or name in ENVELOPE_ROWS]
    et = [watermark(quote(rel.column(ds.event_time)), ds.watermark_delay)] if ds.event_time else []
    return [*envelope, *lines.computed, *proc_time(with_proc_time), *et]


def _envelope(rel: Relation) -> dict[str, str]:
    """The Debezium envelope's fields as plain JSON columns."""
    physical = [c for c in rel.ref.dataset.columns if c.metadata is None]
    row = ", ".join(f"{quote(c.name)} {'STRING' if cdc_temporal(c) else flink_type(c.type)}" for c in physical)
    return {"after": f"`after` ROW<{row}>", "op": "`op` STRING", "ts_ms": "`ts_ms` BIGINT", "source": ENVELOPE_SOURCE}


def _after_field(rel: Relation, c: Column) -> str:
    """A physical column from `after`: temporals cast, key columns and the event time never null."""
    ds = rel.ref.dataset
    field_ = f"`after`.{quote(c.name)}"
    raw = CDC_TEMPORAL.get(parse_column_type(c.type).name)
    expr = raw.format(col=field_, type=flink_type(c.type)) if raw else field_
    default = NOT_NULL_DEFAULTS.get(flink_type(c.type)) if c.name in ds.primary_key else None
    if c.name == ds.event_time:  # a delete has no `after`, and a rowtime must not be null
        default = f"CAST({string(ROWTIME_DEFAULT)} AS {flink_type(c.type)})"
    return f"COALESCE({expr}, {default})" if default else expr


def _envelope_field(c: Column) -> str:
    """A metadata column from the envelope, cast to the column's type when it differs."""
    source, stype = ENVELOPE_METADATA.get(str(c.metadata), UNKNOWN_METADATA)
    return source if stype == flink_type(c.type) else f"CAST({source} AS {flink_type(c.type)})"


# ---------------------------------------------------------------- dimensions


def dimension_columns(rel: Relation) -> list[str]:
    """A lookup dimension's columns and key (read through JDBC)."""
    ds = rel.ref.dataset
    lines = _Lines()
    for c in ds.columns:
        if c.metadata is None:
            lines.physical(c, ds.primary_key, raw_temporals=False)
    lines.derived(rel)  # the dimension's derived columns, computed as the job reads them
    return [*lines.all(), *primary_key(rel)]


def cdc_dimension_columns(rel: Relation, version_time: str | None) -> list[str]:
    """A dimension read from its CDC change files (the local run): raw temporal columns cast,
    the version time's watermark (an event-time temporal join), the key."""
    ds = rel.ref.dataset
    lines = _Lines()
    for c in ds.columns:
        if c.metadata is None:
            lines.physical(c, ds.primary_key, raw_temporals=True)
    lines.derived(rel)
    return [*lines.all(), *_version_watermark(rel, version_time), *primary_key(rel)]


# A CDC dimension without an event time or a timestamp watermark, read locally: every version valid from
# the epoch (its watermark never holds the join back; the bounded local read ends with the final one):
# the naming layer's LOCAL_VERSION
LOCAL_VERSION_COLUMN = f"{quote(LOCAL_VERSION)} AS CAST(TIMESTAMP '1970-01-01 00:00:00' AS TIMESTAMP(3))"


def _version_watermark(rel: Relation, version_time: str | None) -> list[str]:
    if not version_time:
        return []
    if version_time == LOCAL_VERSION:
        return [LOCAL_VERSION_COLUMN, f"WATERMARK FOR {quote(LOCAL_VERSION)} AS {quote(LOCAL_VERSION)}"]
    # the version time as its own column (computed from the raw one: a computed column cannot name another), so the
    # spec's column stays a plain TIMESTAMP in the join's output: a job selecting it writes one rowtime, not two
    column = next((c for c in rel.ref.dataset.columns if c.name == version_time), None)
    source = (cdc_temporal(column) if column else None) or quote(version_time)
    lv = quote(LOCAL_VERSION)
    return [f"{lv} AS {source}", f"WATERMARK FOR {lv} AS {lv}"]
