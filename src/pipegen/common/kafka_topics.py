"""The topics the project's Kafka cluster holds: one list, with each topic's role, partitions and config, that both the
kafka family (Strimzi `KafkaTopic`s, k8s/kafka/topics.yaml) and the compose family (compose.yaml's one-shot `kafka-
topics` service, `kafka-topics.sh --create --if-not-exists`) render; the broker creates no topic itself
(`auto.create.topics.enable: false` on both).

Roles (`TOPIC_ROLES`): per CDC table its change topic (compacted), per stream dataset read from this cluster (a
Faker stream, a Kafka source without `bootstrap_servers`: `DatasetNames.read_topic`) its topic, per topic of a
Pub/Sub source the Kafka topic of the same name the stream jobs read and the user bridges into this cluster
(`bridged`, spec.catalog.bridged_to_project_cluster; R521 checks the names), per streaming dataset its dead-letter
topic, the validation-events topic, per stream job whose Kafka target is this cluster (no
`bootstrap_servers`) its output topic (`sink`), per stream job whose target reads its rows from Kafka (ClickHouse,
Delta) and per bronze job into a Delta bronze its relay topic (`relay`), each connector's schema history and
heartbeat topics, and the Connect workers' storage topics. Every name comes from the naming layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipegen.common.stream_landing import bronze_relays
from pipegen.generators.base import GenContext
from pipegen.plan.capacity import KAFKA_REPLICATION
from pipegen.plan.cdc import Connector, connectors
from pipegen.plan.flinkjars import RelayedSink, relayed_sinks
from pipegen.plan.names import KafkaNames, RelayNames
from pipegen.plan.pubsub_bridge import bridge_reads_elsewhere
from pipegen.spec.catalog import bridged_to_project_cluster
from pipegen.spec.index import index_of
from pipegen.spec.model import Ingestion, TargetType

LISTENER_PORT = 9093
DAY_MS = 86_400_000
LOCAL_REPLICATION = 1  # compose.yaml's one broker


@dataclass(frozen=True)
class TopicRole:
    cleanup: str  # cleanup.policy
    retention_ms: int | None  # None: Kafka's default; -1: forever
    fixed_partitions: int | None  # None: from the plan's capacity figures
    extra: tuple[tuple[str, str], ...] = ()


TOPIC_ROLES: dict[str, TopicRole] = {
    # the latest change per key is kept forever: a new consumer can rebuild a table's state
    "cdc": TopicRole("compact", None, None,
                     (("min.compaction.lag.ms", "3600000"), ("delete.retention.ms", str(DAY_MS)))),
    "stream": TopicRole("delete", None, None),  # a stream source's topic on this cluster: the broker's retention
    "dead-letter": TopicRole("delete", 14 * DAY_MS, None),
    "events": TopicRole("delete", 30 * DAY_MS, 3),
    "schema-history": TopicRole("delete", -1, 1),  # Debezium requires one partition, kept forever
    "heartbeat": TopicRole("delete", DAY_MS, 1),
    "connect-configs": TopicRole("compact", None, 1),
    "connect-offsets": TopicRole("compact", None, 25),
    "connect-status": TopicRole("compact", None, 5),
    "sink": TopicRole("delete", None, None),  # a stream job's output on this cluster (a Kafka target)
    "relay": TopicRole("delete", None, None),  # a stream job's rows for a target's own Kafka reader (kafka/relays.py)
    "bridged": TopicRole("delete", None, None),  # a Pub/Sub topic the user bridges into this cluster: as `stream`
}  # fmt: skip


@dataclass(frozen=True)
class Topic:
    name: str
    role: str
    partitions: int  # the plan's figure; the role's fixed count wins (declared_partitions)


def sized(ctx: GenContext, name: str, default: float) -> int:
    for s in ctx.plan.capacity.sizing:
        if s.name == name:
            return int(s.value)
    return int(default)


def replicas(ctx: GenContext) -> int:
    return sized(ctx, "Kafka replication factor", KAFKA_REPLICATION)


def min_isr(ctx: GenContext) -> int:
    return max(1, min(2, replicas(ctx) - 1))


def kafka_names(ctx: GenContext) -> KafkaNames:
    names = ctx.plan.names.kafka
    if names is None:  # pragma: no cover - the naming layer always sets it
        raise ValueError("the plan has no Kafka names")
    return names


def plan_connectors(ctx: GenContext) -> tuple[Connector, ...]:
    kafka = kafka_names(ctx)
    return connectors(ctx.spec, ctx.plan.names, "flink" in ctx.families, f"{kafka.bootstrap}:{LISTENER_PORT}")


def relays(ctx: GenContext) -> list[tuple[RelayedSink, RelayNames]]:
    """Every relayed sink of a plan with Flink jobs (plan/flinkjars.relayed_sinks), with its names."""
    if "flink" not in ctx.families:
        return []
    names = ctx.plan.names
    tables = {j.name: str(names.stream(j.name).sink_table) for j in ctx.spec.transforms.streams}
    found = [(r, names.relay(r.job, r.table, r.target.type.value)) for r in relayed_sinks(ctx.spec, tables)]
    for b in bronze_relays(ctx.spec, names, ctx.plan.architecture, ctx.plan.graph.kinds):  # a Delta bronze's
        table = str(names.dataset(b.ref.source.name, b.ref.dataset.name).lake_table)
        found.append((RelayedSink(str(b.job.sink_table), table, b.target), b.relay))
    return found


def job_partitions(ctx: GenContext, job: str) -> int:
    """A stream job's output topic's partitions (relay or sink): its input topic's (the plan's capacity figures);
    a bronze job's (`<source>__<table>__bronze`): its table's topic's."""
    spec_job = next((j for j in ctx.spec.transforms.streams if j.name == job), None)
    if spec_job is None:
        bronze = bronze_relays(ctx.spec, ctx.plan.names, ctx.plan.architecture, ctx.plan.graph.kinds)
        base = next((b.ref for b in bronze if str(b.job.sink_table) == job), None)
    else:
        base = index_of(ctx.spec).resolve(spec_job.from_, allow_marts=False).table
    if base is None:
        return 1
    return max(1, ctx.plan.capacity.topic_partitions(f"{base.source.name}.{base.dataset.name}"))


def cluster_sinks(ctx: GenContext) -> list[str]:
    """The stream jobs (of a plan with Flink jobs) whose sink is a Kafka target without `bootstrap_servers`: they
    write their output topic on this cluster (flink/connectors.sink_options: PIPEGEN_KAFKA_BOOTSTRAP)."""
    if "flink" not in ctx.families:
        return []
    targets = {t.name.lower(): t for t in ctx.spec.targets}
    first = ctx.spec.targets[0].name.lower() if ctx.spec.targets else ""
    out = []
    for job in ctx.spec.transforms.streams:
        target = targets.get(job.sink.target.lower() if job.sink else first)
        if target is not None and target.type == TargetType.KAFKA and not target.connection.bootstrap_servers:
            out.append(job.name)
    return out


def topics(ctx: GenContext) -> list[Topic]:
    """Every topic the pipeline owns, with its role and partition count."""
    names, kafka = ctx.plan.names, kafka_names(ctx)
    out: list[Topic] = []
    for source in ctx.spec.sources:
        if source.ingestion == Ingestion.BATCH:
            continue
        for dataset in (*source.tables, *source.topics):
            n = names.dataset(source.name, dataset.name)
            count = ctx.plan.capacity.topic_partitions(f"{source.name}.{dataset.name}")
            if source.ingestion == Ingestion.CDC:
                out.append(Topic(str(n.topic), "cdc", count))
            elif bridged_to_project_cluster(source):
                out.append(Topic(n.read_topic, "bridged", count))
            elif n.on_pipeline_cluster:
                out.append(Topic(n.read_topic, "stream", count))
            out.append(Topic(str(n.dead_letter_topic), "dead-letter", count))
    for c in plan_connectors(ctx):
        if c.system.historized:
            out.append(Topic(str(c.names.history_topic), "schema-history", 1))
        out.append(Topic(str(c.names.heartbeat_topic), "heartbeat", 1))
    out.append(Topic(str(names.events_topic), "events", 0))
    out += [Topic(str(names.stream(j).output_topic), "sink", job_partitions(ctx, j)) for j in cluster_sinks(ctx)]
    out += [Topic(str(n.topic), "relay", job_partitions(ctx, r.job)) for r, n in relays(ctx)]
    if plan_connectors(ctx) or bridge_runs(ctx):  # a KafkaConnect
        out += [
            Topic(str(kafka.connect_configs), "connect-configs", 0),
            Topic(str(kafka.connect_offsets), "connect-offsets", 0),
            Topic(str(kafka.connect_status), "connect-status", 0),
        ]
    unique: dict[str, Topic] = {}
    for t in out:  # one per name: two Kafka sources may read one topic
        unique.setdefault(t.name, t)
    return list(unique.values())


def bridge_runs(ctx: GenContext) -> bool:
    """The kafka family's Pub/Sub bridge runs: a streamed Pub/Sub source whose topics the stream jobs read from the
    Strimzi cluster it writes (not on GCP's Managed Kafka, which the Spark stream reads there: R528)."""
    spec = ctx.spec
    return any(bridged_to_project_cluster(s) for s in spec.sources) and not bridge_reads_elsewhere(
        spec, ctx.plan.graph.kinds
    )


def declared_partitions(topic: Topic) -> int:
    return TOPIC_ROLES[topic.role].fixed_partitions or topic.partitions


def topic_config(topic: Topic, isr: int) -> dict[str, Any]:
    """The topic's configs: its role's cleanup policy, retention and extras, `min.insync.replicas` = `isr`."""
    role = TOPIC_ROLES[topic.role]
    config: dict[str, Any] = {"cleanup.policy": role.cleanup, "min.insync.replicas": isr}
    if role.retention_ms is not None:
        config["retention.ms"] = role.retention_ms
    config.update(dict(role.extra))
    return config
