"""Stream jobs where the plan's stream engine is Spark: the Spark job's Structured Streaming layer
runs a stream job of `transforms.streams` (per-event filters and projections, and aggregations:
tumble, hop and session windows or none) over one streamed table into the gold lake layer; a job
it cannot run is named with the reason (R406, a located warning), never dropped silently: Flink
is not generated beside Spark (one engine per speed layer, pipegen.plan.components).

R516: a topic whose values are not JSON (`format` avro or csv) under a Spark stream engine: the Spark job's stream
layer lands every streamed topic by reading its values as JSON (templates/spark/medallion/stream.py `from_kafka`,
`get_json_object`), so such a topic's columns would land NULL.

R523: a Kinesis source's stream under a Spark stream engine: the Spark job's stream layer reads Kafka only (Apache
Spark has no Kinesis source; each landed row is identified by its Kafka position, `kafka:<partition>:<offset>`), so
it would subscribe to a Kafka topic named like the Kinesis topic and land nothing (an error, never a run-time
surprise).

R533: a Kafka or Event Hubs stream's `connection.options` key Spark's Kafka source refuses (SPARK_REFUSED_OPTIONS:
it sets the consumer's deserializers, offset commits and interceptors itself, and throws on a user's): the Spark job
passes every other option as `kafka.<key>` (common/spark_stream.py `client_options`, as the Flink jobs pass them as
`properties.<key>`) and this one not, so a located warning says so."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.engines import EngineChoice
from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex, index_of
from pipegen.spec.model import Ingestion, SinkMode, Source, SourceType, Spec, StreamJob, WindowType
from pipegen.spec.rules.transforms import stream_output_names

# Consumer settings Spark's Kafka source throws on as `kafka.<key>` (KafkaSourceProvider's validateGeneralOptions,
# Spark 3.x-4.x; `group.id`, `auto.offset.reset` and `bootstrap.servers` pipegen derives itself: R360)
SPARK_REFUSED_OPTIONS = frozenset(
    {"key.deserializer", "value.deserializer", "enable.auto.commit", "interceptor.classes"}
)
SPARK_WINDOWS = frozenset({WindowType.TUMBLE, WindowType.HOP, WindowType.SESSION})


def spark_stream_gap(job: StreamJob, index: SpecIndex, spec: Spec) -> str | None:
    """Why the Spark job's stream layer does not run this stream job, or None when it does."""
    table = index.resolve(job.from_, allow_marts=False).table
    if table is None:
        return f"its input {job.from_} is not a source table"
    if table.source.ingestion == Ingestion.BATCH:
        return f"its input {table.qualified} is loaded in batch, not streamed"
    if job.joins:
        return "it joins other tables (lookups and stream joins are Flink's)"
    if job.history:
        return "it reads per-key history statistics"
    if job.top_n is not None:
        return "it keeps the top N per window"
    if job.window is not None and job.window.type not in SPARK_WINDOWS:
        return f"its {job.window.type.value} window has no Spark equivalent"
    if job.window is not None and not table.dataset.event_time:
        return f"{table.qualified} names no event_time to window by"
    keyed = upsert_key(job)
    if keyed is not None and not aggregates(job):
        return "it upserts its per-event results by `sink.key`, and the Spark stream layer appends them"
    missing = [c for c in group_key(job) if keyed is not None and c.lower() not in {k.lower() for k in keyed}]
    if missing:
        return (
            f"its upsert key leaves out {', '.join(missing)}: each micro-batch's results merge into gold by "
            "the key, and Delta's MERGE takes one result row per key"
        )
    target = job.sink.target if job.sink else (spec.targets[0].name if spec.targets else None)
    lake = {t.name.lower() for t in spec.targets if t.type in catalog.LAKE_TARGETS}
    # a job without `sink` writes gold where the spec has no lake target; a sink it names is read as said
    if target is not None and (lake or job.sink is not None) and target.lower() not in lake:
        return f"it sinks to {target}, and the Spark job writes the lake only"
    return None


def aggregates(job: StreamJob) -> bool:
    """An aggregation (measures, groups or a window): a stateful query behind the watermark."""
    return bool(job.measures or job.group_by or job.window is not None)


def group_key(job: StreamJob) -> list[str]:
    """The outputs that tell an aggregation's result rows apart: the window's bounds and the groups."""
    window = ["window_start", "window_end"] if job.window is not None else []
    return [*window, *(g.output_name for g in job.group_by)]


def upsert_key(job: StreamJob) -> list[str] | None:
    """The outputs an upsert sink keys by (`sink.key`, spelled as the job names its outputs), in the
    sink's order; None for an append sink."""
    if job.sink is None or job.sink.mode != SinkMode.UPSERT or not job.sink.key:
        return None
    outputs = {o.lower(): o for o in stream_output_names(job) or []}
    return [outputs.get(k.lower(), k) for k in job.sink.key]


def spark_watermarked(spec: Spec, index: SpecIndex) -> frozenset[str]:
    """Qualified names (lower case) of the streamed tables whose event_time and watermark_delay
    the Spark stream layer applies (`withWatermark`): the input of an aggregation it runs."""
    names = set()
    for job in spec.transforms.streams:
        table = index.resolve(job.from_, allow_marts=False).table
        if (
            table is not None
            and table.dataset.event_time
            and aggregates(job)
            and not spark_stream_gap(job, index, spec)
        ):
            names.add(table.qualified.lower())
    return frozenset(names)


JSON_VALUES = frozenset({"json", "jsonl"})  # what the Spark stream layer decodes (and a topic without `format`)


def spark_stream_findings(spec: Spec, engines: tuple[EngineChoice, ...]) -> Iterator[Finding]:
    """R406: a stream job the Spark stream layer does not run, when the stream engine is Spark; R516: a topic it
    would read as JSON whose values are not; R523: a Kinesis source it would read as Kafka; R533: a client option
    Spark's Kafka source refuses."""
    if not any(e.layer == "stream" and e.engine == "spark" for e in engines):
        return
    index = index_of(spec)
    for i, source in enumerate(spec.sources):
        if source.type == SourceType.KINESIS and source.ingestion == Ingestion.STREAM:
            yield Finding(
                ("sources", i, "type"), "R523",
                f"source {source.name} is a Kinesis stream, and the plan's stream engine is Spark, whose stream layer "
                "reads Kafka topics only (Apache Spark has no Kinesis source; it lands each row once by its Kafka "
                "partition and offset): it would subscribe to a Kafka topic named like each of its topics and land "
                "nothing in bronze",
                "set `engines.stream: flink` (Flink's jobs read Kinesis through its connector), or "
                "relay the stream into a Kafka topic and read that as a kafka source",
            )  # fmt: skip
    yield from refused_options(spec)
    for ref in index.tables:
        fmt = ref.dataset.format
        if ref.kind == "topics" and ref.source.ingestion == Ingestion.STREAM and fmt and fmt.value not in JSON_VALUES:
            yield Finding(
                (*ref.path, "format"), "R516",
                f"topic {ref.qualified} is {fmt.value}, and the plan's stream engine is Spark, whose stream layer "
                "reads every streamed topic's values as JSON (`get_json_object`): its columns would land NULL in "
                "bronze and every stream job reading it would see none of its values",
                "publish the topic as JSON (`format: json`), or set `engines.stream: flink` (Flink decodes Avro "
                "with the source's `connection.schema_registry`, and CSV)",
                severity="warning",
            )  # fmt: skip
    for i, job in enumerate(spec.transforms.streams):
        gap = spark_stream_gap(job, index, spec)
        if gap:
            yield Finding(
                ("transforms", "streams", i),
                "R406",
                f"stream job {job.name} is not run: the plan's stream engine is Spark and {gap}",
                "the Spark stream layer runs filters, projections and tumble / hop / session or unwindowed "
                "aggregations of one streamed table into the lake; simplify the job, or set `engines.stream: "
                "flink` to run it in Flink SQL",
                severity="warning",
                on_key=True,
            )


def kafka_client_stream(source: Source) -> bool:
    """Whether the Spark stream reads the source with Spark's Kafka source and the source's own client options: a
    streamed Kafka or Event Hubs source (R533 and common/spark_stream.client_options alike)."""
    return source.type in (SourceType.KAFKA, SourceType.EVENTHUBS) and source.ingestion == Ingestion.STREAM


def refused_options(spec: Spec) -> Iterator[Finding]:
    """R533: each `connection.options` key of a Kafka or Event Hubs stream that Spark's Kafka source refuses."""
    for i, source in enumerate(spec.sources):
        if not kafka_client_stream(source):
            continue
        for key in sorted(k for k in source.connection.options if k in SPARK_REFUSED_OPTIONS):
            yield Finding(
                ("sources", i, "connection", "options", key), "R533",
                f"option `{key}` of source {source.name} does not reach the Spark stream: the plan's stream engine is "
                "Spark, whose Kafka source sets the consumer's deserializers, offset commits and interceptors itself "
                "and refuses this setting, so the job passes every other option (`kafka.<key>`) but not this one",
                "remove it: Spark's Kafka source decides it (deserializers: it reads raw bytes and the job decodes "
                "JSON; commits: its checkpoint holds the offsets)",
                severity="warning", on_key=True,
            )  # fmt: skip
