"""The systems the generated Flink jobs read and write, and the connector jars that run them.

- `flink_uses(spec, architecture, kinds)`: per Flink job the spec makes, each system it touches (its input,
  its lookup dimensions, its sink; a Lakehouse's bronze jobs: the bronze target), with the spec path that
  names it. The compose family's image (compose/flink.Dockerfile) adds the jars of the systems used
  (`image_jars`: BASE_JARS, then ROLE_JARS); plan/composefindings.py (R459) and plan/flinkfindings.py (R512)
  warn where they fall short.
- The jars (Maven coordinates), each checked against its connector's own repository at the release tag
  (docs/judges.md, "Jars of compose's Flink image"): flink-connector-kafka v4.0.1, flink-connector-jdbc v4.0.0
  (dialect modules and the driver versions their poms test with), flink-connector-aws v6.0.0, Apache Iceberg
  1.11.0 (`iceberg-flink-runtime-2.1`, the newest Flink it releases for, and the Hadoop client jars of its own
  Flink quickstart image, docker/iceberg-flink-quickstart/Dockerfile). Connector releases for Flink 2.x are
  named `<connector version>-<Flink minor>` (flink-connector-shared-utils, stage_jars.sh).
- RELAYED_SINKS: sink systems no released connector writes from Flink 2.x SQL, so the job writes a relay topic of
  the project's cluster (the naming layer's RelayNames) and the system ingests it with its own Kafka reader
  (ClickHouse: the Kafka table engine and a materialized view; the flink family's clickhouse.py) or a generated
  one (Delta: pipeline/delta_relay.py, the flink family's delta.py).
- NO_FLINK2_CONNECTOR: sink systems no released connector writes from Flink 2.x SQL and that pipegen relays not
  yet (R512); RELAYED_BRONZE: the bronze jobs' lake targets relayed into the Delta loader (Delta, since session
  44); JDBC_SOURCES: the sources a joined table can be read from through JDBC (R513 for the others).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import NamedTuple

from pipegen.plan.components import Kind
from pipegen.plan.flink_changes import joined_as_stream, sink_target
from pipegen.plan.stream_bronze import keeps_bronze
from pipegen.spec.index import TableRef, index_of
from pipegen.spec.model import Architecture, Ingestion, SourceType, Spec, Target, TargetType

FLINK_VERSION = "2.2.0"  # the Flink the FlinkDeployments target (flinkVersion v2_2) and compose's image runs
ICEBERG_VERSION = "1.11.0"  # the runtime jar's and compose's REST catalog's (apache/iceberg-rest-fixture)


class Jar(NamedTuple):
    group: str
    artifact: str
    version: str

    @property
    def file(self) -> str:
        return f"{self.artifact}-{self.version}.jar"


JDBC = "4.0.0-2.0"  # flink-connector-jdbc v4.0.0 for Flink 2.0: every dialect module of one release
# Always in the image: the Kafka SQL connector (the jobs' topics), the JDBC connector with the MySQL and PostgreSQL
# dialects and drivers (lookups, JDBC sinks), the Parquet and Avro formats of file sinks (JSON and CSV: Flink's own)
BASE_JARS = (
    Jar("org.apache.flink", "flink-sql-connector-kafka", "4.0.1-2.0"),
    Jar("org.apache.flink", "flink-connector-jdbc-core", JDBC),
    Jar("org.apache.flink", "flink-connector-jdbc-postgres", JDBC),
    Jar("org.apache.flink", "flink-connector-jdbc-mysql", JDBC),
    Jar("org.postgresql", "postgresql", "42.7.7"),
    Jar("com.mysql", "mysql-connector-j", "9.4.0"),
    Jar("org.apache.flink", "flink-sql-parquet", FLINK_VERSION),
    Jar("org.apache.flink", "flink-sql-avro", FLINK_VERSION),
)
# The `avro-confluent` format (Avro values with their writer schema's id, the schema from the registry): added when a
# Flink job reads an `avro` topic (FlinkUse.avro). The SQL jar shades Confluent's schema registry client
# (flink-formats/flink-sql-avro-confluent-registry) and carries the plain `avro` format's classes too.
AVRO_CONFLUENT_JAR = Jar("org.apache.flink", "flink-sql-avro-confluent-registry", FLINK_VERSION)
# The Iceberg connector (`'connector' = 'iceberg'`) and the Hadoop classes it needs on the classpath
ICEBERG_JARS = (
    Jar("org.apache.iceberg", "iceberg-flink-runtime-2.1", ICEBERG_VERSION),
    Jar("org.apache.hadoop", "hadoop-client-api", "3.4.2"),
    Jar("org.apache.hadoop", "hadoop-client-runtime", "3.4.2"),
)
# Added when a job uses the system in that role (FlinkUse.role): a lookup in SQL Server or Oracle (the JDBC
# dialect and the driver its module's pom tests with), a Kinesis input (`'connector' = 'kinesis'`), an Iceberg
# sink or bronze
ROLE_JARS: dict[tuple[str, SourceType | TargetType], tuple[Jar, ...]] = {
    ("lookup", SourceType.SQLSERVER): (
        Jar("org.apache.flink", "flink-connector-jdbc-sqlserver", JDBC),
        Jar("com.microsoft.sqlserver", "mssql-jdbc", "10.2.1.jre8"),
    ),
    ("lookup", SourceType.ORACLE): (
        Jar("org.apache.flink", "flink-connector-jdbc-oracle", JDBC),
        Jar("com.oracle.database.jdbc", "ojdbc8", "21.8.0.0"),
    ),
    ("input", SourceType.KINESIS): (Jar("org.apache.flink", "flink-sql-connector-aws-kinesis-streams", "6.0.0-2.0"),),
    ("sink", TargetType.ICEBERG): ICEBERG_JARS,
    ("bronze", TargetType.ICEBERG): ICEBERG_JARS,
}
# The sources whose tables the JDBC connector reads (a dialect above; spec/rules/transforms.LOOKUP_SOURCES)
JDBC_SOURCES = frozenset({SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER, SourceType.ORACLE})
# Sinks no released connector writes from Flink 2.x SQL that the job relays through a topic of the project's cluster:
# ClickHouse (flink-connector-jdbc 4.0 has no ClickHouse dialect, FLINK-37834 is not merged; ClickHouse's own Flink
# connector has the DataStream API only) into its own Kafka ingestion; Delta (delta-flink 3.x is built for Flink
# 1.x) through the generated Delta loader (the flink family's delta.py, pipeline/delta_relay.py), since session 44
RELAYED_SINKS = frozenset({TargetType.CLICKHOUSE, TargetType.DELTA})
# Sinks the flink family writes through a connector that has no release for Flink 2.x, and relays not (R512)
NO_FLINK2_CONNECTOR: dict[TargetType, str] = {
    TargetType.REDSHIFT: "the JDBC connector (flink-connector-jdbc 4.0) has no Redshift dialect for its "
                         "`jdbc:redshift:` URL, and pipegen cannot relay it through Kafka as it does ClickHouse: "
                         "Redshift's streaming ingestion from Apache Kafka refuses self-signed certificates, and the "
                         "project's Strimzi cluster serves its internal listener with Strimzi's self-signed CA",
}  # fmt: skip
# Lake targets the bronze jobs (flink/bronze.py, a Lakehouse landing its streamed tables) relay through a topic of
# the project's cluster into the generated Delta loader, as a stream job's Delta sink (common/stream_landing)
RELAYED_BRONZE = frozenset({TargetType.DELTA})


class FlinkUse(NamedTuple):
    """One system a Flink job touches: `role` input (a stream job's `from`, a joined topic or CDC table: read as a
    source, flink_changes.joined_as_stream; the bronze jobs' sources), lookup (a looked-up or joined batch table,
    which the flink family reads through the JDBC connector: tables.dimension_table), sink or bronze (the bronze
    jobs' target); `path` the spec's place naming it."""

    path: tuple[str | int, ...]
    job: str  # the stream job's name; "" for the bronze jobs
    role: str
    system: SourceType | TargetType
    target: Target | None = None  # a sink's or bronze's target
    avro: bool = False  # an input with Avro values (an `avro` topic): the avro-confluent format's jar


def flink_uses(spec: Spec, architecture: Architecture, kinds: Collection[str]) -> Iterator[FlinkUse]:
    """Every system the plan's Flink jobs touch (none without Flink jobs), in spec order."""
    if Kind.FLINK_JOBS not in kinds:
        return
    index = index_of(spec)
    for i, job in enumerate(spec.transforms.streams):
        where = ("transforms", "streams", i)
        base = index.resolve(job.from_, allow_marts=False).table
        if base is not None:
            yield FlinkUse((*where, "from"), job.name, "input", base.source.type, avro=_avro(base.dataset.format))
        for j, join in enumerate(job.joins):
            dim = index.resolve(join.table, allow_marts=False).table
            if dim is not None:  # a joined stream is read as a source; a batch table and a lookup through JDBC
                role = "input" if joined_as_stream(dim, join.type) else "lookup"
                avro = role == "input" and _avro(dim.dataset.format)
                yield FlinkUse((*where, "joins", j, "table"), job.name, role, dim.source.type, avro=avro)
        named = job.sink.target.lower() if job.sink else None
        found = next(((k, t) for k, t in enumerate(spec.targets) if named in (None, t.name.lower())), None)
        if found is not None:
            yield FlinkUse((*where, "sink", "target") if job.sink else (*where, "name"), job.name, "sink",
                           found[1].type, found[1])  # fmt: skip
    yield from _bronze_uses(spec, architecture, kinds)


def bronze_landed(spec: Spec, architecture: Architecture, kinds: Collection[str]) -> list[TableRef]:
    """The tables the bronze jobs read (each through its source's connection, decoding its `format`): a Lakehouse
    with Flink jobs and lake tables lands its streamed tables (a CDC or stream source's, with a payload column) in
    the first lake target keeping bronze (common/stream_landing.streamed_to_bronze, whose conditions these are)."""
    lands = architecture == Architecture.LAKEHOUSE and {Kind.FLINK_JOBS, Kind.LAKE_TABLES} <= set(kinds)
    if not lands or not any(keeps_bronze(t) for t in spec.targets):
        return []
    return [
        ref for ref in index_of(spec).tables
        if ref.source.ingestion != Ingestion.BATCH and any(c.metadata is None for c in ref.dataset.columns)
    ]  # fmt: skip


def _bronze_uses(spec: Spec, architecture: Architecture, kinds: Collection[str]) -> Iterator[FlinkUse]:
    """The bronze jobs' systems (bronze_landed): each landed source once (at its `type`), the target they write
    bronze to once (at its `type`)."""
    found = next(((i, t) for i, t in enumerate(spec.targets) if keeps_bronze(t)), None)
    landed = sorted({ref.source_index for ref in bronze_landed(spec, architecture, kinds)})
    if found is None:
        return
    for i in landed:
        avro = any(_avro(d.format) for d in spec.sources[i].topics)
        yield FlinkUse(("sources", i, "type"), "", "input", spec.sources[i].type, avro=avro)
    if landed:
        yield FlinkUse(("targets", found[0], "type"), "", "bronze", found[1].type, found[1])


def _avro(fmt: object) -> bool:
    return getattr(fmt, "value", None) == "avro"


def image_jars(uses: Collection[FlinkUse]) -> tuple[Jar, ...]:
    """The jars compose's Flink image adds: BASE_JARS, then each used (role, system)'s (ROLE_JARS order), then the
    avro-confluent format's when an input is an Avro topic, once."""
    used = {(u.role, u.system) for u in uses}
    extra = [jar for key, jars in ROLE_JARS.items() if key in used for jar in jars]
    formats = [AVRO_CONFLUENT_JAR] if any(u.avro for u in uses) else []
    return tuple(dict.fromkeys((*BASE_JARS, *extra, *formats)))


class RelayedSink(NamedTuple):
    """A stream job writing a RELAYED_SINKS target: the job, its sink's table (`sink.table`, else the naming
    layer's sink table, `sink_table`), the target."""

    job: str
    table: str
    target: Target


def relayed_sinks(spec: Spec, sink_tables: dict[str, str]) -> Iterator[RelayedSink]:
    """Every stream job whose target is relayed through a topic (the flink family writes the topic, the kafka
    family declares and grants it, the target's DDL reads it), in spec order; `sink_tables`: job -> its
    naming layer's sink table."""
    for job in spec.transforms.streams:
        target = sink_target(spec, job)
        if target is not None and target.type in RELAYED_SINKS:
            table = job.sink.table if job.sink and job.sink.table else sink_tables[job.name]
            yield RelayedSink(job.name, table, target)
