"""The flink family's bronze jobs: a Lakehouse plan's stream path landing in the lake's bronze layer.

One job per table the stream lands (common/stream_landing.py: every table of a CDC or stream source
of a Lakehouse plan with a Flink speed layer), `<pipeline>__<source>__<table>__bronze`, writing the
table's bronze lake table (`<source>__<table>`, the naming layer's `lake_table`) in the first lake
target that keeps bronze, in the layout the lake step's own bronze has (templates/lakehouse/lake.py):

- every payload column as text (STRING), under its landed name; a CDC table's value from the
  Debezium envelope read as plain JSON (`after`, else `before` for a delete), its temporals
  Debezium's ISO-8601 strings made SQL's text (TEMPORAL_TEXT), at their full precision;
- `_op`: `d` for a delete, else `u` (an insert, a snapshot read, an update: silver merges by key);
- `_batch_id`, `_ingested_at`, `_row`: where the event came from. On a Kafka topic (CDC, Kafka,
  Event Hubs) `kafka:<partition>:<offset, 20 digits>`, the record's timestamp and its offset: one
  batch per event, ordered as the log within a key's partition (silver's tie-break: `_ingested_at`,
  `_batch_id`, `_row`, descending). Elsewhere (Kinesis) `stream:<uuid>`, the processing time, 0. Silver keeps
  a Kafka partition's highest offset taken (lake_store.Taken): bronze holds a prefix of each partition whenever
  it is read (Iceberg: committed per checkpoint; Delta: the relay's `fixed` partitioner keeps a subtask's records
  in one relay partition, in order, while the job's parallelism stays); a Kinesis event's id is kept one by one.
  The Kinesis connector (flink-sql-connector-aws-kinesis-streams 6.0.0-2.0) lists `shard-id`, `sequence-number`
  and `timestamp` metadata but never fills it (apache/flink-connector-aws v6.0.0: KinesisDynamicSource decodes the
  physical columns only), so a Kinesis event has no place to land by: R534 warns (plan/flinkfindings.py).

Append-only (bronze keeps every event once): Iceberg through the Iceberg connector in the catalog's
`<pipeline>_bronze` namespace; Delta, which no connector released for Flink 2.x writes, through the
job's relay topic (common/stream_landing.bronze_relay: plain `kafka`, exactly-once, JSON) that the flink
family's Delta loader (delta.py, pipeline/delta_relay.py) appends into the layer's path under the lake
root (`${PIPEGEN_LAKE_ROOT}`, Azure: `${PIPEGEN_LAKE_ROOT_BRONZE}`), the lake step's own. Locally
pipeline/flink_local.py swaps the sink (its rows are collected) and pipeline/stream.py drops them
as a Parquet batch into the table's landing directory, which the lake step lands in bronze.
"""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import layer_dirs
from pipegen.common.stream_landing import bronze_relay, bronze_target, landing_dir
from pipegen.generators.flink.builder import JobSql
from pipegen.generators.flink.connectors import (
    LAKE_CONNECTORS,
    iceberg_catalog_options,
    source_options,
)
from pipegen.generators.flink.connectors import (
    sink_options as relay_sink,
)
from pipegen.generators.flink.options import Settings, option_value, settings_script
from pipegen.generators.flink.relations import Relation, relation
from pipegen.generators.flink.tables import append_options, create_table, create_table_as, source_manifest
from pipegen.plan.cloudnames import lake_namespace
from pipegen.plan.envnames import ENV, lake_layer_root
from pipegen.plan.names import Names, StreamJobNames
from pipegen.render.flinksql import flink_type, quote, string
from pipegen.spec.index import TableRef
from pipegen.spec.model import Cloud, Column, Layer, SinkMode, Spec, Target
from pipegen.spec.types import parse_column_type

BRONZE = Layer.BRONZE.value
CDC_OPS = ("c", "r", "u", "d")  # a Debezium envelope's row events (not `t`, a truncate)
DELETE_OP = "d"
# The Kafka record's place, as virtual metadata columns (Kafka connector metadata keys)
KAFKA_PLACE = (("_kafka_partition", "INT", "partition"), ("_kafka_offset", "BIGINT", "offset"),
               ("_kafka_timestamp", "TIMESTAMP_LTZ(3)", "timestamp"))  # fmt: skip
OFFSET_DIGITS = 20  # a BIGINT offset zero-padded: batch ids sort as the log
RELAY_PARTITIONER = {"sink.partitioner": "fixed"}  # a Delta bronze's relay sink: one relay partition per subtask
META = ("_batch_id", "_ingested_at", "_row", "_op")  # bronze's metadata columns (lake.py META)


# Debezium's ISO-8601 temporal strings (columns.CDC_TEMPORAL) as bronze's text, losslessly (no cast
# to the column's Flink precision): a timestamp '2026-01-02T03:04:05.123456Z' as
# '2026-01-02 03:04:05.123456', a date '2026-01-02Z' and a time '03:04:05.25Z' without the 'Z'. A
# timestamptz keeps its 'Z' (UTC), which silver's cast reads. Silver types them (lake.json `columns`).
TEMPORAL_TEXT: dict[str, str] = {
    "timestamp": "REPLACE(REPLACE({col}, 'T', ' '), 'Z', '')",
    "date": "REPLACE({col}, 'Z', '')",
    "time": "REPLACE({col}, 'Z', '')",
}
TIMESTAMP_TZ = "timestamp_tz"
# A TIMESTAMP_LTZ cast to text (a topic's timestamptz column) reads in the session's time zone, the JVM's by default:
# UTC, which the lake step's silver reads a time without an offset as (lakehouse/lake_store.memory), as Spark's
# sessions do
LOCAL_TIME_ZONE = ("table.local-time-zone", "UTC")


def _as_read(c: Column) -> bool:
    """A Debezium temporal, read as its string (TEMPORAL_TEXT; a timestamptz as it is)."""
    return parse_column_type(c.type).name in (*TEMPORAL_TEXT, TIMESTAMP_TZ)


def payload(rel: Relation) -> list[Column]:
    """The table's columns bronze keeps: the physical ones (the lake keeps no metadata column)."""
    return [c for c in rel.ref.dataset.columns if c.metadata is None]


def kafka_read(options: dict[str, str]) -> bool:
    """The source is a Kafka topic (CDC, Kafka, Event Hubs): its records carry partition and offset."""
    return options.get("connector") == "kafka"


def source_lines(rel: Relation, kafka: bool) -> list[str]:
    """The source table's columns: a CDC table's envelope (`before`, `after`: temporals as raw
    strings; `op`), a topic's payload columns; the Kafka record's place as metadata."""
    cols = payload(rel)
    if rel.cdc:
        row = ", ".join(f"{quote(c.name)} {'STRING' if _as_read(c) else flink_type(c.type)}" for c in cols)
        lines = [f"`before` ROW<{row}>", f"`after` ROW<{row}>", "`op` STRING"]
    else:
        lines = [f"{quote(c.name)} {flink_type(c.type)}" for c in cols]
    if kafka:
        lines += [f"{quote(name)} {ftype} METADATA FROM {string(key)} VIRTUAL" for name, ftype, key in KAFKA_PLACE]
    return lines


def as_text(rel: Relation, c: Column) -> str:
    """A payload column as bronze's text: a CDC table's from `after` (a delete: `before`), a
    Debezium temporal as SQL text (TEMPORAL_TEXT)."""
    if not rel.cdc:
        return f"CAST({quote(c.name)} AS STRING)"
    value = f"COALESCE(`after`.{quote(c.name)}, `before`.{quote(c.name)})"
    raw = TEMPORAL_TEXT.get(parse_column_type(c.type).name)
    return raw.format(col=value) if raw else f"CAST({value} AS STRING)"


def metadata(rel: Relation, kafka: bool) -> list[str]:
    """bronze's `_batch_id`, `_ingested_at`, `_row` and `_op` of each event."""
    if kafka:
        offset = f"LPAD(CAST(`_kafka_offset` AS STRING), {OFFSET_DIGITS}, '0')"
        place = [f"CONCAT('kafka:', CAST(`_kafka_partition` AS STRING), ':', {offset})",
                 "`_kafka_timestamp`", "`_kafka_offset`"]  # fmt: skip
    else:
        place = ["CONCAT('stream:', UUID())", "CURRENT_TIMESTAMP", "CAST(0 AS BIGINT)"]
    op = f"CASE WHEN `op` = {string(DELETE_OP)} THEN 'd' ELSE 'u' END" if rel.cdc else "'u'"
    return [f"{expr} AS {quote(name)}" for expr, name in zip([*place, op], META, strict=True)]


def lake_root(cloud: Cloud) -> str:
    """The lake root's variable: the bronze layer's own where each layer has a container (Azure)."""
    return str(lake_layer_root(BRONZE) if cloud == Cloud.AZURE else ENV.lake_root)


def delta_path(target: Target, table: str, cloud: Cloud) -> str:
    """A Delta bronze table's directory as the loader fills it: the bronze layer's path under the lake root
    (the lake step's layout, lakehouse/lake_store.py), `${NAME}` from the environment."""
    return "${" + lake_root(cloud) + "}/" + f"{layer_dirs(target)[BRONZE]}/{table}"


def sink_options(target: Target, table: str, pipeline: str) -> dict[str, str]:
    """bronze in an Iceberg target: the Iceberg connector in the catalog's `<pipeline>_bronze` namespace."""
    options = {**LAKE_CONNECTORS[target.type], "catalog-database": option_value(str(lake_namespace(pipeline, BRONZE)))}
    options["catalog-table"] = table
    catalog_ = iceberg_catalog_options(target)
    if "catalog-impl" in catalog_:  # a custom catalog: the connector refuses `catalog-type` beside it
        del options["catalog-type"]
    return options | catalog_


def bronze_job(spec: Spec, names: Names, settings: Settings, ref: TableRef, target: Target) -> JobSql:
    rel = relation(ref, names)
    jn = names.quality_jobs(ref.source.name, ref.dataset.name).bronze
    options = source_options(rel, jn)
    kafka = kafka_read(options)
    raw = rel.names.flink_changes if rel.cdc else rel.names.flink_table
    source = create_table(raw, source_lines(rel, kafka), append_options(options) if rel.cdc else options)
    landed = [str(rel.names.column(c.name)) for c in payload(rel)]
    selects = [f"{as_text(rel, c)} AS {quote(name)}" for c, name in zip(payload(rel), landed, strict=True)]
    where = f"\nWHERE `op` IN ({', '.join(string(op) for op in CDC_OPS)})" if rel.cdc else ""
    query = "SELECT\n  " + ",\n  ".join([*selects, *metadata(rel, kafka)]) + f"\nFROM {quote(raw)}{where}"
    table = str(rel.names.lake_table)
    relay = bronze_relay(names, ref, target)
    if relay is not None:  # Delta: the relay topic, appended (exactly-once), which the Delta loader lands
        topic = str(relay.relay.topic)
        into = relay_sink(target, table, SinkMode.APPEND, False, jn, str(names.pipeline), relay_topic=topic)
        # each subtask's records to one relay partition (Kafka's default partitioner spreads keyless records over
        # them): a source partition, read by one subtask, stays in offset order through the relay and the loader,
        # so silver's per-partition offset mark (lakehouse/lake_store.Taken) skips only what it took
        into = {**into, **RELAY_PARTITIONER}
    else:
        into = sink_options(target, table, str(names.pipeline))
    sink = create_table_as(jn.sink_table, [], into, query)
    zone = "SET {} = {};".format(*(string(v) for v in LOCAL_TIME_ZONE))
    script = "\n\n".join([settings_script(settings, jn, False) + "\n" + zone, source, sink]) + "\n"
    outputs = [*landed, *META]
    manifest = _manifest(rel, jn, outputs, target)
    return JobSql(jn, script, manifest, outputs, target.name, target.type.value)


def _manifest(rel: Relation, jn: StreamJobNames, outputs: list[str], target: Target) -> dict[str, Any]:
    """flink/jobs.json's entry: the source read append-only (locally: the change files as JSON
    lines), the sink, and `bronze`: the lake table and the landing directory pipeline/stream.py drops
    the local run's rows in (lakehouse family, lake.json `landing`)."""
    raw = rel.names.flink_changes if rel.cdc else rel.names.flink_table
    sink = str(jn.sink_table)
    return {
        "job": str(jn.flink_job),
        "sink_table": sink,
        "outputs": outputs,
        "tables": {str(raw): source_manifest(rel, append_only=True),
                   sink: {"role": "sink", "key": [], "mode": "append"}},
        "lookups": [],
        "event_time": None,
        "bronze": {"table": str(rel.names.lake_table), "target": target.name,
                   "landing": landing_dir(rel.names),
                   "columns": outputs[: -len(META)]},
    }  # fmt: skip


def build_bronze_jobs(spec: Spec, names: Names, settings: Settings, refs: list[TableRef]) -> list[JobSql]:
    """The bronze job of every table the stream lands (`refs`, common/stream_landing.py)."""
    target = bronze_target(spec)
    if target is None:
        return []
    return [bronze_job(spec, names, settings, ref, target) for ref in refs]
