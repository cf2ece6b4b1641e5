"""Connector options of the flink family's tables, per system: a job's source (Kafka, Event Hubs,
Kinesis, a CDC topic), its lookup dimensions (JDBC with the lookup cache) and its sink (Kafka,
upsert-Kafka, Iceberg, Delta, JDBC, files; a target no Flink 2.x connector writes, ClickHouse: its relay topic
on the project's cluster, which the target ingests itself). The per-system differences are tables; every spec
value goes through `options.option_value` or `options.inside`.
"""

from __future__ import annotations

from pipegen.common.lake_catalog import (
    GLUE_CATALOG_IMPL,
    S3_FILE_IO,
    VENDED_CREDENTIALS,
    catalog_config,
    sink_database,
)
from pipegen.generators.flink.options import KAFKA_BOOTSTRAP, Escaped, cluster_tls, inside, option_value
from pipegen.generators.flink.relations import Relation
from pipegen.plan.flinkjars import RELAYED_SINKS
from pipegen.plan.names import ENV, StreamJobNames
from pipegen.spec import catalog
from pipegen.spec.model import (
    Cloud,
    Connection,
    FileFormat,
    Ingestion,
    SinkMode,
    SourceType,
    Target,
    TargetType,
)
from pipegen.spec.types import option_text, parse_secret_ref

# Formats of stream topics (Flink format identifiers), by the spec's value: `format` parses as a MessageFormat or a
# FileFormat, and the two enums' equal values (json, csv, avro) are one key. Avro values are Confluent's wire
# format, read through the schema registry (avro_confluent_options; validate refuses an avro topic without one,
# R514); protobuf and parquet topics are refused (R515, R518).
TOPIC_FORMATS: dict[str | None, str] = {
    None: "json",
    "json": "json",
    "jsonl": "json",
    "csv": "csv",
    "avro": "avro-confluent",
}
# The avro-confluent format's basic auth (Flink's AvroConfluentFormatOptions; Confluent's
# `basic.auth.credentials.source`): the user info is `<user>:<password>`
REGISTRY_USER_INFO = "USER_INFO"

CONNECTOR_ENV = ENV.connectors  # what a connector reads from the environment when the spec leaves it out


def _env(name: str) -> Escaped:
    """`${NAME}`: filled from the environment by the SQL runner (listed in .env.example)."""
    return Escaped("${" + name + "}")


# Stream sources by system: Event Hubs speaks the Kafka protocol (SASL over 9093).
STREAM_CONNECTORS: dict[SourceType, dict[str, str]] = {
    SourceType.KAFKA: {"connector": "kafka", "properties.bootstrap.servers": KAFKA_BOOTSTRAP},
    SourceType.EVENTHUBS: {
        "connector": "kafka",
        "properties.bootstrap.servers": _env(CONNECTOR_ENV.eventhubs_bootstrap),
        "properties.security.protocol": "SASL_SSL",
        "properties.sasl.mechanism": "PLAIN",
        "properties.sasl.jaas.config": _env(CONNECTOR_ENV.eventhubs_jaas),
    },
    SourceType.KINESIS: {"connector": "kinesis"},  # region, stream and role: kinesis_options
}
CDC_FORMAT = {"format": "debezium-json", "debezium-json.timestamp-format.standard": "ISO-8601"}

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
GENERIC_JDBC_URL = "jdbc:{host}:{port}/{database}"
# Systems whose JDBC table names take the connection's `schema` as their qualifier: the JDBC
# connector's PostgreSQL, SQL Server and Oracle dialects write `table-name` into their SQL as given,
# so `<schema>.<table>` names the table in that schema (MySQL and ClickHouse: the URL's database).
SCHEMA_QUALIFIED: frozenset[TargetType | SourceType] = frozenset(
    {TargetType.POSTGRES, TargetType.REDSHIFT, SourceType.POSTGRES, SourceType.SQLSERVER, SourceType.ORACLE}
)
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
JDBC_SINK: dict[str, str] = {"sink.buffer-flush.interval": "1 s", "sink.max-retries": "3"}
FILE_SINK: dict[str, str] = {"sink.rolling-policy.rollover-interval": "1 min"}
SINK_FORMAT = "json"
LAKE_PATH = _env(CONNECTOR_ENV.lake_path)
# A bucket (container) as the sink's file system names it on the spec's cloud: Flink's own S3, GCS
# and Azure file systems (the flink-s3-fs-*, flink-gs-fs-hadoop and flink-azure-fs-hadoop plugins)
# for the filesystem connector; Hadoop's (S3A, the GCS connector, ABFS) for Delta's connector,
# which writes through a Hadoop FileSystem (Hadoop has no `s3://`). Local: the path as written.
FILE_SYSTEM_ROOTS: dict[Cloud, str] = {
    Cloud.AWS: "s3://{bucket}",
    Cloud.GCP: "gs://{bucket}",
    Cloud.AZURE: "abfss://{bucket}@{account}.dfs.core.windows.net",
    Cloud.LOCAL: "{bucket}",
}
HADOOP_ROOTS: dict[Cloud, str] = {**FILE_SYSTEM_ROOTS, Cloud.AWS: "s3a://{bucket}"}
# Event Hubs' Kafka endpoint authenticates with the namespace's connection string as the password
EVENTHUBS_JAAS = (
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" password="{}";'
)


# ---------------------------------------------------------------- sources


def _consumer(job: StreamJobNames) -> dict[str, str]:
    """A Kafka source's consumer: the job's own group, committed reads, from its offsets."""
    return {
        "properties.group.id": job.flink_job,
        "properties.isolation.level": "read_committed",
        "scan.startup.mode": "group-offsets",
        "properties.auto.offset.reset": "earliest",
    }


def source_options(rel: Relation, job: StreamJobNames) -> dict[str, str]:
    """A job's source: its CDC topic (debezium-json), or its stream's connector and format."""
    if rel.ref.source.ingestion == Ingestion.CDC:
        return {
            "connector": "kafka",
            "topic": rel.names.topic,
            "properties.bootstrap.servers": KAFKA_BOOTSTRAP,
            **cluster_tls(KAFKA_BOOTSTRAP),
            **_consumer(job),
            **CDC_FORMAT,
        }
    options = dict(STREAM_CONNECTORS.get(rel.ref.source.type, STREAM_CONNECTORS[SourceType.KAFKA]))
    if options["connector"] == "kinesis":
        options.update(kinesis_options(rel.ref.source.connection, job))
    else:
        options.update({"topic": rel.names.read_topic, **_consumer(job)})  # a Faker stream: its own topic
        options.update(_brokers(rel.ref.source.type, rel.ref.source.connection))
        options.update(cluster_tls(options["properties.bootstrap.servers"]))
        options.update(_eventhubs_login(rel.ref.source.type, rel.ref.source.connection))
        options.update(client_properties(rel.ref.source.connection))
    fmt = rel.ref.dataset.format
    options["format"] = TOPIC_FORMATS[fmt.value if fmt is not None else None]
    if options["format"] == "avro-confluent":
        options.update(avro_confluent_options(rel.ref.source.connection))
    return options


def avro_confluent_options(conn: Connection) -> dict[str, str]:
    """An Avro topic's schema registry (the source's `connection.schema_registry`): its URL and, with a user,
    basic auth with `<user>:<password>` (references as `${NAME}`, filled from the environment by the runner)."""
    registry = conn.schema_registry
    if registry is None:  # pragma: no cover - validate refuses an avro topic without a registry (R514)
        raise ValueError("an avro topic needs its source's connection.schema_registry")
    options: dict[str, str] = {"avro-confluent.url": option_value(registry.url)}
    if registry.user is not None:
        info = option_value(registry.user) + ":" + option_value(registry.password)
        options.update({
            "avro-confluent.basic-auth.credentials-source": REGISTRY_USER_INFO,
            "avro-confluent.basic-auth.user-info": Escaped(info),
        })  # fmt: skip
    return options


def kinesis_options(conn: Connection, job: StreamJobNames) -> dict[str, str]:
    """A Kinesis source's region, stream and role from the spec (`${AWS_REGION}` and
    `${KINESIS_STREAM_ARN}` when it names none): the connector takes the stream's ARN, built from
    a stream name with the account from `${AWS_ACCOUNT_ID}`; a role is assumed per job session."""
    region = option_value(conn.region, _env(CONNECTOR_ENV.aws_region))
    stream = conn.stream
    if stream is None:
        arn = _env(CONNECTOR_ENV.kinesis_stream_arn)
    elif stream.startswith("arn:") or parse_secret_ref(stream) is not None:
        arn = option_value(stream)
    else:
        arn = Escaped(f"arn:aws:kinesis:{region}:{_env(CONNECTOR_ENV.aws_account_id)}:stream/{inside(stream)}")
    options: dict[str, str] = {"aws.region": region, "stream.arn": arn}
    if conn.role is not None:
        options.update({
            "aws.credentials.provider": "ASSUME_ROLE",
            "aws.credentials.role.arn": option_value(conn.role),
            "aws.credentials.role.sessionName": str(job.flink_job),
        })  # fmt: skip
    return options


def _brokers(system: SourceType, conn: Connection) -> dict[str, str]:
    """A Kafka source's brokers: the spec's `bootstrap_servers` when it gives them (a cluster of
    its own), else the project's cluster (`KAFKA_BOOTSTRAP_SERVERS`); an Event Hubs namespace's
    Kafka endpoint (`<namespace>.servicebus.windows.net:9093`), else `EVENTHUBS_BOOTSTRAP_SERVERS`."""
    if system == SourceType.EVENTHUBS and conn.namespace is not None:
        endpoint = catalog.eventhubs_kafka_endpoint(conn.namespace, option_value(conn.namespace))
        return {"properties.bootstrap.servers": Escaped(endpoint)}
    if system != SourceType.KAFKA or conn.bootstrap_servers is None:
        return {}
    return {"properties.bootstrap.servers": option_value(conn.bootstrap_servers, KAFKA_BOOTSTRAP)}


def _eventhubs_login(system: SourceType, conn: Connection) -> dict[str, str]:
    """An Event Hubs source's SASL login from its `connection_string` (a secret reference the
    runner fills), else `EVENTHUBS_SASL_JAAS_CONFIG` (STREAM_CONNECTORS)."""
    if system != SourceType.EVENTHUBS or conn.connection_string is None:
        return {}
    secret = option_value(conn.connection_string).replace("\\", "\\\\").replace('"', '\\"')
    return {"properties.sasl.jaas.config": Escaped(EVENTHUBS_JAAS.format(secret))}


def client_properties(conn: Connection) -> dict[str, str]:
    """`connection.options` of a Kafka-protocol source: the consumer's properties (`properties.<key>`),
    references as `${NAME}` (validate refuses the keys the job sets itself, R360)."""
    out: dict[str, str] = {}
    for key, value in sorted(conn.options.items()):
        out[f"properties.{key}"] = option_value(option_text(value))
    return out


# ---------------------------------------------------------------- JDBC


def jdbc_url(system: TargetType | SourceType, conn: Connection) -> Escaped:
    return Escaped(
        JDBC_URLS.get(system, GENERIC_JDBC_URL).format(
            host=option_value(conn.host, "localhost"),
            port=option_value(conn.port, str(catalog.DEFAULT_PORTS.get(system, 0))),
            database=option_value(conn.database, ""),
        )
    )


def jdbc_table(system: TargetType | SourceType, conn: Connection, table: str) -> Escaped:
    """A JDBC table's `table-name`: in the connection's `schema` where the system has schemas (the
    table Debezium captures, the schema the spec names for a sink), else the table alone."""
    if system in SCHEMA_QUALIFIED and conn.schema_name is not None:
        return Escaped(option_value(conn.schema_name) + "." + inside(table))
    return Escaped(inside(table))


def jdbc_login(name: str, conn: Connection) -> dict[str, str]:
    """User and password: the spec's references, else `${<NAME>_USER}`/`${<NAME>_PASSWORD}`."""
    return {
        "username": option_value(conn.user, "${" + ENV.connection(name, "user") + "}"),
        "password": option_value(conn.password, "${" + ENV.connection(name, "password") + "}"),
    }


def dimension_options(rel: Relation) -> dict[str, str]:
    """A lookup dimension read through JDBC with the lookup cache."""
    src = rel.ref.source
    return {
        "connector": "jdbc",
        "url": jdbc_url(src.type, src.connection),
        "table-name": jdbc_table(src.type, src.connection, rel.ref.dataset.name),
        **jdbc_login(src.name, src.connection),
        **LOOKUP_CACHE,
    }


# ---------------------------------------------------------------- sinks


def sink_options(
    target: Target,
    table: str,
    mode: SinkMode,
    has_key: bool,
    job: StreamJobNames,
    pipeline: str,
    cloud: Cloud = Cloud.LOCAL,
    relay_topic: str = "",
) -> dict[str, str]:
    """A sink's connector options: a Kafka sink writes the job's output topic (names layer: the
    KafkaUser's ACLs grant exactly it) under its own transactional id (`job.flink_job`); a target no
    Flink 2.x connector writes (RELAYED_SINKS) its `relay_topic` on the project's cluster, the same way;
    a file or Delta sink writes under the target's bucket on the spec's `cloud`; an Iceberg sink reaches
    the target's production catalog (the `pipeline`'s gold namespace on Glue)."""
    upsert = mode == SinkMode.UPSERT and has_key
    if target.type == TargetType.KAFKA:
        servers = option_value(target.connection.bootstrap_servers, KAFKA_BOOTSTRAP)
        return _kafka_sink(servers, str(job.output_topic), upsert, job)
    if target.type in RELAYED_SINKS:
        return _kafka_sink(KAFKA_BOOTSTRAP, relay_topic, upsert, job)
    if target.type in LAKE_CONNECTORS:
        return _lake_sink(target, table, mode, cloud, pipeline)
    if target.type in JDBC_URLS:
        return _jdbc_sink(target, table)
    return _file_sink(target, table, cloud)


def _kafka_sink(servers: str, topic_name: str, upsert: bool, job: StreamJobNames) -> dict[str, str]:
    topic = {"topic": topic_name, "properties.bootstrap.servers": servers, **cluster_tls(servers)}
    if upsert:
        return {"connector": "upsert-kafka", **topic, "key.format": SINK_FORMAT, "value.format": SINK_FORMAT}
    return {
        "connector": "kafka",
        **topic,
        "format": SINK_FORMAT,
        "sink.delivery-guarantee": "exactly-once",
        "sink.transactional-id-prefix": str(job.flink_job),
    }


def bucket_root(conn: Connection, cloud: Cloud, roots: dict[Cloud, str] = FILE_SYSTEM_ROOTS) -> Escaped:
    """The target's bucket (container) with the scheme of the spec's cloud (`roots`): an Azure
    container in the target's storage `account`, else `${AZURE_STORAGE_ACCOUNT}`. A bucket that is a
    reference, or already a URL, is the whole root (as the ingestion family's dlt bucket_url)."""
    bucket = (conn.bucket or "").rstrip("/")
    if parse_secret_ref(bucket) is not None or "://" in bucket:
        return option_value(bucket)
    account = option_value(conn.account, _env(CONNECTOR_ENV.azure_storage_account))
    return Escaped(roots[cloud].format(bucket=inside(bucket), account=account))


def lake_path(conn: Connection, table: str, cloud: Cloud, roots: dict[Cloud, str] = FILE_SYSTEM_ROOTS) -> Escaped:
    """A table's directory: under the target's `url`, else `<bucket>/<path>` (the bucket with its
    cloud's scheme; either alone: the lakehouse family's layout), else `${LAKE_PATH}`."""
    if conn.url is not None:
        base = option_value(conn.url)
    elif conn.bucket is not None:
        base = bucket_root(conn, cloud, roots)
        base = Escaped(base + "/" + option_value(conn.path)) if conn.path is not None else base
    elif conn.path is not None:
        base = option_value(conn.path)
    else:
        base = Escaped(LAKE_PATH)
    return Escaped(base + "/" + inside(table))


def _lake_sink(target: Target, table: str, mode: SinkMode, cloud: Cloud, pipeline: str) -> dict[str, str]:
    conn = target.connection
    if target.type == TargetType.DELTA:
        options = {**LAKE_CONNECTORS[target.type], "catalog-database": option_value(conn.database, "lake")}
        options.update({"table-name": table, "table-path": lake_path(conn, table, cloud, HADOOP_ROOTS)})
        return options
    # the naming layer's namespace, the one every other engine writes gold to (common/lake_catalog)
    options = {**LAKE_CONNECTORS[target.type], "catalog-database": option_value(sink_database(pipeline))}
    options["catalog-table"] = table
    catalog_ = iceberg_catalog_options(target)
    if "catalog-impl" in catalog_:  # a custom catalog: the connector refuses `catalog-type` beside it
        del options["catalog-type"]
    options.update(catalog_)
    if mode == SinkMode.UPSERT:
        options.update({"format-version": "2", "write.upsert.enabled": "true"})
    return options


def iceberg_catalog_options(target: Target) -> dict[str, str]:
    """The Iceberg sink's catalog, from the description the Spark job's `lake` catalog reads
    (common/lake_catalog.catalog_config), as the Iceberg Flink connector's catalog properties:
    REST and Unity `uri` (Unity: its Iceberg REST path below the workspace URL), `warehouse` (the
    spec's `catalog`) and `token` (a `${secret:NAME}` -> `${NAME}` from the job's environment);
    Glue: `catalog-impl` (no `catalog-type`: the connector refuses both: _lake_sink drops it), the S3 warehouse and file
    IO and the region. The database is _lake_sink's, the same for every catalog
    (common/lake_catalog.sink_database). No production catalog: the REST catalog type alone."""
    config = catalog_config(target)
    if config is None:
        return {}
    if config["type"] == "glue":
        options: dict[str, str] = {"catalog-impl": GLUE_CATALOG_IMPL}
        options |= {"warehouse": option_value(config["warehouse"]), "io-impl": S3_FILE_IO}
        return options | ({"client.region": option_value(config["region"])} if config.get("region") else {})
    uri = str(config["uri"] or "")
    uri = uri if parse_secret_ref(uri) else uri.rstrip("/")
    options = {"catalog-type": "rest", "uri": Escaped(option_value(uri) + inside(config["path"]))}
    options |= {"warehouse": option_value(config["warehouse"])} if config.get("warehouse") else {}
    options |= {"token": option_value(config["token"])} if config.get("token") else {}
    return options | (VENDED_CREDENTIALS if config["type"] == "unity" else {})


def _jdbc_sink(target: Target, table: str) -> dict[str, str]:
    conn = target.connection
    url = jdbc_url(target.type, conn)
    name = jdbc_table(target.type, conn, table)
    return {"connector": "jdbc", "url": url, "table-name": name, **jdbc_login(target.name, conn), **JDBC_SINK}


def _file_sink(target: Target, table: str, cloud: Cloud) -> dict[str, str]:
    """Files and every target without a streaming connector: Parquet/JSON files in the lake path."""
    fmt = "json" if target.format in (FileFormat.JSON, FileFormat.JSONL) else (target.format or FileFormat.PARQUET)
    return {
        "connector": "filesystem",
        "path": lake_path(target.connection, table, cloud),
        "format": str(fmt.value if isinstance(fmt, FileFormat) else fmt),
        **FILE_SINK,
    }
