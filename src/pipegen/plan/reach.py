"""Spec elements the plan leaves without a reader: located warnings, so nothing is dropped
silently (the ledger, pipegen.ledger, proves every other element reaches a generated file).

- R362: a table's `filter` that no generated reader applies. The extract query of the batch
  layer applies it (SQL databases and synthetic sources, pipeline/sources.py), and so do the
  Flink jobs that read the table (a job's source or a lookup dimension). Debezium captures every
  row: its only row filter is a scripting SMT (Groovy/GraalVM JavaScript) that pipegen does not
  install, so a CDC table's filter holds where its changes are consumed.
- R396: a streamed table or topic (cdc or stream ingestion) that no stream job reads. A topic of
  a message system the batch layer does not land reaches no file at all (the warning is at the
  topic); any other such table still reaches its stand-ins, capture or warehouse, but its
  `watermark_delay` only shapes a Flink source's WATERMARK (or, where Spark streams, the Spark
  stream's `withWatermark` before an aggregation of the table it runs), and a topic's `event_time`
  and `format` only a Flink source's time attribute and decoding (the warning is at each such value). A table
  no batch layer lands either gets no stand-in, job or check (a CDC table: only Debezium captures
  it): the warning is at the table too. A
  Kafka, Event Hubs or Kinesis source none of whose topics is read: its connection, too (a batch
  layer that lands the topics reads them from the project's Kafka, not through it). A table a
  Lakehouse's Flink bronze job lands (plan/flinkjars.bronze_landed) is read, through its source's
  connection and decoding its `format`: only its watermark delay and event time are unread (s48).
- R397: a target's connection settings under a plan with no batch layer (nothing extract-loads
  into it, no dbt profile connects to it) when Flink has no sink connector for its system: the
  stream jobs write files under its location (`url`, `path`, `bucket`) and nothing reads the rest,
  or when Flink could write it but no stream job sinks to it;
  and the location of a lake target (delta, iceberg) that neither lands the batch layer's raw data
  (dlt writes the first target it has a destination for) nor receives a stream job's sink: dbt
  builds on it through the Spark Thrift server, whose catalog holds the tables' location (but for the
  fields an Iceberg target's `lake.catalog` is made of, CATALOG_FIELDS: the lake step opens it); and the
  location and format of a files target nothing writes (neither the landing target nor a sink);
  and, under a plan with a batch layer, the connection of a target the batch layer has no loader
  for and Flink no sink connector (Druid), but for the location a stream job's file sink uses.
- R524: a Delta or Iceberg target's `url`, `catalog` or `token` its catalog does not read (only an Iceberg REST or
  Unity catalog connects with them: CATALOG_SETTINGS, CATALOG_FIELDS).
- R469: a Kafka topic a batch layer lands whose `format` is not JSON: the production batch reader
  (pipeline/topics.py) decodes JSON values only, so a production ingest stops for its source.
- R470: a JSON Kafka source on the project's cluster a batch layer lands, under Kubernetes where no batch
  workload runs the reader in the cluster (the Airflow scheduler or Prefect workers sign in as the ingest KafkaUser over
  Strimzi's mutual TLS); on a managed cloud the reader signs in with the workload's identity (`sign_in`).
- R487: a column's `rename` in a table no dbt staging model reads: staging is where a column is
  renamed (the warehouse's staged column); the stream jobs read the source's columns and accept
  either name in expressions, so without a staging model the rename renames nothing.
- R491: a table-level `row_count` or `expected_columns` rule (and the `severity` of those), or its
  `freshness` or `drift`, of a table no batch layer lands: GX checks them on the warehouse's table
  (dbt and the freshness alerts watch the landed table); the stream quality jobs check each event's
  column rules only.
- R480: a foreign key (a source table's column or a mart's output) into a table whose batch
  extract applies a `filter`: children may name parent rows the filter keeps out of the warehouse
  (real data does, and with a filter that keeps no parent no data can pass), so the key's checks
  (dbt relationships, the GX value-set check) default to severity warn: orphans are reported and
  the run goes on. A rule that sets its own `severity` keeps it, and gets no warning. The local
  run's synthetic children name only parent rows the filter keeps (the synthetic family's
  `keeps`), so a rule that says `error` holds there too.
- R409: a foreign key of a source table no batch layer lands (Kappa, or a stream source outside
  the batch layer): dbt's relationships test and GX's value-set check run on the warehouse's
  table, and the stream quality jobs check each event's own values only (a key needs the parent's
  rows), so no generated code checks it; the local stand-ins' children name parent rows only
  where the parent has a stand-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.plan.flinkjars import bronze_landed
from pipegen.plan.spark_streams import spark_watermarked
from pipegen.spec import catalog, rulekinds
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import (
    Architecture,
    Dataset,
    ForeignKeyRule,
    LakeCatalog,
    Measure,
    OutputColumn,
    Source,
    SourceType,
    Spec,
    Target,
    TargetType,
)

# The connection fields an Iceberg target's production catalog is made of (common/lake_catalog.catalog_config):
# lake.json's `production_catalog`, which the lake step (Kind.LAKE_TABLES) opens in a deployment.
CATALOG_FIELDS: dict[LakeCatalog, tuple[str, ...]] = {
    LakeCatalog.GLUE: ("bucket",),
    LakeCatalog.REST: ("url", "catalog", "token"),
    LakeCatalog.UNITY: ("url", "catalog", "token"),
}

# Sources whose batch extract runs a SQL query (the filter is its WHERE).
SQL_EXTRACTED = frozenset(
    {SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER, SourceType.ORACLE, SourceType.FAKER}
)


def reach_findings(spec: Spec, graph: Graph, architecture: Architecture) -> tuple[Finding, ...]:
    return (
        *unapplied_filters(spec, graph),
        *unread_streams(spec, graph, bronze_landed(spec, architecture, graph.kinds)),
        *undecoded_topics(spec, graph),
        *unsigned_topic_reads(spec, graph),
        *unconnected_targets(spec, graph),
        *unloaded_targets(spec, graph),
        *unread_lake_locations(spec, graph),
        *unread_catalog_settings(spec, graph),
        *unread_file_targets(spec, graph),
        *foreign_keys_into_filtered_tables(spec, graph),
        *unstaged_renames(spec, graph),
        *unchecked_table_rules(spec, graph),
        *unchecked_foreign_keys(spec, graph),
    )


def streamed_tables(spec: Spec, graph: Graph, index: SpecIndex) -> frozenset[str]:
    """Qualified names of the tables generated Flink jobs read (source or dimension)."""
    if Kind.FLINK_JOBS not in graph.kinds:
        return frozenset()
    names = set()
    for job in spec.transforms.streams:
        for ref in (job.from_, *(j.table for j in job.joins)):
            table = index.resolve(ref, allow_marts=False).table
            if table is not None:
                names.add(table.qualified.lower())
    return frozenset(names)


# Table-level rules only the batch layer checks (GX's table expectations over the warehouse's
# table): the stream quality jobs check each event's column rules. `severity` governs both.
BATCH_TABLE_RULES = ("row_count", "expected_columns")
# Table quality settings read only where the batch layer lands the table: GX's drift checks between
# runs, dbt's source freshness and the freshness alerts (plan/alerting.watched).
BATCH_TABLE_SETTINGS = ("freshness", "drift")
# What to do with a check only the batch layer runs, of a table no batch layer lands (R491, R409)
DOWNSTREAM_HINT = (
    "check it downstream of the stream jobs' sink, read the table in a mart under a plan with a batch "
    "layer (lambda, elt or etl), or remove it"
)


def unchecked_table_rules(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R491: a table-level `row_count` or `expected_columns` rule of a table no batch layer lands
    (its quality `severity` too, when it governs only those): no generated check counts or
    compares the table's rows, since no warehouse holds them."""
    for ref in index_of(spec).tables:
        quality = ref.dataset.quality
        if quality is None or ref.source_index in graph.batch_sources:
            continue
        stated = [k.name for k in rulekinds.stated(quality, "table") if k.name in BATCH_TABLE_RULES]
        if "expected_columns" in quality.model_fields_set and "expected_columns" not in stated:
            stated.append("expected_columns")  # `none` written out: no check either way
        stated += [key for key in BATCH_TABLE_SETTINGS if getattr(quality, key) is not None]
        for key in [*stated, *(["severity"] if stated and quality.severity is not None else [])]:
            yield Finding(
                (*ref.path, "quality", key), "R491",
                f"the table rule `quality.{key}` of {ref.qualified} is checked by no generated code: "
                "no batch layer lands the table (row counts, the column list and drift are checked on the "
                "warehouse's table, freshness by dbt and the alerts that watch it; the stream quality jobs check "
                "each event's column rules)",
                DOWNSTREAM_HINT, severity="warning",
            )  # fmt: skip


def unchecked_foreign_keys(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R409: the foreign key of a column of a table no batch layer lands: it is checked on the
    warehouse's table only (dbt relationships, GX value set); no stream quality job joins the parent.
    A streamed table no stream job reads either is warned as a whole (R396)."""
    index = index_of(spec)
    streamed = streamed_tables(spec, graph, index)
    for ref in index.tables:
        if ref.source_index in graph.batch_sources:
            continue
        if ref.source.ingestion.value in ("cdc", "stream") and ref.qualified.lower() not in streamed:
            continue
        for ci, column in enumerate(ref.dataset.columns):
            if column.foreign_key is None:
                continue
            yield Finding(
                (*ref.path, "columns", ci, "foreign_key"), "R409",
                f"the foreign key of {ref.qualified}.{column.name} ({column.foreign_key.references}) is checked by no "
                "generated code: no batch layer lands the table (dbt's relationships test and GX's value-set check "
                "run on the warehouse's table; the stream quality jobs check each event's own values, not a key into "
                "another table)",
                DOWNSTREAM_HINT, severity="warning",
            )  # fmt: skip


def unapplied_filters(spec: Spec, graph: Graph) -> Iterator[Finding]:
    index = index_of(spec)
    streamed = streamed_tables(spec, graph, index)
    for ref in index.tables:
        if not ref.dataset.filter:
            continue
        extracted = ref.source_index in graph.batch_sources and ref.source.type in SQL_EXTRACTED
        if extracted or ref.qualified.lower() in streamed:
            continue
        yield Finding(
            (*ref.path, "filter"),
            "R362",
            f"the filter of {ref.qualified} is applied by no generated reader: {_why(ref)}",
            "filter in the marts or stream jobs that read it (their `filter`, or a join's `filter`), or remove it here",
            severity="warning",
        )


def _why(ref: TableRef) -> str:
    if ref.source.ingestion.value == "cdc":
        return (
            "Debezium captures every row (its row filter needs a scripting engine pipegen does not install) "
            "and no stream job of this plan reads the table"
        )
    if ref.source.ingestion.value == "stream":
        return "no stream job of this plan reads the topic"
    return f"the batch layer reads {ref.source.type.value} sources without a SQL query to add it to"


# Message systems whose topics only Flink jobs read (CDC tables are captured by Debezium, and
# Faker stream tables are written as local stand-ins, whether or not a job reads them).
MESSAGE_SYSTEMS = frozenset({SourceType.KAFKA, SourceType.EVENTHUBS, SourceType.KINESIS})


def unread_streams(spec: Spec, graph: Graph, bronze: Iterable[TableRef] = ()) -> Iterator[Finding]:
    """R396 (`bronze`: the tables a Lakehouse's Flink bronze jobs read, through their source's connection,
    decoding their `format`: only their other stream-only settings are unread)."""
    index = index_of(spec)
    landed = frozenset(ref.qualified.lower() for ref in bronze)
    streamed = streamed_tables(spec, graph, index)
    # where Spark streams, the tables whose watermark its stream layer applies (an aggregation's input)
    watermarked = spark_watermarked(spec, index) if Kind.SPARK_STREAMING in graph.kinds else frozenset()
    hint = "read it in a stream job (`from:` or a join), or remove it"
    for ref in index.tables:
        if ref.source.ingestion.value not in ("cdc", "stream") or ref.qualified.lower() in streamed:
            continue
        if ref.qualified.lower() in landed:
            yield from _unread_stream_settings(ref, hint, watermarked, read={"format"})
        elif ref.source.type in MESSAGE_SYSTEMS and ref.source_index not in graph.batch_sources:
            what = "topic" if ref.kind == "topics" else "table"
            yield Finding(
                ref.path, "R396",
                f"no stream job of this plan reads the {what} {ref.qualified}: only its name reaches the docs "
                "(no job, table or check is generated for its columns)",
                hint, severity="warning",
            )  # fmt: skip
        elif ref.source_index in graph.batch_sources and catalog.batch_reads_topics(ref.source):
            yield from _unread_stream_settings(ref, hint, watermarked, read={"format"})  # the batch reader's JSON
        elif ref.source_index not in graph.batch_sources:
            captured = (
                "Debezium captures its changes into their topic (its name and key reach the connector), but "
                if ref.source.ingestion.value == "cdc" else
                "the stream generator writes its events to their topic (pipeline/stream_generator.json), but "
                if ref.source.type == SourceType.FAKER else ""
            )  # fmt: skip
            yield Finding(
                ref.path, "R396",
                f"no stream job of this plan reads the table {ref.qualified} and no batch layer lands it: {captured}"
                "no job, stand-in, table or check is generated for its columns",
                hint + " (or read it in a mart under a plan with a batch layer)", severity="warning",
            )  # fmt: skip
            yield from _unread_stream_settings(ref, hint, watermarked)  # and why each stream-only setting is unread
        else:
            yield from _unread_stream_settings(ref, hint, watermarked)
    yield from _unread_stream_connections(spec, graph, streamed | landed)


def _unread_stream_connections(spec: Spec, graph: Graph, streamed: frozenset[str]) -> Iterator[Finding]:
    """A message-system source none of whose topics a stream job reads (each topic warned above):
    its connection settings reach no reader either, batch layer or not (only a Flink source connects
    to a message system; a batch layer lands its topics from the project's Kafka)."""
    for si, source in enumerate(spec.sources):
        if source.type not in MESSAGE_SYSTEMS or source.ingestion.value != "stream":
            continue
        if any(f"{source.name}.{d.name}".lower() in streamed for d in (*source.tables, *source.topics)):
            continue
        if si in graph.batch_sources and catalog.batch_reads_topics(source):
            continue  # the batch layer's production reader connects to it (pipeline/topics.py)
        if not source.connection.model_dump(exclude_none=True, exclude_defaults=True):
            continue
        yield Finding(
            ("sources", si, "connection"), "R396",
            f"no stream job of this plan reads a topic of {source.name}: its connection settings reach no reader "
            "(only a stream job's source connects to it)",
            "read one of its topics in a stream job (`from:` or a join), or remove the source", severity="warning",
            on_key=True,
        )  # fmt: skip


# What a stream job's source makes of a table's settings; nothing else reads them (a topic's
# event_time: the capacity plan calls every topic a stream that grows by time, whatever its column).
STREAM_ONLY_SETTINGS: dict[str, str] = {
    "watermark_delay": "only a stream job's source has a watermark",
    "event_time": "only a stream job's source has an event time (its WATERMARK and windows)",
    "format": "only a stream job's source decodes the topic's records (a local batch layer reads the topic's "
    "JSON lines stand-in; in production the batch reader decodes JSON Kafka topics only: R469)",
}


def _unread_stream_settings(
    ref: TableRef, hint: str, watermarked: frozenset[str] = frozenset(), read: frozenset[str] | set[str] = frozenset()
) -> Iterator[Finding]:
    """A streamed table's settings that only a stream job reads, when none reads the table; the
    event time and watermark delay of a table in `watermarked` are read (the Spark stream's
    `withWatermark` before an aggregation), and so are the settings in `read`."""
    for key, why in STREAM_ONLY_SETTINGS.items():
        if getattr(ref.dataset, key) is None or (key != "watermark_delay" and ref.kind != "topics") or key in read:
            continue
        if key in ("watermark_delay", "event_time") and ref.qualified.lower() in watermarked:
            continue
        yield Finding(
            (*ref.path, key), "R396",
            f"the {key} of {ref.qualified} is used by no generated reader: {why}, and no stream job of this plan "
            "reads the table",
            hint + f" (or drop `{key}`)", severity="warning",
        )  # fmt: skip


def undecoded_topics(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R469: a Kafka topic a batch layer lands whose values are not JSON: the production batch reader
    (pipeline/topics.py) decodes JSON only, so `python -m pipeline.ingest` without --local stops for its
    source (the --local run loads its JSON lines stand-in)."""
    for ref in index_of(spec).tables:
        fmt = ref.dataset.format
        if ref.source.type != SourceType.KAFKA or ref.source_index not in graph.batch_sources or fmt in (None, "json"):
            continue
        yield Finding(
            (*ref.path, "format"), "R469",
            f"the batch layer lands {ref.qualified}, but its production batch reader decodes JSON values only, not "
            f"{fmt}: `python -m pipeline.ingest` without --local stops for source {ref.source.name} (a --local run "
            "loads its JSON lines stand-in; the stream jobs decode the topic)",
            "publish the topic's values as JSON (`format: json`), or land it with your own job into the raw schema "
            "the project names; its events still reach the warehouse through the speed layer",
            severity="warning",
        )  # fmt: skip


def unsigned_topic_reads(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R470: a JSON Kafka source on the project's cluster that a batch layer lands, under `deploy.kubernetes`
    where no batch workload runs the reader in the cluster. There the batch workload (the Airflow scheduler, the
    Prefect workers) signs in as the ingest KafkaUser over Strimzi's mutual TLS (the kafka and kubernetes
    families); on aws, gcp and azure without Kubernetes the reader signs in to the managed cluster with the
    workload's own identity (pipeline/topics.py `sign_in`: MSK IAM, Managed Kafka's and Event Hubs' OAUTHBEARER).
    The reader itself reads `KAFKA_SSL_*_LOCATION` PEM files when set."""
    if not spec.deploy.kubernetes.enabled:
        return
    if Kind.KAFKA_TOPICS in graph.kinds and graph.kinds & {Kind.AIRFLOW_SCHEDULE, Kind.PREFECT_SCHEDULE}:
        return
    for si, source in enumerate(spec.sources):
        if si not in graph.batch_sources or not catalog.batch_reads_topics(source):
            continue
        if not catalog.on_project_cluster(source):
            continue
        yield Finding(
            ("sources", si, "type"), "R470",
            f"the batch layer's production reader of {source.name}'s topics connects to the project's Kafka cluster "
            "on Kubernetes (Strimzi, mutual TLS), but no batch workload runs it in the cluster (no orchestrator "
            "schedule): nothing mounts the ingest KafkaUser's Secrets for it, so `python -m pipeline.ingest` "
            "run elsewhere is refused by the brokers",
            "set KAFKA_SSL_CA_LOCATION, KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION to the PEM files "
            "of the generated ingest KafkaUser (`<cluster>-ingest`: its Secret's user.crt and user.key, the cluster "
            "CA's ca.crt) for the ingest step, or set `orchestrator:` so the batch run is a workload of the cluster",
            severity="warning",
        )  # fmt: skip


def unconnected_targets(spec: Spec, graph: Graph) -> Iterator[Finding]:
    if graph.kinds & {Kind.BATCH_EXTRACT, Kind.SQL_MODELS}:
        return
    sinks = _stream_sinks(spec, graph)
    for ti, target in enumerate(spec.targets):
        if target.type in catalog.FLINK_SINK_TARGETS:
            yield from _unsunk_target(ti, target, sinks)
            continue
        given = target.connection.model_dump(exclude_none=True, exclude_defaults=True, by_alias=True)
        for field in sorted(set(given) - {*catalog.FILE_SINK_LOCATION, "options"}):
            yield Finding(
                ("targets", ti, "connection", field), "R397",
                f"the connection `{field}` of target {target.name} ({target.type.value}) is read by no generated "
                f"code: this plan has no batch layer to load into it, and Flink has no {target.type.value} sink "
                "connector (stream jobs write Parquet files under the target's url, path or bucket)",
                "load those files into the target with its own loader, sink the stream jobs to a kafka, "
                "postgres, mysql, clickhouse, redshift, delta or iceberg target, or remove the setting",
                severity="warning",
            )  # fmt: skip


def _unsunk_target(ti: int, target: Target, sinks: set[str]) -> Iterator[Finding]:
    """Under a plan with no batch layer, a target Flink could write that no stream job sinks to:
    its connection reaches no reader (nothing loads into it, no dbt profile connects to it)."""
    if target.name.lower() in sinks:
        return
    given = target.connection.model_dump(exclude_none=True, exclude_defaults=True, by_alias=True)
    for field in sorted(given):
        yield Finding(
            ("targets", ti, "connection", field), "R397",
            f"the connection `{field}` of target {target.name} ({target.type.value}) is read by no generated "
            "code: this plan has no batch layer to load into it and no stream job sinks to it",
            f"sink a stream job to it (`sink: {{target: {target.name}}}`), or remove the target",
            severity="warning",
        )  # fmt: skip


def _stream_sinks(spec: Spec, graph: Graph) -> set[str]:
    """Lower-cased names of the targets a generated stream job writes."""
    if Kind.FLINK_JOBS not in graph.kinds or not spec.targets:
        return set()
    return {(job.sink.target if job.sink else spec.targets[0].name).lower() for job in spec.transforms.streams}


def unloaded_targets(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """Under a plan with a batch layer, a target of a system nothing of it writes (no dlt
    destination, no dbt adapter, no Flink sink connector: Druid): its connection reaches no file,
    but for the location a stream job's file sink writes under. A target only Flink can write
    (Kafka) that no generated Flink job sinks to (none does, or Spark streams and runs none of the
    jobs that do, R406): the same."""
    if not graph.kinds & {Kind.BATCH_EXTRACT, Kind.SQL_MODELS}:
        return  # unconnected_targets
    sinks = _stream_sinks(spec, graph)
    for ti, target in enumerate(spec.targets):
        system = catalog.TARGET_SYSTEMS[target.type]
        written = target.name.lower() in sinks
        if (target.type in catalog.FLINK_SINK_TARGETS and written) or system.dlt_destination or system.dbt_adapter:
            continue
        given = target.connection.model_dump(exclude_none=True, exclude_defaults=True, by_alias=True)
        for field in sorted(set(given) - ({*catalog.FILE_SINK_LOCATION, "options"} if written else {"options"})):
            yield Finding(
                ("targets", ti, "connection", field), "R397",
                f"the connection `{field}` of target {target.name} ({target.type.value}) is read by no generated "
                f"code: the batch layer has no {target.type.value} loader (no dlt destination, no dbt adapter)"
                + (" and stream jobs write Parquet files under its url, path or bucket" if written else
                   " and no generated stream job writes to it"),
                _unloaded_hint(target), severity="warning",
            )  # fmt: skip


def _unloaded_hint(target: Target) -> str:
    if target.type in catalog.FLINK_SINK_TARGETS:  # only a Flink job writes it
        return (f"sink a stream job to {target.name} and have Flink run it (`engines.stream: flink` where Spark "
                "streams), or remove the setting")  # fmt: skip
    return (f"load the data into {target.name} with its own ingestion (for Druid, an ingestion spec over the "
            "warehouse or the lake), or remove the setting")  # fmt: skip


def unread_lake_locations(spec: Spec, graph: Graph) -> Iterator[Finding]:
    landing = next((t for t in spec.targets if catalog.TARGET_SYSTEMS[t.type].dlt_destination), None)
    landed = landing.name.lower() if landing is not None and Kind.BATCH_EXTRACT in graph.kinds else None
    sinks = _stream_sinks(spec, graph)
    for ti, target in enumerate(spec.targets):
        if target.type not in catalog.LAKE_TARGETS or target.name.lower() in {landed, *sinks}:
            continue
        # the fields of an Iceberg target's production catalog: the lake step reads them (lake.json)
        production = target.lake.catalog if target.type == TargetType.ICEBERG and target.lake else None
        read = CATALOG_FIELDS[production] if production is not None and Kind.LAKE_TABLES in graph.kinds else ()
        # an Iceberg catalog's name (REST/Unity `warehouse`) goes with its location: the same readers
        for field in (*catalog.FILE_SINK_LOCATION, *(("catalog",) if target.type == TargetType.ICEBERG else ())):
            if getattr(target.connection, field, None) is None or field in read:
                continue
            yield Finding(
                ("targets", ti, "connection", field), "R397",
                f"the connection `{field}` of lake target {target.name} is read by no generated code: no batch "
                "layer lands raw data in it" + (f" (dlt writes target {landing.name})" if landed and landing else "")
                + ", no stream job writes to it, and dbt builds on it through the Spark Thrift server, whose "
                "catalog holds the tables' location",
                "set the location in the Spark catalog (or make this target the landing one by listing it first, "
                "or sink a stream job to it), or remove the setting", severity="warning",
            )  # fmt: skip


# The connection settings of a lake target only an Iceberg production catalog may read (CATALOG_FIELDS says which)
CATALOG_SETTINGS = ("url", "catalog", "token")


def unread_catalog_settings(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R524: a Delta or Iceberg target's `url`, `catalog` or `token` that its catalog does not read: only an Iceberg
    target's REST or Unity catalog connects with them (a Glue catalog with the bucket and region, the default
    path-based catalog and Delta's paths with none). The `catalog` of a target nothing writes is R397's."""
    unwritten = {f.path for f in unread_lake_locations(spec, graph)}
    for ti, target in enumerate(spec.targets):
        if target.type not in catalog.LAKE_TARGETS:
            continue
        production = target.lake.catalog if target.type == TargetType.ICEBERG and target.lake else None
        read = CATALOG_FIELDS[production] if production is not None else ()
        for field in CATALOG_SETTINGS:
            path = ("targets", ti, "connection", field)
            if getattr(target.connection, field, None) is None or field in read or path in unwritten:
                continue
            reads = (
                f"its {production.value} catalog does not"
                if production
                else (
                    "Delta tables are reached by path"
                    if target.type == TargetType.DELTA
                    else "it names no `lake.catalog`, so its tables are in the path-based catalog under the lake root"
                )
            )
            yield Finding(
                path, "R524",
                f"the connection `{field}` of {target.type.value} target {target.name} is read by no generated code: "
                f"only an Iceberg REST or Unity catalog connects with it, and {reads}",
                "set `lake.catalog: rest` (or `unity`) on an iceberg target to use it, or remove the setting",
                severity="warning",
            )  # fmt: skip


def unread_file_targets(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """A files target that neither lands the raw data (dlt writes the first target it has a
    destination for) nor receives a stream job's sink: its location and format reach no file."""
    landing = next((t for t in spec.targets if catalog.TARGET_SYSTEMS[t.type].dlt_destination), None)
    landed = landing.name.lower() if landing is not None and Kind.BATCH_EXTRACT in graph.kinds else None
    sinks = _stream_sinks(spec, graph)
    for ti, target in enumerate(spec.targets):
        if target.type != TargetType.FILES or target.name.lower() in {landed, *sinks}:
            continue
        given = [("connection", f) for f in catalog.FILE_SINK_LOCATION if getattr(target.connection, f) is not None]
        lands = f", dlt writes target {landing.name}" if landed and landing else ""
        for path in [*given, *([("format",)] if target.format is not None else [])]:
            yield Finding(
                ("targets", ti, *path), "R397",
                f"the `{'.'.join(path)}` of files target {target.name} is read by no generated code: nothing is "
                f"written to the target (no batch layer lands raw data in it{lands}, no stream job sinks to it)",
                "list it first among the targets (the batch layer lands in the first one dlt writes), sink a stream "
                "job to it, or remove the target", severity="warning",
            )  # fmt: skip


def extract_drops_rows(source: Source, dataset: Dataset) -> bool:
    """Whether the batch extract of a table (of a source the batch layer loads) applies its
    `filter`: the warehouse then holds only the rows the filter keeps."""
    return bool(dataset.filter) and source.type in SQL_EXTRACTED


def loose_foreign_key(rule: ForeignKeyRule, index: SpecIndex, batch_sources: Iterable[int]) -> TableRef | None:
    """The parent table of a foreign key whose checks default to severity warn (R480): the rule
    sets no `severity` of its own and the parent's batch extract drops rows. None otherwise."""
    if rule.severity is not None:
        return None
    parent, _, _ = index.resolve_column(rule.references)
    loaded = parent is not None and parent.source_index in set(batch_sources)
    return parent if loaded and parent is not None and extract_drops_rows(parent.source, parent.dataset) else None


def foreign_keys_into_filtered_tables(spec: Spec, graph: Graph) -> Iterator[Finding]:
    if Kind.BATCH_EXTRACT not in graph.kinds:
        return
    index = index_of(spec)
    found: list[tuple[tuple[str | int, ...], str, ForeignKeyRule]] = []
    for t in index.tables:
        if t.source_index in graph.batch_sources:
            found += [((*t.path, "columns", ci, "foreign_key"), f"{t.qualified}.{c.name}", c.foreign_key)
                      for ci, c in enumerate(t.dataset.columns) if c.foreign_key]  # fmt: skip
    for mi, mart in enumerate(spec.transforms.marts):
        for field in ("columns", "group_by", "measures"):
            found += [(("transforms", "marts", mi, field, i, "foreign_key"), f"{mart.name}.{_output(out)}",
                       out.foreign_key) for i, out in enumerate(getattr(mart, field)) if out.foreign_key]  # fmt: skip
    for path, child, rule in found:
        parent = loose_foreign_key(rule, index, graph.batch_sources)
        if parent is None:
            continue
        yield Finding(
            path, "R480",
            f"the foreign key of {child} refers to {parent.qualified}, whose `filter` drops rows at extraction: "
            f"a value of {child} may name a row the filter keeps out of the warehouse, so the key's checks (dbt "
            "relationships, GX value set) report such rows as a warning and do not fail the run",
            f"filter the child the same way (or in the marts that read it), or set the rule's `severity: error` "
            f"(long form: `foreign_key: {{references: {rule.references}, severity: error}}`) if every row it "
            "names passes the filter", severity="warning",
        )  # fmt: skip


def _output(out: OutputColumn | Measure) -> str:
    return out.name if isinstance(out, Measure) else out.output_name


def unstaged_renames(spec: Spec, graph: Graph) -> Iterator[Finding]:
    staged = frozenset(graph.batch_sources) if Kind.SQL_MODELS in graph.kinds else frozenset()
    for ref in index_of(spec).tables:
        if ref.source_index in staged:
            continue
        for ci, column in enumerate(ref.dataset.columns):
            if column.rename is None:
                continue
            yield Finding(
                (*ref.path, "columns", ci, "rename"), "R487",
                f"the rename of {ref.qualified}.{column.name} to '{column.rename}' renames no column of this plan: "
                "columns are renamed in dbt staging, and this plan builds no staging model for the table (stream "
                "jobs read the source's columns and accept either name in expressions)",
                f"refer to the column as '{column.name}' and remove `rename`, or read the table in a mart under a plan "
                "with a batch layer (its staging model renames the column)",
                severity="warning",
            )  # fmt: skip
