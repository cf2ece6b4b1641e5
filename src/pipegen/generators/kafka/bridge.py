"""The Pub/Sub bridge: the stream jobs read a Pub/Sub source's topics as the Kafka topics of the same name on the
project's cluster (role `bridged`, common/kafka_topics.py); the kafka family fills them with Google's Pub/Sub Group
Kafka Connector (`CloudPubSubSourceConnector`, a Maven artifact of the KafkaConnect's build) run by the project's
KafkaConnect (the same one as the Debezium connectors', or one of its own without them): one `KafkaConnector` per
bridged topic (`k8s/kafka/pubsub-bridge.yaml`), its subscription's messages written as they are (the body a byte[]
value through `ByteArrayConverter`, attributes as record headers, `kafka.record.headers`, so a message with
attributes is not turned into a struct), round robin over the topic's partitions. The Connect KafkaUser writes
exactly the bridged topics.

Settings (the source's `connection`): `project` is `cps.project`; `stream` is the subscription of a source with one
topic, else each topic's subscription is named like the topic (R522 warns when `stream` is given with several);
`private_key` (a service account's JSON key, a secret reference) is `gcp.credentials.json`; without it the
connector signs in with Application Default Credentials (the Connect pods' workload identity). References are read
through Strimzi's Secret config provider from the source's bridge Secret (`bridge_secret`, key = the reference's
name); without a `project`, key `GCP_PROJECT` of that Secret. Connector keys (`SOURCE_KEYS`) are version 1.3.2's
(CloudPubSubSourceConnector.config(), ConnectorUtils)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipegen.common.kafka_topics import bridge_runs, kafka_names
from pipegen.generators.base import GenContext, SecretKey
from pipegen.plan.kafkanames import bridge_connectors, bridge_secret
from pipegen.plan.pubsub_bridge import CONNECTOR_CLASS, KEY_CONVERTER, VALUE_CONVERTER, subscription
from pipegen.safe import Ident
from pipegen.spec.catalog import bridged_to_project_cluster
from pipegen.spec.model import Source
from pipegen.spec.types import parse_secret_ref

GROUP, ARTIFACT, VERSION = "com.google.cloud", "pubsub-group-kafka-connector", "1.3.2"
# The source connector's keys at 1.3.2 (googleapis/java-pubsub-group-kafka-connector, tag v1.3.2:
# CloudPubSubSourceConnector.config() and ConnectorUtils; README "Source Connector")
SOURCE_KEYS = frozenset({
    "cps.project", "cps.subscription", "cps.endpoint", "kafka.topic", "cps.maxBatchSize",
    "cps.makeOrderingKeyAttribute", "kafka.key.attribute", "kafka.timestamp.attribute", "kafka.partition.count",
    "kafka.partition.scheme", "gcp.credentials.file.path", "gcp.credentials.json", "kafka.record.headers",
    "cps.streamingPull.enabled", "cps.streamingPull.flowControlMessages", "cps.streamingPull.flowControlBytes",
    "cps.streamingPull.parallelStreams", "cps.streamingPull.maxAckExtensionMs",
    "cps.streamingPull.maxMsPerAckExtension",
})  # fmt: skip
CONNECT_KEYS = frozenset({"key.converter", "value.converter"})  # Kafka Connect's per-connector keys used here
PROJECT_KEY = "GCP_PROJECT"  # the bridge Secret's key of the project when the spec names none


@dataclass(frozen=True)
class Bridge:
    source: Source
    topic: str  # the Pub/Sub topic's spec name: the Kafka topic's too
    connector: Ident
    secret: Ident  # the source's bridge Secret
    partitions: int


def bridges(ctx: GenContext) -> list[Bridge]:
    """One per topic of every streamed Pub/Sub source, in spec order; none where the stream jobs read another
    cluster (common/kafka_topics.py `bridge_runs`: R528)."""
    if not bridge_runs(ctx):
        return []
    sources = [s for s in ctx.spec.sources if bridged_to_project_cluster(s)]
    pipeline = str(ctx.plan.names.pipeline)
    names = bridge_connectors(pipeline, [(s.name, t.name) for s in sources for t in s.topics])
    return [
        Bridge(s, t.name, names[(s.name, t.name)], bridge_secret(pipeline, s.name),
               max(1, ctx.plan.capacity.topic_partitions(f"{s.name}.{t.name}")))
        for s in sources for t in s.topics
    ]  # fmt: skip


def _value(ctx: GenContext, bridge: Bridge, value: str) -> str:
    """A setting as the connector reads it: a literal as written, a reference (`${secret:N}`, `${env:N}`) through
    Strimzi's Secret config provider from the bridge Secret's key N."""
    ref = parse_secret_ref(value)
    if ref is None:
        return value
    return f"${{secrets:{ctx.plan.names.k8s_namespace}/{bridge.secret}:{ref.name}}}"


def connector_config(ctx: GenContext, bridge: Bridge) -> dict[str, Any]:
    """The KafkaConnector's `spec.config` (class and tasksMax are spec fields)."""
    conn = bridge.source.connection
    project = conn.project or f"${{env:{PROJECT_KEY}}}"
    config: dict[str, Any] = {
        "key.converter": KEY_CONVERTER,
        "value.converter": VALUE_CONVERTER,
        "kafka.topic": bridge.topic,
        "cps.project": _value(ctx, bridge, project),
        "cps.subscription": _value(ctx, bridge, subscription(bridge.source, bridge.topic)),
        "kafka.record.headers": True,
        "kafka.partition.count": bridge.partitions,
        "kafka.partition.scheme": "round_robin",
    }
    if conn.private_key is not None:
        config["gcp.credentials.json"] = _value(ctx, bridge, conn.private_key)
    return config


def kafka_connector(ctx: GenContext, bridge: Bridge) -> dict[str, Any]:
    kafka = kafka_names(ctx)
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaConnector",
        "metadata": {
            "name": str(bridge.connector),
            "namespace": str(ctx.plan.names.k8s_namespace),
            "labels": {
                "strimzi.io/cluster": str(kafka.connect),
                "app.kubernetes.io/part-of": str(ctx.plan.names.pipeline),
            },
        },
        "spec": {"class": CONNECTOR_CLASS, "tasksMax": 1, "config": connector_config(ctx, bridge)},
    }


def plugin() -> dict[str, Any]:
    """The KafkaConnect build's plugin: the connector's jar with its dependencies from Maven Central."""
    return {
        "name": ARTIFACT,
        "artifacts": [{"type": "maven", "group": GROUP, "artifact": ARTIFACT, "version": VERSION}],
    }


def secret_names(found: list[Bridge]) -> list[str]:
    """The bridge Secrets the connectors read (the Connect config reader Role's)."""
    return sorted({str(b.secret) for b in found if _secret_keys(b)})


def _secret_keys(bridge: Bridge) -> list[str]:
    conn = bridge.source.connection
    values = [conn.project or f"${{env:{PROJECT_KEY}}}", subscription(bridge.source, bridge.topic), conn.private_key]
    return [ref.name for v in values if v is not None and (ref := parse_secret_ref(v)) is not None]


def secret_keys(found: list[Bridge]) -> tuple[SecretKey, ...]:
    """Every key of the bridge Secrets (docs/kafka.md and docs/kubernetes.md list them), once each."""
    out: dict[tuple[str, str], SecretKey] = {}
    for b in found:
        for key in _secret_keys(b):
            what = "the GCP project of the subscriptions" if key == PROJECT_KEY else f"the spec's `${{…:{key}}}`"
            source = f"yours: {what}, which the Pub/Sub bridge's KafkaConnectors read (config provider)"
            out.setdefault((str(b.secret), key), SecretKey(str(b.secret), key, source))
    return tuple(out.values())
