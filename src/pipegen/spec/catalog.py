"""Facts about the systems the spec names, as data: one place to extend per system."""

from __future__ import annotations

from typing import NamedTuple

from pipegen.spec.model import Cloud, Ingestion, Source, SourceType, TargetType

SOURCE_INGESTION: dict[SourceType, frozenset[Ingestion]] = {
    SourceType.POSTGRES: frozenset({Ingestion.BATCH, Ingestion.CDC}),
    SourceType.MYSQL: frozenset({Ingestion.BATCH, Ingestion.CDC}),
    SourceType.SQLSERVER: frozenset({Ingestion.BATCH, Ingestion.CDC}),
    SourceType.ORACLE: frozenset({Ingestion.BATCH, Ingestion.CDC}),
    SourceType.MONGODB: frozenset({Ingestion.BATCH, Ingestion.CDC}),
    SourceType.API: frozenset({Ingestion.BATCH}),
    SourceType.FILES: frozenset({Ingestion.BATCH}),
    SourceType.FAKER: frozenset({Ingestion.BATCH, Ingestion.STREAM}),
    SourceType.KAFKA: frozenset({Ingestion.STREAM}),
    SourceType.EVENTHUBS: frozenset({Ingestion.STREAM}),
    SourceType.KINESIS: frozenset({Ingestion.STREAM}),
    SourceType.PUBSUB: frozenset({Ingestion.STREAM}),
}

# What stands in for a source in the local run: a SQLite file, files written where the spec
# says, or JSON lines files data/<source>/<dataset>.jsonl (REST APIs, MongoDB, the topics of
# a stream); None would mean the local run needs the real system.
LOCAL_STAND_IN: dict[SourceType, str | None] = {
    SourceType.POSTGRES: "sqlite",
    SourceType.MYSQL: "sqlite",
    SourceType.SQLSERVER: "sqlite",
    SourceType.ORACLE: "sqlite",
    SourceType.FAKER: "sqlite",
    SourceType.FILES: "files",
    SourceType.MONGODB: "jsonl",
    SourceType.API: "jsonl",
    SourceType.KAFKA: "jsonl",
    SourceType.EVENTHUBS: "jsonl",
    SourceType.KINESIS: "jsonl",
    SourceType.PUBSUB: "jsonl",
}

# Batch sources this version reads only from their local stand-in: production ingest stops and
# says so (R268 warns at validate time). dlt's MongoDB source is a `dlt init` verified-source
# template, not an importable module, and no MongoDB server can be had here to judge a reader.
NO_PRODUCTION_BATCH_READER: dict[SourceType, str] = {SourceType.MONGODB: "MongoDB"}

# Stream sources whose `avro` topics the Flink jobs read with the `avro-confluent` format: the format works with the
# Kafka SQL connector only (Flink's avro-confluent.md), which reads Kafka and Event Hubs' Kafka endpoint; the
# writer schemas are in `connection.schema_registry` (R514). The format's jar (flinkjars.AVRO_CONFLUENT_JAR) is
# not on the flink judge's classpath: no package the suite can install carries it.
SCHEMA_REGISTRY_SOURCES = frozenset({SourceType.KAFKA, SourceType.EVENTHUBS})

# Sources whose datasets are topics (message streams) rather than tables.
TOPIC_SOURCES = frozenset({SourceType.KAFKA, SourceType.EVENTHUBS, SourceType.KINESIS, SourceType.PUBSUB})

# Event Hubs' Kafka surface: a namespace's host and the port its Kafka endpoint listens on.
EVENTHUBS_DOMAIN = ".servicebus.windows.net"
EVENTHUBS_KAFKA_PORT = 9093


def on_project_cluster(source: Source) -> bool:
    """A streamed source whose topics are on the project's Kafka cluster: a CDC table's and a Faker
    stream's pipegen topics, a Kafka source's without `bootstrap_servers`; other stream systems'
    (Event Hubs, Kinesis, Pub/Sub) and batch sources are elsewhere. The naming layer's
    `on_pipeline_cluster` and validate's findings both ask this."""
    if source.ingestion == Ingestion.BATCH:
        return False
    if source.ingestion == Ingestion.CDC or source.type == SourceType.FAKER:
        return True
    return source.type == SourceType.KAFKA and source.connection.bootstrap_servers is None


def bridged_to_project_cluster(source: Source) -> bool:
    """A Pub/Sub source: Flink SQL has no Pub/Sub connector, so the stream jobs read each of its topics from the
    Kafka topic of the same name on the project's cluster, which the kafka family bridges there (Google's Pub/Sub
    Group Kafka Connector on the project's KafkaConnect: generators/kafka/bridge.py). The kafka and compose families
    declare those topics (role `bridged`, common/kafka_topics.py); validate refuses a topic name Kafka does not take
    (R521)."""
    return source.type == SourceType.PUBSUB and source.ingestion == Ingestion.STREAM


# The connection settings of a streamed Pub/Sub source the bridge's KafkaConnectors read (the kafka family's
# generators/kafka/bridge.py): the project, the subscription (R522: of a source with one topic), the service account
# key; R486 warns of the others.
PUBSUB_BRIDGE_SETTINGS = ("project", "stream", "private_key")


def generated_stream(source: Source) -> bool:
    """A Faker source that streams: its topics are on the project's cluster and nothing but a stream generator
    (pipeline/stream_generator.py) writes them; the plan's `Kind.STREAM_GENERATORS` (plan/stream_generators.py)."""
    return source.type == SourceType.FAKER and source.ingestion == Ingestion.STREAM


def batch_reads_topics(source: Source) -> bool:
    """A Kafka source the production batch reader reads (the ingestion family's pipeline/topics.py,
    confluent-kafka) where a batch layer lands it: every topic's values JSON (a topic without `format`
    is JSON); Avro, Protobuf and CSV topics stay --local stand-ins (R469)."""
    return source.type == SourceType.KAFKA and all(t.format in (None, "json") for t in source.topics)


# The managed Kafka-protocol service the terraform family creates per cloud, and how the batch topic reader
# (the ingestion family's pipeline/topics.py `sign_in`) signs in to it with the workload's own identity.
MANAGED_KAFKA_SIGN_IN: dict[Cloud, str] = {
    Cloud.AWS: "MSK IAM (SASL OAUTHBEARER, aws-msk-iam-sasl-signer-python)",
    Cloud.GCP: "Managed Kafka (SASL OAUTHBEARER, Google's access token)",
    Cloud.AZURE: "Event Hubs (SASL OAUTHBEARER, a Microsoft Entra ID token)",
}


def managed_kafka_cloud(cloud: Cloud, kubernetes: bool) -> Cloud | None:
    """The cloud whose managed Kafka cluster is the project's cluster for the batch topic reader: aws, gcp or
    azure without `deploy.kubernetes` (under it the batch workload signs in to Strimzi's mutual TLS)."""
    return cloud if cloud in MANAGED_KAFKA_SIGN_IN and not kubernetes else None


def eventhubs_kafka_endpoint(namespace: str, written: str | None = None) -> str:
    """The Kafka endpoint of an Event Hubs `namespace`: `<namespace>.servicebus.windows.net:9093`,
    or the namespace as given when it is already a host name (it has a dot). `written`: the
    namespace as the caller's output writes it (escaped, or a reference), default the namespace."""
    host = namespace if written is None else written
    return f"{host if '.' in namespace else host + EVENTHUBS_DOMAIN}:{EVENTHUBS_KAFKA_PORT}"


# Systems that exist on one cloud only.
SOURCE_CLOUD: dict[SourceType, Cloud] = {
    SourceType.EVENTHUBS: Cloud.AZURE,
    SourceType.KINESIS: Cloud.AWS,
    SourceType.PUBSUB: Cloud.GCP,
}
TARGET_CLOUD: dict[TargetType, Cloud] = {
    TargetType.BIGQUERY: Cloud.GCP,
    TargetType.REDSHIFT: Cloud.AWS,
    TargetType.SYNAPSE: Cloud.AZURE,
}
# Managed services with no local edition.
CLOUD_ONLY_TARGETS = frozenset({TargetType.SNOWFLAKE, TargetType.DATABRICKS})

# The port each SQL system listens on when its connection names none (the systems' defaults).
DEFAULT_PORTS: dict[str, int] = {
    "postgres": 5432, "redshift": 5439, "mysql": 3306, "sqlserver": 1433, "synapse": 1433, "oracle": 1521,
    "clickhouse": 8123,
}  # fmt: skip

# Longest identifier each system accepts (None: no practical limit).
IDENT_MAX: dict[str, int | None] = {
    "postgres": 63,
    "redshift": 127,
    "mysql": 64,
    "sqlserver": 128,
    "synapse": 128,
    "oracle": 128,
    "snowflake": 255,
    "bigquery": 300,
    "databricks": 255,
    "delta": 255,
    "iceberg": 255,
    "duckdb": None,
    "clickhouse": None,
    "druid": 255,
    "files": 255,
    "kafka": 249,
    "mongodb": 255,
}

# Target kinds: what a target can do.
WAREHOUSE_TARGETS = frozenset(
    {
        TargetType.DUCKDB,
        TargetType.POSTGRES,
        TargetType.SNOWFLAKE,
        TargetType.BIGQUERY,
        TargetType.REDSHIFT,
        TargetType.SYNAPSE,
        TargetType.DATABRICKS,
    }
)
LAKE_TARGETS = frozenset({TargetType.DELTA, TargetType.ICEBERG})
OLAP_TARGETS = frozenset({TargetType.CLICKHOUSE, TargetType.DRUID})
# Operational databases results are served from (stream sinks over JDBC, lookups).
SERVING_TARGETS = frozenset({TargetType.MYSQL, TargetType.POSTGRES})
# Targets that can run SQL transformations after loading (ELT needs one).
TRANSFORMING_TARGETS = WAREHOUSE_TARGETS | LAKE_TARGETS | frozenset({TargetType.CLICKHOUSE})
# Targets a Flink job writes through a connector of its own (Kafka, JDBC, the lake formats:
# generators/flink/connectors.py); a stream job's sink on any other target writes files under the
# lake path instead, and only the connection's location (url, path, bucket) reaches it.
FLINK_SINK_TARGETS = LAKE_TARGETS | frozenset(
    {TargetType.KAFKA, TargetType.POSTGRES, TargetType.MYSQL, TargetType.CLICKHOUSE, TargetType.REDSHIFT}
)
FILE_SINK_LOCATION = ("url", "path", "bucket")


class TargetSystem(NamedTuple):
    """How pipegen talks to one kind of target. A SQL dialect (sqlglot's name: quoting,
    escaping, transpiling) is not a dbt adapter (the package dbt runs with) nor a dlt
    destination (what extract-load writes with); None where the system has none."""

    dialect: str
    dbt_adapter: str | None
    dlt_destination: str | None


TARGET_SYSTEMS: dict[TargetType, TargetSystem] = {
    TargetType.DUCKDB: TargetSystem("duckdb", "duckdb", "duckdb"),
    TargetType.POSTGRES: TargetSystem("postgres", "postgres", "postgres"),
    TargetType.SNOWFLAKE: TargetSystem("snowflake", "snowflake", "snowflake"),
    TargetType.BIGQUERY: TargetSystem("bigquery", "bigquery", "bigquery"),
    TargetType.REDSHIFT: TargetSystem("redshift", "redshift", "redshift"),
    TargetType.SYNAPSE: TargetSystem("tsql", "synapse", "synapse"),
    TargetType.DATABRICKS: TargetSystem("databricks", "databricks", "databricks"),
    TargetType.DELTA: TargetSystem("spark", "spark", "filesystem"),  # dlt: table_format="delta"
    TargetType.ICEBERG: TargetSystem("spark", "spark", "filesystem"),  # dlt: table_format="iceberg"
    TargetType.CLICKHOUSE: TargetSystem("clickhouse", "clickhouse", "clickhouse"),
    TargetType.DRUID: TargetSystem("druid", None, None),  # loaded by Druid ingestion specs, queried in Druid SQL
    TargetType.FILES: TargetSystem("duckdb", "duckdb", "filesystem"),  # files written and read through DuckDB
    TargetType.KAFKA: TargetSystem("duckdb", None, None),  # not SQL: stream sinks only
    # serving and stream sinks only (marts cannot be built there, R254): dbt never targets it, and
    # dbt-mysql's last release (1.7.0) needs dbt-core 1.7, older than the project pipegen writes
    TargetType.MYSQL: TargetSystem("mysql", None, "sqlalchemy"),
}

# dbt adapters whose target reads a Delta table registered by its location in the session's catalog
# (dbt-spark's Thrift server, Databricks): dbt's own on-run-start hook registers the lake's Delta silver
# there when no Spark job does (common/lake_catalog.dbt_registers_silver, plan/infra_findings R466).
DELTA_READING_ADAPTERS = frozenset({"spark", "databricks"})

# Columns pipegen adds to every landed row; spec columns must not reuse them.
METADATA_COLUMNS = ("_extracted_at", "_source", "_batch_id", "_loaded_at")

# Connection fields each system uses (`options` is always allowed: driver settings pass
# through). A field outside its system's set is reported (R225): set but never read.
_SQL_DB = frozenset({"host", "port", "database", "schema", "user", "password", "url", "connection_string"})
_OBJECT_STORE = frozenset(
    {
        "url",
        "path",
        "bucket",
        "region",
        "account",
        "project",
        "role",
        "client_id",
        "client_secret",
        "token",
        "connection_string",
    }
)
_KAFKA = frozenset({"bootstrap_servers", "user", "password", "url", "client_id", "client_secret", "token"})
SOURCE_CONNECTION_FIELDS: dict[SourceType, frozenset[str]] = {
    SourceType.POSTGRES: _SQL_DB,
    SourceType.MYSQL: _SQL_DB,
    SourceType.SQLSERVER: _SQL_DB,
    SourceType.ORACLE: _SQL_DB,
    SourceType.MONGODB: frozenset({"host", "port", "database", "user", "password", "url", "connection_string"}),
    SourceType.API: frozenset(
        {"url", "auth", "user", "password", "token", "api_key", "client_id", "client_secret", "token_url"}
    ),
    SourceType.FILES: _OBJECT_STORE,
    SourceType.FAKER: frozenset({"path", "url", "bucket"}),
    SourceType.KAFKA: _KAFKA | {"schema_registry"},
    SourceType.EVENTHUBS: frozenset(
        {"namespace", "connection_string", "client_id", "client_secret", "schema_registry"}
    ),
    SourceType.KINESIS: frozenset({"stream", "region", "role"}),
    SourceType.PUBSUB: frozenset({"project", "stream", "private_key", "client_id"}),
}
_LAKE = _OBJECT_STORE | frozenset({"catalog", "schema", "database", "warehouse", "host"})
TARGET_CONNECTION_FIELDS: dict[TargetType, frozenset[str]] = {
    TargetType.DUCKDB: frozenset({"path", "database", "schema"}),
    TargetType.POSTGRES: _SQL_DB,
    TargetType.SNOWFLAKE: frozenset(
        {"account", "user", "password", "private_key", "role", "warehouse", "database", "schema", "region"}
    ),
    TargetType.BIGQUERY: frozenset({"project", "schema", "region", "private_key", "client_id"}),
    TargetType.REDSHIFT: _SQL_DB | frozenset({"role", "region"}),
    TargetType.SYNAPSE: _SQL_DB | frozenset({"client_id", "client_secret"}),
    TargetType.DATABRICKS: frozenset(
        {"host", "token", "warehouse", "catalog", "schema", "client_id", "client_secret", "path"}
    ),
    TargetType.DELTA: _LAKE,
    # an Iceberg table's namespace is the naming layer's `<pipeline>_<layer>` in every engine and
    # catalog (plan/cloudnames.lake_namespace, common/lake_catalog.sink_database): no `database`
    TargetType.ICEBERG: _LAKE - {"database"},
    TargetType.CLICKHOUSE: frozenset({"host", "port", "database", "user", "password", "url"}),
    TargetType.DRUID: frozenset({"url", "host", "port", "user", "password"}),
    TargetType.FILES: _OBJECT_STORE,
    TargetType.KAFKA: _KAFKA,
    TargetType.MYSQL: _SQL_DB,
}


# Where a `connection.options` entry goes: the client that reads the system in generated code.
# (source type, ingestion) -> what receives the options; absent: the options reach nothing (R361).
OPTION_RECEIVERS: dict[tuple[SourceType, str], str] = {
    **{(kind, "cdc"): "the Debezium connector's properties" for kind in (
        SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER, SourceType.ORACLE, SourceType.MONGODB)},
    **{(kind, "batch"): "the SQLAlchemy URL's query parameters (the driver's settings)" for kind in (
        SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER, SourceType.ORACLE)},
    (SourceType.KAFKA, "stream"): "the Kafka consumer's properties (Flink `properties.<key>`, Spark `kafka.<key>`)",
    (SourceType.EVENTHUBS, "stream"): "the Kafka consumer's properties (Flink `properties.<key>`, Spark `kafka.<key>`)",
}  # fmt: skip
# Options a source may not set, per receiver: pipegen derives them from the spec (address,
# tables, names) or the generated readers depend on their value (record shape, converters).
DERIVED_OPTIONS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "cdc": (
        frozenset({
            "connector.class", "tasks.max", "topic.prefix", "database.hostname", "database.port", "database.user",
            "database.password", "database.dbname", "database.names", "database.server.id",
            "database.include.list", "schema.include.list", "table.include.list", "collection.include.list",
            "mongodb.connection.string", "mongodb.user", "mongodb.password", "slot.name", "publication.name",
            "plugin.name", "publication.autocreate.mode", "capture.mode", "decimal.handling.mode",
            "time.precision.mode", "tombstones.on.delete",
        }),
        ("transforms", "signal.", "schema.history.internal.kafka.", "key.converter", "value.converter"),
    ),
    "stream": (
        frozenset({"bootstrap.servers", "group.id", "isolation.level", "auto.offset.reset"}),
        (),
    ),
    "batch": (frozenset(), ()),
}  # fmt: skip
