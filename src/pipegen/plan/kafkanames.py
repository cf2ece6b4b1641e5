"""The naming layer's Kafka names (re-exported by `pipegen.plan.names`): the project's Strimzi cluster
and the components that sign in to it (KafkaNames: cluster `<pipeline>`, Connect `<cluster>-connect`,
one KafkaUser per component `<cluster>-<component>`, the Secrets and RBAC objects around them), and
each CDC source's Debezium connector and what it owns (CdcNames), and the relay of a stream job whose sink no
Flink 2.x connector writes (RelayNames: the topic the job writes, what the target's own Kafka ingestion names), and
the Pub/Sub bridge's KafkaConnectors and credentials Secret per Pub/Sub source (`bridge_connectors`,
`bridge_secret`)."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.idents import dns_name, k8s_labels, short_hash
from pipegen.safe import Ident
from pipegen.spec.snakecase import snake

FLINK_JOB_PREFIX = "{pipeline}__"  # every Flink job's name (and consumer group, transactional id) starts with it


@dataclass(frozen=True)
class CdcNames:
    """Names of one CDC source's Debezium connector and what it owns."""

    source: str  # as written in the spec
    connector: Ident  # KafkaConnector / Connect REST name: `<pipeline>-<source>-cdc`
    topic_prefix: Ident  # Debezium `topic.prefix`: `<pipeline>.<source>` (raw topics are routed to dataset topics)
    slot: Ident  # PostgreSQL replication slot `<pipeline>_<source>` (unique per connector, <= 63)
    publication: Ident  # PostgreSQL publication `<pipeline>_<source>_pub`
    history_topic: Ident  # schema history topic `<pipeline>.<source>.schema-history`
    history_group: Ident  # Debezium's schema history consumer group `<connector>-schemahistory`
    heartbeat_topic: Ident  # `__debezium-heartbeat.<topic prefix>` (Debezium's default heartbeat prefix)
    signal_table: Ident  # the signal table for incremental snapshots, in the captured schema
    credentials_secret: Ident  # Kubernetes Secret holding the source's secret references
    settings_configmap: Ident  # Kubernetes ConfigMap holding the source's `${env:...}` references
    server_id: int  # MySQL `database.server.id`: stable, distinct per source (5400-9399)


@dataclass(frozen=True)
class KafkaNames:
    """Cluster-level Kafka and Kafka Connect names (Strimzi)."""

    cluster: Ident  # Kafka CR `<pipeline>`
    bootstrap: Ident  # Strimzi's bootstrap service `<cluster>-kafka-bootstrap`
    connect: Ident  # KafkaConnect CR `<pipeline>-connect`
    cluster_ca_secret: Ident  # Strimzi's Secret with the cluster CA certificate: `<cluster>-cluster-ca-cert`
    connect_service_account: Ident  # Strimzi's ServiceAccount of the Connect pods: `<connect>-connect`
    connect_config_reader: Ident  # Role (and RoleBinding) reading the connectors' Secrets: `<connect>-config-reader`
    connect_push_secret: Ident  # the Connect image build's registry push Secret: `<connect>-registry`
    connect_metrics: Ident  # ConfigMap of the Connect pods' JMX exporter rules: `<connect>-metrics`
    connect_group: Ident  # Connect worker group id
    connect_configs: Ident  # worker storage topics
    connect_offsets: Ident
    connect_status: Ident
    connect_user: Ident  # KafkaUser of the Connect workers (Debezium)
    flink_user: Ident  # KafkaUser of the Flink jobs
    flink_clients: Ident  # prefix of every Flink job's consumer group and transactional id: `<pipeline>__`
    quality_user: Ident  # KafkaUser of the quality step's event producer
    redrive_user: Ident  # KafkaUser of the stream dead letters' redrive (pipeline/redrive.py)
    ingest_user: Ident  # KafkaUser of the batch reader of Kafka topics (pipeline/topics.py): `<cluster>-ingest`
    spark_user: Ident  # KafkaUser of the Spark stream (Structured Streaming's Kafka source)
    generator_user: Ident  # KafkaUser of the Faker streams' generators (pipeline/stream_generator.py)
    clickhouse_user: Ident  # KafkaUser of ClickHouse's Kafka engine tables reading the relay topics
    delta_user: Ident  # KafkaUser of the Delta loader (pipeline/delta_relay.py) reading the Delta relay topics
    spark_group: Ident  # the Spark stream's consumer groups' prefix (its `groupIdPrefix`): `<pipeline>.spark-stream`
    node_pools: tuple[Ident, Ident]  # KafkaNodePool names: controllers, brokers


SERVER_ID_BASE, SERVER_ID_SPAN = 5400, 4000


def cdc_source_names(pipeline: str, source: str) -> CdcNames:
    src = snake(source)
    prefix = f"{pipeline}.{src}"
    slot = f"{pipeline}_{src}"
    if len(slot) > 63:  # PostgreSQL identifiers (and slot names) are at most 63 bytes
        slot = f"{slot[:56]}_{short_hash(slot)}"
    connector = dns_name(f"{pipeline}-{src}-cdc")
    return CdcNames(
        source=source,
        connector=connector,
        topic_prefix=Ident(prefix),
        slot=Ident(slot),
        publication=Ident(f"{slot[:59]}_pub"),
        history_topic=Ident(f"{prefix}.schema-history"),
        history_group=Ident(f"{connector}-schemahistory"),
        heartbeat_topic=Ident(f"__debezium-heartbeat.{prefix}"),
        signal_table=Ident("debezium_signal"),
        credentials_secret=dns_name(f"{pipeline}-{src}-cdc-credentials"),
        settings_configmap=dns_name(f"{pipeline}-{src}-cdc-settings"),
        server_id=SERVER_ID_BASE + int(short_hash(prefix, 8), 16) % SERVER_ID_SPAN,
    )


def kafka_cluster_names(pipeline: str) -> KafkaNames:
    cluster = dns_name(pipeline, max_len=40)  # Strimzi derives pod and service names from it
    connect = f"{cluster}-connect"
    return KafkaNames(
        cluster=cluster,
        bootstrap=Ident(f"{cluster}-kafka-bootstrap"),
        connect=Ident(connect),
        cluster_ca_secret=Ident(f"{cluster}-cluster-ca-cert"),
        connect_service_account=Ident(f"{connect}-connect"),  # Strimzi: `<KafkaConnect name>-connect`
        connect_config_reader=Ident(f"{connect}-config-reader"),
        connect_push_secret=Ident(f"{connect}-registry"),
        connect_metrics=Ident(f"{connect}-metrics"),
        connect_group=Ident(f"{pipeline}.connect"),
        connect_configs=Ident(f"{pipeline}.connect.configs"),
        connect_offsets=Ident(f"{pipeline}.connect.offsets"),
        connect_status=Ident(f"{pipeline}.connect.status"),
        connect_user=Ident(f"{cluster}-connect"),
        flink_user=Ident(f"{cluster}-flink"),
        flink_clients=Ident(FLINK_JOB_PREFIX.format(pipeline=pipeline)),  # every flink_job starts with it (and replays)
        quality_user=Ident(f"{cluster}-quality"),
        redrive_user=Ident(f"{cluster}-redrive"),
        ingest_user=Ident(f"{cluster}-ingest"),
        spark_user=Ident(f"{cluster}-spark"),
        generator_user=Ident(f"{cluster}-generator"),
        clickhouse_user=Ident(f"{cluster}-clickhouse"),
        delta_user=Ident(f"{cluster}-delta-relay"),
        spark_group=Ident(f"{pipeline}.spark-stream"),
        node_pools=(Ident(f"{cluster}-controllers"), Ident(f"{cluster}-brokers")),
    )


@dataclass(frozen=True)
class RelayNames:
    """A stream job whose target no Flink 2.x connector writes (plan/flinkjars.RELAYED_SINKS) sinks into a topic
    of the project's cluster, and the target ingests it with its own Kafka reader (ClickHouse: a Kafka engine
    table and a materialized view into the sink's table; Delta: the generated loader, pipeline/delta_relay.py, whose
    consumer group is `group` and whose Delta app transactions are `<group>/<topic>/<partition>`)."""

    topic: Ident  # `<pipeline>.<job>.relay-<system>`: a hyphen no dataset topic (snake_case parts) has
    group: Ident  # the target's consumer group: `<pipeline>.<job>.<system>`
    queue_table: Ident  # the Kafka engine table `<table>__kafka`
    view: Ident  # the materialized view `<table>__ingest` moving the queue's rows into `<table>`
    version_column: Ident  # the record's offset: ReplacingMergeTree keeps a key's newest row


def relay_names(pipeline: str, job: str, table: str, system: str) -> RelayNames:
    """The relay of stream job `job` (snake_case) into `table` of a `system` target."""
    return RelayNames(
        topic=Ident(f"{pipeline}.{job}.relay-{system}"),
        group=Ident(f"{pipeline}.{job}.{system}"),
        queue_table=Ident(f"{table}__kafka"),
        view=Ident(f"{table}__ingest"),
        version_column=Ident("_relay_offset"),
    )


def bridge_connectors(pipeline: str, topics: list[tuple[str, str]]) -> dict[tuple[str, str], Ident]:
    """The KafkaConnector (and Connect connector name) bridging each Pub/Sub (source, topic) into the Kafka topic of
    the same name: `<pipeline>-<source>-<topic>-pubsub`, a DNS label ending so (no CDC connector's `-cdc` meets it);
    two that would share a label (`Signups`, `signups`) end in a stable hash of each."""
    bases = {pair: f"{pipeline}-{snake(pair[0])}-{pair[1]}-pubsub" for pair in topics}
    labels = k8s_labels(list(bases.values()))
    return {pair: labels[base] for pair, base in bases.items()}


def bridge_secret(pipeline: str, source: str) -> Ident:
    """The Secret a Pub/Sub source's bridge connectors read its references from: `<pipeline>-<source>-pubsub`
    (the CDC credentials Secrets end in `-cdc-credentials`)."""
    return dns_name(f"{pipeline}-{snake(source)}-pubsub")
