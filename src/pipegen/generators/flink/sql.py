"""The Flink SQL of the flink family, computed as data: one script per stream job.

A script is: SET statements (checkpointing exactly-once, RocksDB state), a CREATE TABLE per
input (the job's topic or CDC table, with its event-time watermark — a CDC table as a raw
`<table>__changes` reading Debezium's isostring temporals as strings, under a view of the spec's
names and types, append-only for history jobs; each lookup dimension with the JDBC lookup
cache), an optional `<job>__history` view (per-key statistics over the previous events), a
`<job>__input` view (joins and the job's filter), and one
`CREATE TABLE <sink> ... AS SELECT` — the window TVF aggregation (TUMBLE/HOP/SESSION/CUMULATE,
never the legacy group windows), the window top-N (ROW_NUMBER per window), or the per-event
selection. The sink's connector follows its target and mode (upsert: a primary key).

Every spec value is rendered here through `render.flinksql` (identifiers quoted, strings
escaped, expressions through sqlglot); the template only prints these statements.
`manifest` describes each table's role for the project's local rewrite (pipeline/flink_local.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipegen.common.stream_rules import EventRule, quarantine_predicate
from pipegen.plan.names import DatasetNames, Names, StreamJobNames, snake
from pipegen.render.flinksql import flink_expr, flink_type, quote, string
from pipegen.render.sqlexpr import measure_expr
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import (
    Aggregation,
    Column,
    FileFormat,
    History,
    Ingestion,
    JoinType,
    MessageFormat,
    SinkMode,
    SourceType,
    Spec,
    StreamJob,
    Target,
    TargetType,
    Window,
    WindowType,
)
from pipegen.spec.types import format_duration, parse_column_type, parse_secret_ref


class Escaped(str):
    """The inside of a Flink option literal, already escaped (spec text through `string`,
    `${VAR}` placeholders pipegen wrote)."""

    __slots__ = ()


KAFKA_BOOTSTRAP = Escaped("${KAFKA_BOOTSTRAP_SERVERS}")
PROC_TIME = "proc_time"

# ---------------------------------------------------------------- per-system data

# Formats of stream topics (Flink format identifiers)
TOPIC_FORMATS: dict[MessageFormat | FileFormat | None, str] = {
    None: "json",
    MessageFormat.JSON: "json",
    MessageFormat.AVRO: "avro-confluent",
    MessageFormat.PROTOBUF: "protobuf",
    MessageFormat.CSV: "csv",
    FileFormat.JSON: "json",
    FileFormat.JSONL: "json",
    FileFormat.CSV: "csv",
    FileFormat.AVRO: "avro",
    FileFormat.PARQUET: "parquet",
}

# Stream sources by system: Event Hubs speaks the Kafka protocol (SASL over 9093).
STREAM_CONNECTORS: dict[SourceType, dict[str, str]] = {
    SourceType.KAFKA: {"connector": "kafka", "properties.bootstrap.servers": KAFKA_BOOTSTRAP},
    SourceType.EVENTHUBS: {
        "connector": "kafka",
        "properties.bootstrap.servers": Escaped("${EVENTHUBS_BOOTSTRAP_SERVERS}"),
        "properties.security.protocol": "SASL_SSL",
        "properties.sasl.mechanism": "PLAIN",
        "properties.sasl.jaas.config": Escaped("${EVENTHUBS_SASL_JAAS_CONFIG}"),
    },
    SourceType.KINESIS: {"connector": "kinesis", "aws.region": Escaped("${AWS_REGION}")},
}

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
CDC_FORMAT = {"format": "debezium-json", "debezium-json.timestamp-format.standard": "ISO-8601"}
CDC_CHANGES = "{table}__changes"  # the raw CDC table under the view the job reads
CDC_VALUE = "{column}__value"  # a raw temporal column, cast

# JDBC URLs of the systems the JDBC connector writes and looks up (flink-connector-jdbc dialects)
JDBC_URLS: dict[TargetType | SourceType, str] = {
    TargetType.MYSQL: "jdbc:mysql://{host}:{port}/{database}",
    TargetType.POSTGRES: "jdbc:postgresql://{host}:{port}/{database}",
    TargetType.CLICKHOUSE: "jdbc:clickhouse://{host}:{port}/{database}",
    TargetType.REDSHIFT: "jdbc:redshift://{host}:{port}/{database}",
    SourceType.MYSQL: "jdbc:mysql://{host}:{port}/{database}",
    SourceType.POSTGRES: "jdbc:postgresql://{host}:{port}/{database}",
    SourceType.SQLSERVER: "jdbc:sqlserver://{host}:{port};databaseName={database}",
    SourceType.ORACLE: "jdbc:oracle:thin:@{host}:{port}/{database}",
}
DEFAULT_PORTS: dict[TargetType | SourceType, int] = {
    TargetType.MYSQL: 3306, TargetType.POSTGRES: 5432, TargetType.CLICKHOUSE: 8123, TargetType.REDSHIFT: 5439,
    SourceType.MYSQL: 3306, SourceType.POSTGRES: 5432, SourceType.SQLSERVER: 1433, SourceType.ORACLE: 1521,
}  # fmt: skip
LAKE_CONNECTORS: dict[TargetType, dict[str, str]] = {
    TargetType.ICEBERG: {"connector": "iceberg", "catalog-name": "lake", "catalog-type": "rest"},
    TargetType.DELTA: {"connector": "delta"},
}
# The JDBC lookup cache (current option names, ../shared/CURRENCY.md §6)
LOOKUP_CACHE: dict[str, str] = {
    "lookup.cache": "PARTIAL",
    "lookup.partial-cache.max-rows": "100000",
    "lookup.partial-cache.expire-after-write": "10 min",
    "lookup.partial-cache.cache-missing-key": "false",
    "lookup.max-retries": "3",
}
SINK_FORMAT = "json"
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
ROW_NUMBER_COLUMN = "rownum"


@dataclass(frozen=True)
class Settings:
    checkpoint_interval: str  # a Flink duration, e.g. '60 s'
    parallelism: int


def settings_statements(settings: Settings, job: StreamJobNames, cdc: bool) -> list[str]:
    pairs = [
        ("pipeline.name", job.flink_job),
        ("parallelism.default", str(settings.parallelism)),
        ("execution.checkpointing.interval", settings.checkpoint_interval),
        ("execution.checkpointing.mode", "EXACTLY_ONCE"),
        ("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"),
        ("state.backend.type", "rocksdb"),
        ("execution.checkpointing.incremental", "true"),
        ("table.exec.sink.upsert-materialize", "AUTO"),
    ]
    if cdc:  # Debezium delivers at least once: after a connector restart events repeat
        pairs.append(("table.exec.source.cdc-events-duplicate", "true"))
    return [f"SET {string(k)} = {string(v)};" for k, v in pairs]


# ---------------------------------------------------------------- values and options


def _inside(text: str) -> str:
    return string(text)[1:-1]


def option_value(value: str | int | None, default: str = "") -> Escaped:
    """A spec connection value as option text: `${secret:X}`/`${env:X}` -> `${X}`, which the SQL
    runner substitutes from the environment (secrets never appear in the script); anything else
    escaped (and refused if it holds `${`)."""
    if value is None:
        return Escaped(default)
    ref = parse_secret_ref(str(value))
    return Escaped("${" + ref.name + "}") if ref else Escaped(_inside(str(value)))


def with_clause(options: dict[str, str], closes_columns: bool = True) -> str:
    """The WITH clause, always last in a CREATE TABLE (after `)` closing the columns, if any)."""
    body = ",\n".join(f"  {string(k)} = {_option(v)}" for k, v in options.items())
    return ("\n) " if closes_columns else "\n") + "WITH (\n" + body + "\n)"


def _option(value: str) -> str:
    return "'" + value + "'" if isinstance(value, Escaped) else string(value)


def duration(seconds: float) -> str:
    """A Flink INTERVAL literal for a window argument."""
    for unit, size in (("DAY", 86400), ("HOUR", 3600), ("MINUTE", 60), ("SECOND", 1)):
        if seconds >= size and seconds % size == 0:
            return f"INTERVAL '{int(seconds // size)}' {unit}"
    return f"INTERVAL '{round(seconds * 1000)}' MILLISECOND"  # pragma: no cover - durations are whole seconds


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Relation:
    """One relation of a job's input view: the job's source or a dimension."""

    alias: str
    ref: TableRef
    names: DatasetNames
    columns: dict[str, str]  # spec column name (lowercase, staged or derived) -> physical column


def relation(ref: TableRef, names: Names, alias: str) -> Relation:
    ds = names.dataset(ref.source.name, ref.dataset.name)
    cols = {c.staged_name.lower(): c.name for c in ref.dataset.columns}
    cols.update({c.name.lower(): c.name for c in ref.dataset.columns})
    cols.update({d.name.lower(): d.name for d in ref.dataset.derived})
    return Relation(alias, ref, ds, cols)


def _own(rel: Relation) -> Any:
    def resolve(_qualifier: str, column: str) -> tuple[str | None, str]:
        return None, rel.columns.get(column.lower(), column)

    return resolve


def _metadata(ref: TableRef) -> dict[str, tuple[str, str]]:
    return CDC_METADATA if ref.source.ingestion == Ingestion.CDC else KAFKA_METADATA


def source_columns(rel: Relation, *, with_proc_time: bool) -> list[str]:
    """Column lines of a source table: physical, metadata, derived, processing time, watermark, key."""
    ds = rel.ref.dataset
    lines: list[str] = []
    computed: list[str] = []
    metadata = _metadata(rel.ref)
    inline: dict[str, str] = {}  # computed column -> its expression (Flink: no computed over computed)
    cdc = rel.ref.source.ingestion == Ingestion.CDC
    for c in ds.columns:
        raw = cdc_temporal(c) if cdc else None
        if c.metadata is None and raw:
            lines.append(f"{quote(c.name)} STRING{_not_null(c, ds.primary_key)}")
            computed.append(f"{quote(CDC_VALUE.format(column=c.name))} AS {raw}")
            inline[c.name] = raw
            continue
        if c.metadata is None:
            lines.append(f"{quote(c.name)} {flink_type(c.type)}{_not_null(c, ds.primary_key)}")
            continue
        if c.metadata == "op" and rel.ref.source.ingestion == Ingestion.CDC:
            expr = f"CAST({string(CDC_OP_VALUE)} AS {flink_type(c.type)})"
        else:
            key, mtype = metadata.get(c.metadata, (c.metadata, flink_type(c.type)))
            meta_col = f"_meta_{snake(c.name)}"
            lines.append(f"{quote(meta_col)} {mtype} METADATA FROM {string(key)} VIRTUAL")
            expr = _from_metadata(meta_col, mtype, flink_type(c.type))
        computed.append(f"{quote(c.name)} AS {expr}")
        inline[c.name] = expr
    for d in ds.derived:
        expr = f"CAST({flink_expr(d.expr, _own(rel), inline)} AS {flink_type(d.type)})"
        computed.append(f"{quote(d.name)} AS {expr}")
        inline[d.name] = expr
    lines += computed
    if with_proc_time:
        lines.append(f"{quote(PROC_TIME)} AS PROCTIME()")
    if ds.event_time:
        et_name = rel.columns.get(ds.event_time.lower(), ds.event_time)
        et = quote(CDC_VALUE.format(column=et_name) if et_name in inline and cdc else et_name)
        delay = duration(ds.watermark_delay) if ds.watermark_delay else "INTERVAL '0' SECOND"
        lines.append(f"WATERMARK FOR {et} AS {et} - {delay}")
    if ds.primary_key and rel.ref.source.ingestion == Ingestion.CDC:
        keys = ", ".join(quote(rel.columns.get(k.lower(), k)) for k in ds.primary_key)
        lines.append(f"PRIMARY KEY ({keys}) NOT ENFORCED")
    return lines


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
APPEND_OPS = ("c", "r")  # inserts and snapshot reads: each source row once, as first written
# Key columns read from `after` (a nullable ROW) are nullable to Flink, and an upsert sink keyed by
# them refuses that; `COALESCE` with a typed default makes them NOT NULL (Flink's CAST has no
# `NOT NULL`). The default never applies: a c/r event always carries `after`, keys are never null.
NOT_NULL_DEFAULTS: dict[str, str] = {
    "BIGINT": "CAST(0 AS BIGINT)", "INT": "0", "SMALLINT": "CAST(0 AS SMALLINT)", "STRING": "''",
}  # fmt: skip
# The event time of a delete (no `after`): the epoch, so it never moves the watermark (the view
# drops deletes before any window sees them).
ROWTIME_DEFAULT = "1970-01-01 00:00:00"


def append_columns(rel: Relation, *, with_proc_time: bool) -> list[str]:
    """Column lines of an append-only CDC read: `after` (a ROW, temporals as raw strings), `op`,
    `ts_ms`, `source`; every spec column computed from them; the watermark; no key."""
    ds = rel.ref.dataset
    physical = [c for c in ds.columns if c.metadata is None]
    row = ", ".join(f"{quote(c.name)} {'STRING' if cdc_temporal(c) else flink_type(c.type)}" for c in physical)
    envelope = {
        "after": f"`after` ROW<{row}>",
        "op": "`op` STRING",
        "ts_ms": "`ts_ms` BIGINT",
        "source": ENVELOPE_SOURCE,
    }
    inline: dict[str, str] = {}
    computed: list[str] = []
    for c in ds.columns:
        if c.metadata is None:
            field = f"`after`.{quote(c.name)}"
            raw = CDC_TEMPORAL.get(parse_column_type(c.type).name)
            expr = raw.format(col=field, type=flink_type(c.type)) if raw else field
            default = NOT_NULL_DEFAULTS.get(flink_type(c.type)) if c.name in ds.primary_key else None
            if c.name == ds.event_time:  # a delete has no `after`, and a rowtime must not be null
                default = f"CAST({string(ROWTIME_DEFAULT)} AS {flink_type(c.type)})"
            expr = f"COALESCE({expr}, {default})" if default else expr
        else:
            source, stype = ENVELOPE_METADATA.get(c.metadata, ("CAST(NULL AS STRING)", "STRING"))
            expr = source if stype == flink_type(c.type) else f"CAST({source} AS {flink_type(c.type)})"
        if c.metadata is not None and quote(c.name) == expr:
            continue  # the envelope's own column (`op`, `ts_ms`)
        computed.append(f"{quote(c.name)} AS {expr}")
        inline[c.name] = expr
    for d in ds.derived:
        expr = f"CAST({flink_expr(d.expr, _own(rel), inline)} AS {flink_type(d.type)})"
        computed.append(f"{quote(d.name)} AS {expr}")
        inline[d.name] = expr
    # an envelope field a spec column of the same name replaces (e.g. `ts_ms` from `source.ts_ms`)
    lines = [text for name, text in envelope.items() if name not in inline or name in ("after", "source")]
    lines += computed
    if with_proc_time:
        lines.append(f"{quote(PROC_TIME)} AS PROCTIME()")
    if ds.event_time:
        et = quote(rel.columns.get(ds.event_time.lower(), ds.event_time))
        delay = duration(ds.watermark_delay) if ds.watermark_delay else "INTERVAL '0' SECOND"
        lines.append(f"WATERMARK FOR {et} AS {et} - {delay}")
    return lines


def append_view(table: str, view: str, rel: Relation, *, with_proc_time: bool) -> str:
    """The append-only view a history job reads: the spec's columns, inserts and snapshot reads only."""
    ds = rel.ref.dataset
    names = [c.name for c in ds.columns] + [d.name for d in ds.derived] + ([PROC_TIME] if with_proc_time else [])
    ops = ", ".join(string(op) for op in APPEND_OPS)
    return (
        f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  "
        + ",\n  ".join(quote(n) for n in names)
        + f"\nFROM {quote(table)}\nWHERE `op` IN ({ops});"
    )


def cdc_temporal(c: Column) -> str | None:
    """The cast of a raw Debezium temporal string to the column's Flink type (None: read as is)."""
    if c.metadata is not None:
        return None
    pattern = CDC_TEMPORAL.get(parse_column_type(c.type).name)
    return pattern.format(col=quote(c.name), type=flink_type(c.type)) if pattern else None


def cdc_view(table: str, view: str, rel: Relation, *, with_proc_time: bool, physical_only: bool = False) -> str:
    """The view a job reads over a raw CDC table: every column under its spec name and type."""
    ds = rel.ref.dataset
    names = [c.name for c in ds.columns if not (physical_only and c.metadata is not None)]
    if not physical_only:
        names += [d.name for d in ds.derived]
    if with_proc_time:
        names.append(PROC_TIME)
    by_name = {c.name: c for c in ds.columns}
    cols = []
    for name in names:
        column = by_name.get(name)
        if column is not None and cdc_temporal(column):
            cols.append(f"{quote(CDC_VALUE.format(column=name))} AS {quote(name)}")
        else:
            cols.append(quote(name))
    return f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  " + ",\n  ".join(cols) + f"\nFROM {quote(table)};"


def cdc_dimension_columns(rel: Relation, version_time: str | None) -> list[str]:
    """A dimension read from its CDC change files (the local run): raw temporal columns cast,
    the version time's watermark (an event-time temporal join), the key."""
    ds = rel.ref.dataset
    lines: list[str] = []
    computed: list[str] = []
    for c in ds.columns:
        if c.metadata is not None:
            continue
        raw = cdc_temporal(c)
        lines.append(f"{quote(c.name)} {'STRING' if raw else flink_type(c.type)}{_not_null(c, ds.primary_key)}")
        if raw:
            computed.append(f"{quote(CDC_VALUE.format(column=c.name))} AS {raw}")
    lines += computed
    if version_time:
        column = next((c for c in ds.columns if c.name == version_time), None)
        vt = quote(CDC_VALUE.format(column=version_time) if column and cdc_temporal(column) else version_time)
        lines.append(f"WATERMARK FOR {vt} AS {vt}")
    if ds.primary_key:
        lines.append(
            f"PRIMARY KEY ({', '.join(quote(rel.columns.get(k.lower(), k)) for k in ds.primary_key)}) NOT ENFORCED"
        )
    return lines


def _not_null(c: Column, key: tuple[str, ...]) -> str:
    """` NOT NULL` for key columns and columns whose `not_null` rule allows no exception."""
    strict = c.not_null is not None and (c.not_null.mostly is None or c.not_null.mostly >= 1)
    return " NOT NULL" if strict or c.name in key else ""


def _from_metadata(meta_col: str, mtype: str, wanted: str) -> str:
    """A metadata value as the column's declared type (epoch milliseconds for a BIGINT time)."""
    if mtype == wanted:
        return quote(meta_col)
    if mtype.startswith("TIMESTAMP_LTZ") and wanted == "BIGINT":
        col = quote(meta_col)  # epoch milliseconds, in any session time zone (checked on Flink 2.3)
        return f"UNIX_TIMESTAMP(DATE_FORMAT({col}, 'yyyy-MM-dd HH:mm:ss')) * 1000 + EXTRACT(MILLISECOND FROM {col})"
    return f"CAST({quote(meta_col)} AS {wanted})"


def source_options(rel: Relation, job: StreamJobNames) -> dict[str, str]:
    src = rel.ref.source
    ds = rel.names
    if src.ingestion == Ingestion.CDC:
        return {
            "connector": "kafka",
            "topic": ds.topic,
            "properties.bootstrap.servers": KAFKA_BOOTSTRAP,
            "properties.group.id": job.flink_job,
            "properties.isolation.level": "read_committed",
            "scan.startup.mode": "group-offsets",
            "properties.auto.offset.reset": "earliest",
            **CDC_FORMAT,
        }
    options = dict(STREAM_CONNECTORS.get(src.type, STREAM_CONNECTORS[SourceType.KAFKA]))
    if options["connector"] == "kinesis":
        options["stream.arn"] = Escaped("${KINESIS_STREAM_ARN}")
    else:
        options.update(
            {
                "topic": rel.ref.dataset.name,
                "properties.group.id": job.flink_job,
                "properties.isolation.level": "read_committed",
                "scan.startup.mode": "group-offsets",
                "properties.auto.offset.reset": "earliest",
            }
        )
    options["format"] = TOPIC_FORMATS[rel.ref.dataset.format]
    return options


def dimension_table(rel: Relation) -> tuple[list[str], dict[str, str]]:
    """A lookup dimension: its columns and key, read through JDBC with the lookup cache."""
    ds = rel.ref.dataset
    lines = [
        f"{quote(c.name)} {flink_type(c.type)}{_not_null(c, ds.primary_key)}" for c in ds.columns if c.metadata is None
    ]
    if ds.primary_key:
        lines.append(
            f"PRIMARY KEY ({', '.join(quote(rel.columns.get(k.lower(), k)) for k in ds.primary_key)}) NOT ENFORCED"
        )
    conn = rel.ref.source.connection
    url = Escaped(
        JDBC_URLS.get(rel.ref.source.type, "jdbc:{host}:{port}/{database}").format(
            host=option_value(conn.host, "localhost"),
            port=option_value(conn.port, str(DEFAULT_PORTS.get(rel.ref.source.type, 0))),
            database=option_value(conn.database, ""),
        )
    )
    options = {
        "connector": "jdbc",
        "url": url,
        "table-name": ds.name,
        "username": option_value(conn.user, "${" + snake(rel.ref.source.name).upper() + "_USER}"),
        "password": option_value(conn.password, "${" + snake(rel.ref.source.name).upper() + "_PASSWORD}"),
        **LOOKUP_CACHE,
    }
    return lines, options


# ---------------------------------------------------------------- sinks


def sink_options(target: Target, table: str, mode: SinkMode, has_key: bool, job: StreamJobNames) -> dict[str, str]:
    """A sink's connector options: a Kafka sink writes the job's output topic (names layer: the
    KafkaUser's ACLs grant exactly it) under its own transactional id (`job.flink_job`)."""
    conn = target.connection
    if target.type in (TargetType.KAFKA,):
        if mode == SinkMode.UPSERT and has_key:
            return {
                "connector": "upsert-kafka",
                "topic": str(job.output_topic),
                "properties.bootstrap.servers": option_value(conn.bootstrap_servers, KAFKA_BOOTSTRAP),
                "key.format": SINK_FORMAT,
                "value.format": SINK_FORMAT,
            }
        return {
            "connector": "kafka",
            "topic": str(job.output_topic),
            "properties.bootstrap.servers": option_value(conn.bootstrap_servers, KAFKA_BOOTSTRAP),
            "format": SINK_FORMAT,
            "sink.delivery-guarantee": "exactly-once",
            "sink.transactional-id-prefix": str(job.flink_job),
        }
    if target.type in LAKE_CONNECTORS:
        options = {**LAKE_CONNECTORS[target.type], "catalog-database": option_value(conn.database, "lake")}
        options["table-name" if target.type == TargetType.DELTA else "catalog-table"] = table
        if target.type == TargetType.DELTA:
            options["table-path"] = Escaped(
                option_value(conn.url or conn.path or conn.bucket, "${LAKE_PATH}") + "/" + _inside(table)
            )
        if target.type == TargetType.ICEBERG and mode == SinkMode.UPSERT:
            options.update({"format-version": "2", "write.upsert.enabled": "true"})
        return options
    if target.type in JDBC_URLS:
        url = Escaped(
            JDBC_URLS[target.type].format(
                host=option_value(conn.host, "localhost"),
                port=option_value(conn.port, str(DEFAULT_PORTS[target.type])),
                database=option_value(conn.database, ""),
            )
        )
        return {
            "connector": "jdbc",
            "url": url,
            "table-name": table,
            "username": option_value(conn.user, "${" + snake(target.name).upper() + "_USER}"),
            "password": option_value(conn.password, "${" + snake(target.name).upper() + "_PASSWORD}"),
            "sink.buffer-flush.interval": "1 s",
            "sink.max-retries": "3",
        }
    # files and every target without a streaming connector: Parquet/JSON files in the lake path
    fmt = "json" if target.format in (FileFormat.JSON, FileFormat.JSONL) else (target.format or FileFormat.PARQUET)
    return {
        "connector": "filesystem",
        "path": Escaped(option_value(conn.url or conn.path or conn.bucket, "${LAKE_PATH}") + "/" + _inside(table)),
        "format": str(fmt.value if isinstance(fmt, FileFormat) else fmt),
        "sink.rolling-policy.rollover-interval": "1 min",
    }


# ---------------------------------------------------------------- the job


@dataclass(frozen=True)
class JobSql:
    job: StreamJobNames
    script: str
    manifest: dict[str, Any]
    outputs: list[str]
    sink_target: str
    sink_connector: str


class JobBuilder:
    """The statements of one stream job."""

    def __init__(
        self,
        spec: Spec,
        index: SpecIndex,
        names: Names,
        settings: Settings,
        quarantined: dict[str, list[EventRule]] | None = None,
    ) -> None:
        self.spec, self.index, self.names, self.settings = spec, index, names, settings
        self.quarantined = quarantined or {}  # table (qualified) -> rules whose critical breaks are excluded

    def build(self, job: StreamJob) -> JobSql:
        jn = self.names.stream(job.name)
        base_ref = self.index.resolve(job.from_, allow_marts=False).table
        if base_ref is None:  # validation refuses this
            raise ValueError(f"stream job {job.name}: '{job.from_}' is not a table or topic")
        base = relation(base_ref, self.names, snake(base_ref.dataset.name))
        dims = self._dimensions(job, base)
        lookups = [d for d, j in dims if j.type == JoinType.LOOKUP]
        statements = ["\n".join(settings_statements(self.settings, jn, base_ref.source.ingestion == Ingestion.CDC))]
        tables: dict[str, dict[str, Any]] = {}
        source_sql, source_table = self._source(base, jn, job, with_proc_time=bool(lookups))
        statements += source_sql
        tables.update(source_table)
        for rel, _join in dims:
            if rel.names.flink_table in tables:
                continue
            dcols, dopts = dimension_table(rel)
            statements.append(self._create(rel.names.flink_table, dcols, dopts))
            tables[rel.names.flink_table] = {
                **self._source_manifest(rel),
                "role": "dimension",
                "version_time": self._version_time(rel),
                **self._local_dimension(rel),
            }
        view_from = quote(base.names.flink_table)
        if job.history:
            history_view = f"{jn.sink_table}__history"
            statements.append(self._history_view(history_view, base, job.history))
            view_from = quote(history_view)
        input_view = f"{jn.sink_table}__input"
        view_sql, columns = self._input_view(input_view, view_from, base, dims, job)
        statements.append(view_sql)
        query, outputs = self._query(job, quote(input_view), columns, base)
        target = self._target(job)
        sink_table = job.sink.table if job.sink and job.sink.table else jn.sink_table
        mode = job.sink.mode if job.sink else SinkMode.APPEND
        key = [snake(k) for k in job.sink.key] if job.sink else []
        options = sink_options(target, sink_table, mode, bool(key), jn)
        sink_name = quote(jn.sink_table)
        if key and mode == SinkMode.UPSERT:
            pk = f" (\n  PRIMARY KEY ({', '.join(quote(k) for k in key)}) NOT ENFORCED"
            statements.append(f"CREATE TABLE {sink_name}{pk}{with_clause(options)}\nAS {query};")
        else:
            statements.append(f"CREATE TABLE {sink_name}{with_clause(options, closes_columns=False)}\nAS {query};")
        tables[jn.sink_table] = {"role": "sink", "key": key, "mode": mode.value}
        manifest = {
            "job": jn.flink_job,
            "sink_table": jn.sink_table,
            "outputs": outputs,
            "tables": tables,
            "lookups": [f"{quote(base.alias)}.{quote(PROC_TIME)}"] if lookups else [],
            "event_time": self._event_time(base),
        }
        return JobSql(jn, "\n\n".join(statements) + "\n", manifest, outputs, target.name, options["connector"])

    # ------------------------------------------------------------ pieces

    def _dimensions(self, job: StreamJob, base: Relation) -> list[tuple[Relation, Any]]:
        out = []
        for j in job.joins:
            ref = self.index.resolve(j.table, allow_marts=False).table
            if ref is None:
                raise ValueError(f"stream job {job.name}: join '{j.table}' is not a table")
            out.append((relation(ref, self.names, snake(ref.dataset.name)), j))
        return out

    def _source_manifest(self, rel: Relation) -> dict[str, Any]:
        return {
            "role": "source",
            "topic": rel.names.topic,
            "dataset": rel.names.ref,
            "format": "debezium-json" if rel.ref.source.ingestion == Ingestion.CDC else "json",
            "format_options": dict(CDC_FORMAT) if rel.ref.source.ingestion == Ingestion.CDC else {"format": "json"},
            "metadata": [c.name for c in rel.ref.dataset.columns if c.metadata is not None],
        }

    def _source(
        self, base: Relation, jn: StreamJobNames, job: StreamJob, *, with_proc_time: bool
    ) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """The job's source statements and manifest entry: a topic's table; a CDC table as a raw
        `<table>__changes` under a view of the table's name (append-only for history jobs)."""
        options = source_options(base, jn)
        if base.ref.source.ingestion != Ingestion.CDC:
            cols = source_columns(base, with_proc_time=with_proc_time)
            return [self._create(base.names.flink_table, cols, options)], {
                base.names.flink_table: self._source_manifest(base)
            }
        raw_table = CDC_CHANGES.format(table=base.names.flink_table)
        if job.history:
            options = {**{k: v for k, v in options.items() if not k.startswith("debezium-json.")}, "format": "json"}
            cols = append_columns(base, with_proc_time=with_proc_time)
            view = append_view(raw_table, base.names.flink_table, base, with_proc_time=with_proc_time)
            manifest = {**self._source_manifest(base), "format": "json", "format_options": {"format": "json"}}
        else:
            cols = source_columns(base, with_proc_time=with_proc_time)
            view = cdc_view(raw_table, base.names.flink_table, base, with_proc_time=with_proc_time)
            manifest = self._source_manifest(base)
        return [self._create(raw_table, cols, options), view], {raw_table: manifest}

    def _local_dimension(self, rel: Relation) -> dict[str, Any]:
        """A CDC dimension's local read (pipeline/flink_local.py): its raw change-file table and the
        view under the dimension's name that the event-time temporal join reads."""
        if rel.ref.source.ingestion != Ingestion.CDC:
            return {}
        raw_table = CDC_CHANGES.format(table=rel.names.flink_table)
        columns = cdc_dimension_columns(rel, self._version_time(rel))
        return {
            "local_table": raw_table,
            "local_ddl": [
                self._create(raw_table, columns, {"connector": "filesystem", **CDC_FORMAT}),
                cdc_view(raw_table, rel.names.flink_table, rel, with_proc_time=False, physical_only=True),
            ],
        }

    def _version_time(self, rel: Relation) -> str | None:
        """The dimension's version column for the local event-time temporal join."""
        ds = rel.ref.dataset
        for name in (ds.event_time, ds.watermark):
            if (
                name
                and rel.ref.column(name) is not None
                and (rel.ref.column(name) or ds.columns[0]).type.startswith("timestamp")
            ):
                return rel.columns.get(name.lower(), name)
        return None

    def _event_time(self, rel: Relation) -> str | None:
        et = rel.ref.dataset.event_time
        return rel.columns.get(et.lower(), et) if et else None

    def _create(self, name: str, lines: list[str], options: dict[str, str]) -> str:
        return f"CREATE TABLE {quote(name)} (\n  " + ",\n  ".join(lines) + with_clause(options) + ";"

    def _history_view(self, view: str, base: Relation, history: tuple[History, ...]) -> str:
        et = quote(self._event_time(base) or PROC_TIME)
        stats = [f"  {_history_sql(h, base, et)} AS {quote(h.name)}" for h in history]
        return (
            f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  {quote(base.alias)}.*,\n"
            + ",\n".join(stats)
            + f"\nFROM {quote(base.names.flink_table)} AS {quote(base.alias)};"
        )

    def _input_view(
        self, view: str, view_from: str, base: Relation, dims: list[tuple[Relation, Any]], job: StreamJob
    ) -> tuple[str, dict[str, str]]:
        """The job's input: the source (and its history), dimensions joined, the filter applied.
        Returns the view and spec column (lowercase, also 'table.column') -> view column."""
        selected: list[str] = [f"{quote(base.alias)}.*"]
        columns: dict[str, str] = {k: v for k, v in base.columns.items()}
        for k, v in base.columns.items():
            columns[f"{base.ref.dataset.name.lower()}.{k}"] = v
        for h in job.history:
            columns[h.name.lower()] = h.name
        taken = {v.lower() for v in columns.values()} | {PROC_TIME}
        joins: list[str] = []
        rels: list[Relation] = [base]
        for rel, j in dims:
            for c in rel.ref.dataset.columns:
                if c.metadata is not None:
                    continue
                out = c.name if c.name.lower() not in taken else f"{rel.alias}__{c.name}"
                if c.name.lower() not in taken:
                    selected.append(f"{quote(rel.alias)}.{quote(c.name)}")
                    taken.add(c.name.lower())
                    columns.setdefault(c.staged_name.lower(), out)
                elif out.lower() not in taken:
                    selected.append(f"{quote(rel.alias)}.{quote(c.name)} AS {quote(out)}")
                    taken.add(out.lower())
                columns[f"{rel.ref.dataset.name.lower()}.{c.staged_name.lower()}"] = out
            resolve_left = _resolver(rels)
            conditions = []
            for left, right in j.on:
                qualifier, _, column = left.rpartition(".")
                la, lc = resolve_left(qualifier, column)
                right_col = quote(rel.columns.get(right.lower(), right))
                conditions.append(f"{quote(la or base.alias)}.{quote(lc)} = {quote(rel.alias)}.{right_col}")
            if j.filter:
                conditions.append(flink_expr(j.filter, _resolver([rel])))
            kind = "LEFT JOIN" if j.type == JoinType.LEFT else "JOIN"  # a lookup enriches: no match, no row
            temporal = (
                f" FOR SYSTEM_TIME AS OF {quote(base.alias)}.{quote(PROC_TIME)}" if j.type == JoinType.LOOKUP else ""
            )
            joins.append(
                f"{kind} {quote(rel.names.flink_table)}{temporal} AS {quote(rel.alias)}\n  ON "
                + " AND ".join(conditions)
            )
            rels.append(rel)
        conditions = [flink_expr(job.filter, _view_resolver(rels, columns, job))] if job.filter else []
        clean = self._quarantine(base)
        conditions += [clean] if clean else []  # quarantine: events breaking a critical rule go to the dead letters
        shown = [f"({c})" for c in conditions] if len(conditions) > 1 else conditions
        where = "\nWHERE " + "\n  AND ".join(shown) if shown else ""
        groups = []
        for g in job.group_by:
            name = snake(g.output_name)
            expr = flink_expr(g.expr, _view_resolver(rels, columns, job, qualified=True))
            if name.lower() not in taken:
                groups.append(f"{expr} AS {quote(name)}")
                taken.add(name.lower())
            columns[g.output_name.lower()] = name
        body = ",\n  ".join(selected + groups)
        sql = (
            f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  {body}\nFROM {view_from} AS {quote(base.alias)}"
            + ("\n" + "\n".join(joins) if joins else "")
            + where
            + ";"
        )
        return sql, columns

    def _query(self, job: StreamJob, view: str, columns: dict[str, str], base: Relation) -> tuple[str, list[str]]:
        def resolve(_qualifier: str, column: str) -> tuple[str | None, str]:
            key = f"{_qualifier.lower()}.{column.lower()}" if _qualifier else column.lower()
            return None, columns.get(key, columns.get(column.lower(), column))

        if job.window is None:
            if job.columns:
                outs = [(flink_expr(c.expr, resolve), snake(c.output_name)) for c in job.columns]
                body = ",\n  ".join(f"{e} AS {quote(n)}" for e, n in outs)
                return f"SELECT\n  {body}\nFROM {view}", [n for _, n in outs]
            names = [c for c in dict.fromkeys(columns.values()) if c != PROC_TIME]
            return f"SELECT\n  {', '.join(quote(n) for n in names)}\nFROM {view}", names
        groups = [columns[g.output_name.lower()] for g in job.group_by]
        measures = [(flink_expr(measure_expr(m), resolve), snake(m.name)) for m in job.measures]
        et = quote(self._event_time(base) or "")
        tvf = _tvf(job.window, view, et, groups)
        keys = ["`window_start`", "`window_end`", *[quote(g) for g in groups]]
        select = ",\n  ".join([*keys, *[f"{e} AS {quote(n)}" for e, n in measures]])
        agg = f"SELECT\n  {select}\nFROM TABLE(\n  {tvf})\nGROUP BY {', '.join(keys)}"
        outputs = ["window_start", "window_end", *groups, *[n for _, n in measures]]
        if job.top_n is None:
            return agg, outputs
        order = quote(snake(job.top_n.order_by))
        listed = ", ".join(quote(o) for o in outputs)
        ranked = (
            f"SELECT {listed},\n  ROW_NUMBER() OVER (PARTITION BY `window_start`, `window_end` ORDER BY {order} DESC)"
            f" AS {quote(ROW_NUMBER_COLUMN)}\nFROM (\n{agg}\n)"
        )
        return (
            f"SELECT {listed}, {quote(ROW_NUMBER_COLUMN)}\nFROM (\n{ranked}\n)\n"
            f"WHERE {quote(ROW_NUMBER_COLUMN)} <= {job.top_n.n}",
            [*outputs, ROW_NUMBER_COLUMN],
        )

    def _quarantine(self, base: Relation) -> str | None:
        """`NOT (a critical rule broken)` over the base table's columns. A not_null rule on a column
        declared NOT NULL (keys, strict not_null) is left out: the planner folds `x IS NULL` to FALSE
        there; the quality job, which reads `after` as nullable, dead-letters such events."""
        ds = base.ref.dataset
        declared = {c.name for c in ds.columns if _not_null(c, ds.primary_key)}
        rules = [
            r
            for r in self.quarantined.get(base.ref.qualified, [])
            if not (r.rule == "not_null" and r.column in declared)
        ]
        return quarantine_predicate(rules, lambda c: f"{quote(base.alias)}.{quote(c)}")

    def _target(self, job: StreamJob) -> Target:
        wanted = job.sink.target.lower() if job.sink else None
        for t in self.spec.targets:
            if wanted is None or t.name.lower() == wanted:
                return t
        raise ValueError(f"stream job {job.name}: no target")  # validation refuses this


def _resolver(rels: list[Relation]) -> Any:
    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        key = column.lower()
        for rel in rels:
            if qualifier and qualifier.lower() not in (
                rel.ref.dataset.name.lower(),
                rel.ref.qualified.lower(),
                rel.alias,
            ):
                continue
            if key in rel.columns:
                return rel.alias, rel.columns[key]
        return (qualifier if qualifier else rels[0].alias), column

    return resolve


def _view_resolver(rels: list[Relation], columns: dict[str, str], job: StreamJob, qualified: bool = False) -> Any:
    """Columns in the input view's body: relation-qualified; history statistics by name."""
    inner = _resolver(rels)
    history = {h.name.lower() for h in job.history}

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        if not qualifier and column.lower() in history:
            return rels[0].alias, columns[column.lower()]
        found: tuple[str | None, str] = inner(qualifier, column)
        return found

    return resolve


def _tvf(window: Window, view: str, event_time: str, groups: list[str]) -> str:
    args = [duration(getattr(window, a)) for a in TVF_ARGS[window.type]]
    table = f"TABLE {view}"
    if window.type == WindowType.SESSION and groups:
        table += f" PARTITION BY {', '.join(quote(g) for g in groups)}"
    return f"{TVF[window.type]}({table}, DESCRIPTOR({event_time}), {', '.join(args)})"


_HISTORY_SUM = {Aggregation.SUM: "SUM({x})", Aggregation.COUNT: "COUNT({x})", Aggregation.AVG: "AVG({x})"}


def _history_sql(h: History, base: Relation, event_time: str) -> str:
    """A statistic over the key's previous events, this one excluded: an OVER window ending
    at the current row, minus the current row (Flink's OVER windows end at CURRENT ROW)."""
    x = flink_expr(h.expr or h.column or "1", _own(base))
    keys = ", ".join(quote(base.columns.get(k.lower(), k)) for k in h.per)
    bound = (
        f"ROWS BETWEEN {h.previous} PRECEDING" if h.previous else f"RANGE BETWEEN {duration(h.within or 0)} PRECEDING"
    )
    over = f"OVER (PARTITION BY {keys} ORDER BY {event_time} {bound} AND CURRENT ROW)"
    if h.agg in (Aggregation.SUM, Aggregation.AVG, Aggregation.COUNT):
        total = f"(SUM(CAST({x} AS DOUBLE)) {over} - CAST({x} AS DOUBLE))"
        count = f"(COUNT({x}) {over} - 1)"
        if h.agg == Aggregation.SUM:
            return total
        if h.agg == Aggregation.COUNT:
            return count
        return f"{total} / NULLIF({count}, 0)"
    agg = {Aggregation.MIN: "MIN", Aggregation.MAX: "MAX", Aggregation.COUNT_DISTINCT: "COUNT"}[h.agg]
    inner = f"DISTINCT {x}" if h.agg == Aggregation.COUNT_DISTINCT else x
    return f"{agg}({inner}) {over}"  # min/max/count_distinct include the current event


def settings_for(spec: Spec, parallelism: int | None, checkpoint_seconds: float | None) -> Settings:
    seconds = checkpoint_seconds or 60
    return Settings(f"{int(seconds)} s", parallelism or 1)


def describe_window(window: Window | None) -> str:
    if window is None:
        return "per event"
    parts = [f"{a} {format_duration(getattr(window, a))}" for a in TVF_ARGS[window.type]]
    return f"{window.type.value} ({', '.join(parts)})"
