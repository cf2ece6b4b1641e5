"""The Pub/Sub bridge on Managed Kafka Connect (issue 21, gcpconnect48): where the Spark stream reads Google's Managed
Kafka (plan/pubsub_bridge.py `managed_connect`), the Strimzi bridge could only fill a cluster nothing reads, so
Terraform runs Google's Pub/Sub Source connector on a Managed Kafka Connect cluster attached to the project's Managed
Kafka cluster (`connect.tf`):

- `google_managed_kafka_connect_cluster.bridge` (google-beta: the google provider 6.50 has neither Connect resource),
  its id the naming layer's (`CloudNames.connect`), the cheapest capacity Google allows by default (3 vCPUs, 3 GiB:
  `capacity_config`'s minimums, 1 GiB per vCPU the least ratio), its workers in `connect_subnet` (a primary subnet of
  /22 or larger in the region, set before `terraform apply`). Its connectors' state lives on the Managed Kafka
  cluster, in topics Google's Connect runtime creates and names (not pipegen's `<pipeline>.connect.*`).
- one `google_managed_kafka_connector.pubsub` per bridged topic (`pubsub_connectors`: connector id -> its Kafka
  topic, subscription and project; the ids are the Strimzi bridge's KafkaConnector names, plan/kafkanames.py
  `bridge_connectors`; the subscription as plan/pubsub_bridge.py `subscription` names it): the same connector class,
  converters and keys as the Strimzi bridge's (generators/kafka/bridge.py), the topic's partitions from
  `kafka_topics`, where each bridged topic is declared (terraform/model.py `topics`).
- the connectors sign in to Pub/Sub as the Managed Kafka service agent
  (`service-<project number>@gcp-sa-managedkafka.iam.gserviceaccount.com`, Google's documented identity of a Connect
  cluster's connectors), granted `roles/pubsub.subscriber` and `roles/pubsub.viewer` on exactly the subscriptions of
  `pubsub_connectors` (what Google's Pub/Sub Source connector guide asks), nothing else. They write the Managed Kafka
  cluster as that agent too: a Connect cluster of the same project needs no grant, and the cluster has no Kafka ACL
  (Google's default `allow.everyone.if.no.acl.found`), so no ACL narrows the writes to the bridged topics."""

from __future__ import annotations

from pipegen.generators.terraform.common import number_var, regex_var
from pipegen.generators.terraform.gcp_bridge import PROJECT_RE, ROLES, SUBSCRIPTION_RE
from pipegen.generators.terraform.hcl import Attr, Block, Ref, Value, block, quote
from pipegen.generators.terraform.model import Cost, Infra, Var
from pipegen.plan.cloudnames import CloudNames
from pipegen.plan.kafkanames import bridge_connectors
from pipegen.plan.pubsub_bridge import CONNECTOR_CLASS, KEY_CONVERTER, VALUE_CONVERTER, managed_bridges

BETA = "google-beta"
BETA_SOURCE = "hashicorp/google-beta"
VCPUS, MEMORY_GIB = 3, 3  # capacity_config's minimums: 3 vCPUs, 3 GiB (vCPU:GiB from 1:1 to 1:8)
SERVICE_AGENT = ('"serviceAccount:service-${data.google_project.connect.number}'
                 '@gcp-sa-managedkafka.iam.gserviceaccount.com"')  # fmt: skip
RESTART = (("minimum_backoff", "60s"), ("maximum_backoff", "1800s"))  # a failed task restarts, backing off
DNS_LABEL_RE = "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"


def connectors(inf: Infra) -> dict[str, dict[str, Value]]:
    """Connector id -> {topic, project, subscription} of every topic the Connect cluster bridges, in spec order."""
    found = managed_bridges(inf.ctx.spec, inf.ctx.plan.graph.kinds)
    names = bridge_connectors(str(inf.ctx.plan.names.pipeline), [(g.source, g.topic) for g in found])
    return {str(names[(g.source, g.topic)]): {"topic": g.topic, "project": g.project or "",
                                              "subscription": g.subscription or ""} for g in found}  # fmt: skip


def runs(inf: Infra) -> bool:
    return inf.stream and bool(connectors(inf))


def topics(inf: Infra) -> list[str]:
    """The Kafka topics the connectors write (each declared on the Managed Kafka cluster)."""
    return list(dict.fromkeys(str(c["topic"]) for c in connectors(inf).values()))


def variables(inf: Infra) -> tuple[Var, ...]:
    if not runs(inf):
        return ()
    cond = (f"alltrue([for c in values(var.pubsub_connectors) : "
            f"can(regex({quote(SUBSCRIPTION_RE)}, c.subscription)) && can(regex({quote(PROJECT_RE)}, c.project)) "
            "&& contains(keys(var.kafka_topics), c.topic)])")  # fmt: skip
    ratio = "var.connect_memory_gib >= var.connect_vcpus && var.connect_memory_gib <= 8 * var.connect_vcpus"
    return (
        regex_var("connect_cluster_id", "Managed Kafka Connect cluster id (the Pub/Sub bridge's).", DNS_LABEL_RE,
                  "connect_cluster_id: a lowercase DNS label."),
        number_var("connect_vcpus", "Managed Kafka Connect vCPUs (at least 3).", VCPUS, 1000),
        Var("connect_memory_gib", "number", "Managed Kafka Connect memory, GiB (1-8 per vCPU).",
            ((f"var.connect_memory_gib >= {MEMORY_GIB} && floor(var.connect_memory_gib) == var.connect_memory_gib",
              f"connect_memory_gib: a whole number, at least {MEMORY_GIB}."),
             (ratio, "connect_memory_gib: from 1 to 8 GiB per vCPU of connect_vcpus."))),
        regex_var("connect_subnet", "The Connect workers' primary subnet (projects/P/regions/R/subnetworks/S: "
                  "RFC 1918, /22 or larger, in the region).", "^projects/[^/]+/regions/[^/]+/subnetworks/[^/]+$",
                  "connect_subnet: a subnetwork path."),
        Var("pubsub_connectors", "map(object({ topic = string, project = string, subscription = string }))",
            "Pub/Sub Source connector id -> the Kafka topic it writes (one of kafka_topics) and the subscription (and "
            "its project) it reads; the Managed Kafka service agent consumes exactly these.",
            ((cond, "pubsub_connectors: subscription ids, GCP project ids and topics of kafka_topics."),)),
    )  # fmt: skip


def values(inf: Infra, names: CloudNames) -> list[tuple[str, Value]]:
    if not runs(inf):
        return []
    return [("connect_cluster_id", str(names.connect)), ("connect_vcpus", VCPUS), ("connect_memory_gib", MEMORY_GIB),
            ("pubsub_connectors", dict(connectors(inf)))]  # fmt: skip


def _configs() -> dict[str, Value]:
    return {
        "connector.class": CONNECTOR_CLASS,
        "name": Ref("each.key"),
        "tasks.max": "1",
        "key.converter": KEY_CONVERTER,
        "value.converter": VALUE_CONVERTER,
        "kafka.topic": Ref("each.value.topic"),
        "cps.project": Ref("each.value.project"),
        "cps.subscription": Ref("each.value.subscription"),
        "kafka.record.headers": "true",
        "kafka.partition.count": Ref("tostring(var.kafka_topics[each.value.topic])"),
        "kafka.partition.scheme": "round_robin",
    }


def blocks(inf: Infra) -> tuple[Block, ...]:
    if not runs(inf):
        return ()
    beta = Attr("provider", Ref(BETA))
    grants = tuple(
        block("resource", "google_pubsub_subscription_iam_member", f"connect_{label}", body=[
            Attr("for_each", Ref("var.pubsub_connectors")), Attr("project", Ref("each.value.project")),
            Attr("subscription", Ref("each.value.subscription")), Attr("role", role),
            Attr("member", Ref(SERVICE_AGENT))])
        for label, role in ROLES
    )  # fmt: skip
    return (
        block("data", "google_project", "connect", body=[Attr("project_id", Ref("var.project"))]),
        block("resource", "google_managed_kafka_connect_cluster", "bridge", body=[
            beta, Attr("connect_cluster_id", Ref("var.connect_cluster_id")),
            Attr("kafka_cluster", Ref("google_managed_kafka_cluster.kafka.id")), Attr("location", Ref("var.region")),
            Attr("labels", Ref("var.tags")),
            block("capacity_config", body=[
                Attr("vcpu_count", Ref("tostring(var.connect_vcpus)")),
                Attr("memory_bytes", Ref("tostring(var.connect_memory_gib * 1073741824)"))]),
            block("gcp_config", body=[block("access_config", body=[
                block("network_configs", body=[Attr("primary_subnet", Ref("var.connect_subnet"))])])])]),
        *grants,
        block("resource", "google_managed_kafka_connector", "pubsub", body=[
            beta, Attr("for_each", Ref("var.pubsub_connectors")), Attr("connector_id", Ref("each.key")),
            Attr("connect_cluster", Ref("google_managed_kafka_connect_cluster.bridge.connect_cluster_id")),
            Attr("location", Ref("var.region")), Attr("configs", _configs()),
            Attr("depends_on", [Ref("google_managed_kafka_topic.topic"), *(
                Ref(f"google_pubsub_subscription_iam_member.connect_{label}") for label, _ in ROLES)]),
            block("task_restart_policy", body=[Attr(k, v) for k, v in RESTART])]),
    )  # fmt: skip


def costs(inf: Infra, prices: dict[str, float]) -> list[Cost]:
    """The Connect cluster's vCPUs and memory, priced as the Managed Kafka cluster's (`kafka_vcpu`, `kafka_gib`)."""
    if not runs(inf):
        return []
    return [Cost("Managed Kafka Connect vCPUs (priced as Managed Kafka's)", VCPUS, "vCPU-month", prices["kafka_vcpu"]),
            Cost("Managed Kafka Connect memory (priced as Managed Kafka's)", MEMORY_GIB, "GiB-month",
                 prices["kafka_gib"])]  # fmt: skip
