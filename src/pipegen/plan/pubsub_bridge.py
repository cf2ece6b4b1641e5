"""Where the Pub/Sub bridge runs and what it reads, from the spec and the plan (the kafka family's
generators/kafka/bridge.py writes it on Strimzi, the terraform family's gcp_connect.py on Managed Kafka Connect; the
terraform family grants their identities; validate warns where neither can).

Which cluster reads the bridged topics (the stream jobs read a Pub/Sub topic as the Kafka topic of the same name on
the project's cluster, spec.catalog `bridged_to_project_cluster`): the Flink jobs read the Strimzi cluster (mutual
TLS) on every cloud, which the bridge (Google's Pub/Sub Group Kafka Connector on the Strimzi KafkaConnect) fills; on
GCP the Spark stream (Dataproc Serverless, or Databricks: R461) reads Google's Managed Kafka (OAUTHBEARER as its
service account, common.spark_stream `managed_kafka_oauth`), which the Strimzi KafkaConnect cannot write.

- There (`bridge_reads_elsewhere`) Terraform runs the same connector on a Managed Kafka Connect cluster attached to
  the Managed Kafka cluster (`managed_connect`; google-beta's `google_managed_kafka_connect_cluster` and one
  `google_managed_kafka_connector` per topic of `managed_bridges`), its connectors signed in to Pub/Sub as the
  Managed Kafka service agent, which Terraform grants exactly those subscriptions.
- R528: what still cannot be bridged there: no Terraform (nothing creates the Connect cluster; at the source's
  `type`), a subscription Terraform cannot name (no `project`, a `${…}` reference as `project` or `stream`: the
  connector's `cps.project`/`cps.subscription` are Terraform values; located there), and a `private_key`, which no
  Managed Kafka Connect connector reads (the service agent signs in; located there; the topics are still bridged).
- R529: where the bridge runs on Kubernetes with Terraform and signs in with Application Default Credentials (no
  `private_key`: the Connect pods' GKE Workload Identity, common/workload_identity.py `bridge`), Terraform grants the
  bridge's service account each subscription it reads (`bridge_subscriptions`); a subscription whose project or name
  is not in the spec (no `project`: the bridge Secret's GCP_PROJECT; a `${…}` reference) is granted by nobody."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipegen.plan.components import Graph, Kind
from pipegen.spec.catalog import bridged_to_project_cluster
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Cloud, Source, Spec
from pipegen.spec.types import parse_secret_ref

# Google's Pub/Sub Source connector (googleapis/java-pubsub-group-kafka-connector) and the converters both bridges
# give it: the message body as the record's byte[] value, no key
CONNECTOR_CLASS = "com.google.pubsub.kafka.source.CloudPubSubSourceConnector"
KEY_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
VALUE_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter"  # Kafka Connect's own (connect-runtime)


def bridge_reads_elsewhere(spec: Spec, kinds: frozenset[str]) -> bool:
    """The stream jobs read the bridged topics from a cluster the Strimzi bridge cannot write: the Spark stream on
    GCP, which reads Managed Kafka (there Managed Kafka Connect bridges them: `managed_connect`)."""
    return spec.cloud == Cloud.GCP and Kind.SPARK_STREAMING in kinds


def managed_connect(spec: Spec, kinds: frozenset[str]) -> bool:
    """Terraform runs the bridge on a Managed Kafka Connect cluster: the Spark stream reads Managed Kafka on GCP, a
    streamed Pub/Sub source, and Terraform is generated."""
    return (bridge_reads_elsewhere(spec, kinds) and Kind.CLOUD_INFRASTRUCTURE in kinds
            and any(bridged_to_project_cluster(s) for s in spec.sources))  # fmt: skip


def bridged_sources(spec: Spec, kinds: frozenset[str]) -> list[tuple[int, Source]]:
    """(index, source) of every streamed Pub/Sub source the bridge fills (none where R528 holds)."""
    if bridge_reads_elsewhere(spec, kinds):
        return []
    return [(i, s) for i, s in enumerate(spec.sources) if bridged_to_project_cluster(s)]


def subscription(source: Source, topic: str) -> str:
    """The subscription a topic is bridged from: the source's `stream` when it has one topic, else the topic's name
    (R522)."""
    stream = source.connection.stream
    return stream if stream is not None and len(source.topics) == 1 else topic


def workload_identity(source: Source) -> bool:
    """The bridge signs in to Pub/Sub for this source with Application Default Credentials (no `private_key`)."""
    return source.connection.private_key is None


@dataclass(frozen=True)
class Grant:
    source: str
    topic: str
    project: str | None  # None: not in the spec (absent, or a reference)
    subscription: str | None  # None: a reference


def _literal(value: str | None) -> str | None:
    return value if value is not None and parse_secret_ref(value) is None else None


def topic_grants(source: Source) -> list[Grant]:
    """A bridged source's topics, each with the project and subscription it is read from as Terraform can name
    them (None where the spec gives no literal)."""
    project = _literal(source.connection.project)
    return [Grant(source.name, t.name, project, _literal(subscription(source, t.name))) for t in source.topics]


def grants(spec: Spec, kinds: frozenset[str]) -> list[Grant]:
    """What the bridge's own identity must consume, per bridged topic signed in with workload identity."""
    return [g for _, source in bridged_sources(spec, kinds) if workload_identity(source) for g in topic_grants(source)]


def managed_bridges(spec: Spec, kinds: frozenset[str]) -> list[Grant]:
    """One per topic Managed Kafka Connect bridges (`managed_connect`): a streamed Pub/Sub source's topics whose
    project and subscription the spec names as literals (the others are R528's), in spec order."""
    if not managed_connect(spec, kinds):
        return []
    return [g for source in spec.sources if bridged_to_project_cluster(source) for g in topic_grants(source)
            if g.project is not None and g.subscription is not None]  # fmt: skip


def federated(spec: Spec, kinds: frozenset[str]) -> bool:
    """Terraform federates the Connect pods with the bridge identity: on GCP with Kubernetes and Terraform, a bridged
    source signing in with workload identity."""
    deployed = {Kind.KUBERNETES_MANIFESTS, Kind.CLOUD_INFRASTRUCTURE} <= kinds
    return spec.cloud == Cloud.GCP and deployed and bool(grants(spec, kinds))


def bridge_findings(spec: Spec, graph: Graph) -> Iterator[Finding]:
    yield from _unbridged_managed_kafka(spec, graph)
    yield from _ungranted_subscriptions(spec, graph)


WHERE_READ = (
    "the Spark stream reads its topics as the Kafka topics of the same name on Google's Managed Kafka, which the "
    "Pub/Sub bridge fills there from a Managed Kafka Connect cluster Terraform creates (`terraform/modules/platform/"
    "connect.tf`: Google's Pub/Sub Source connector, one per topic)"
)


def _unbridged_managed_kafka(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R528: what Managed Kafka Connect cannot bridge where the Spark stream reads Managed Kafka."""
    if not bridge_reads_elsewhere(spec, graph.kinds):
        return
    terraform = Kind.CLOUD_INFRASTRUCTURE in graph.kinds
    for i, source in enumerate(spec.sources):
        if not bridged_to_project_cluster(source):
            continue
        found = _unbridged(source, terraform)
        if found is not None:
            where, what, hint = found
            yield Finding(("sources", i, *where), "R528", f"source '{source.name}': {WHERE_READ}, but {what}", hint,
                          severity="warning")  # fmt: skip
        if terraform and source.connection.private_key is not None:
            yield Finding(
                ("sources", i, "connection", "private_key"), "R528",
                f"source '{source.name}': {WHERE_READ}; a Managed Kafka Connect connector signs in to Pub/Sub as the "
                "Managed Kafka service agent (`service-<project number>@gcp-sa-managedkafka.iam.gserviceaccount.com`), "
                "which Terraform grants the subscriptions, so `private_key` reaches no connector",
                "remove `private_key` (or stream with Flink, `engines.stream: flink`, whose Strimzi bridge reads it)",
                severity="warning",
            )  # fmt: skip


def _unbridged(source: Source, terraform: bool) -> tuple[tuple[str, ...], str, str] | None:
    """(where, what, hint) when no topic of the source is bridged to Managed Kafka, else None."""
    if not terraform:
        return (("type",), "Terraform is not generated (`deploy.terraform`), so nothing creates the Connect cluster "
                "and nothing fills the topics the Spark stream reads",
                "enable `deploy.terraform`, run Google's Pub/Sub Source connector (`" + CONNECTOR_CLASS + "`) on a "
                "Managed Kafka Connect cluster yourself, or stream with Flink (`engines.stream: flink`), whose jobs "
                "read the Strimzi cluster the generated bridge fills")  # fmt: skip
    conn = source.connection
    hint = ("write `connection.project` (and `stream`) as literals, or create the connectors yourself "
            "(`cps.project`, `cps.subscription`, `kafka.topic`) on the generated Connect cluster")  # fmt: skip
    if conn.project is None:
        return ("type",), "it names no `project`, which a connector's `cps.project` needs, so none is generated", hint
    if parse_secret_ref(conn.project) is not None:
        return (("connection", "project"), "its `project` is a reference, and a connector's `cps.project` is a "
                "Terraform value, so none is generated", hint)  # fmt: skip
    if conn.stream is not None and len(source.topics) == 1 and parse_secret_ref(conn.stream) is not None:
        return (("connection", "stream"), "its subscription (`stream`) is a reference, and a connector's "
                "`cps.subscription` is a Terraform value, so none is generated", hint)  # fmt: skip
    return None


def _ungranted_subscriptions(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R529, once per source: at `connection.project` or `connection.stream` (the value Terraform cannot know)."""
    if not federated(spec, graph.kinds):
        return
    index = {s.name: i for i, s in enumerate(spec.sources)}
    seen: set[str] = set()
    for g in grants(spec, graph.kinds):
        if (g.project is not None and g.subscription is not None) or g.source in seen:
            continue
        seen.add(g.source)
        i = index[g.source]
        project = spec.sources[i].connection.project
        if g.project is None:
            where: tuple[str | int, ...] = ("sources", i, "connection", "project") if project else ("sources", i)
            what = (
                "its `project` is a reference" if project else "it names no `project` (the bridge Secret's GCP_PROJECT)"
            )
        else:
            where, what = ("sources", i, "connection", "stream"), "its subscription (`stream`) is a reference"
        yield Finding(
            where, "R529",
            f"Pub/Sub source '{g.source}': the bridge's KafkaConnectors sign in with the Connect pods' workload "
            "identity (no `private_key`), and Terraform grants that service account the subscriptions it reads, but "
            f"{what}, so Terraform grants it no subscription of this source and the connectors cannot consume until "
            "you do",
            "write `connection.project` (and `stream`) as literals, or grant the bridge's service account (Terraform's "
            "`workload_service_accounts` output, key `bridge`) roles/pubsub.subscriber and roles/pubsub.viewer on the "
            "subscriptions yourself",
            severity="warning",
        )  # fmt: skip
