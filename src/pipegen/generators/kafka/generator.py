"""kafka family: Kafka on Strimzi (kafka.strimzi.io/v1 only; Strimzi 1.x removed v1beta2).

Writes under `k8s/kafka/`:
- `kafka.yaml`: the `Kafka` cluster in KRaft mode with two `KafkaNodePool`s (controllers,
  brokers sized by the plan), a TLS listener with mutual-TLS client authentication, simple
  authorization, replication and transaction-log settings for exactly-once, no topic
  auto-creation (topics are declared);
- `topics.yaml`: a `KafkaTopic` per topic of the project's one list (common/kafka_topics.py, which compose.yaml's
  `kafka-topics` service creates too), by role (`TOPIC_ROLES`): per CDC table (compacted, partitions from the
  plan's capacity figures), per stream dataset read from this cluster (a Faker stream, a Kafka source without
  `bootstrap_servers`: `DatasetNames.read_topic`) its topic, per streaming dataset its dead-letter topic
  (retained), the validation-events topic (retained), per stream job whose Kafka target is this cluster its output
  topic, per stream job whose target ingests its rows from Kafka (ClickHouse) its relay topic (`relays.py`), each
  connector's schema history and heartbeat topics, and the Connect workers' storage topics;
- `users.yaml`: one `KafkaUser` per component with least-privilege ACLs (`acls_for`; the stream
  dead letters' redrive: `redrive_acls`; the batch reader of Kafka topics: `ingest_acls`);
- `connect.yaml` (when there are CDC or Pub/Sub sources): the `KafkaConnect` that builds an image with
  the Debezium plugins the connectors need and the Pub/Sub Group Kafka Connector (`bridge.py`), exactly-once
  source support, Strimzi's Kubernetes
  config providers for the connectors' secret references; `connect-rbac.yaml`: the Role that
  lets the Connect service account read exactly the Secrets/ConfigMaps the connectors name;
  with `monitoring.prometheus`, connect.yaml also holds the JMX exporter rules (a ConfigMap) its
  `metricsConfig` names (`connect_metrics.py`: Debezium's streaming metrics, CDC lag among them);
- `pubsub-bridge.yaml` (Pub/Sub sources): a `KafkaConnector` per bridged topic (`bridge.py`).
`docs/kafka.md` lists every key of every Secret the KafkaConnect and its connectors read (`secrets.py`).
The connectors themselves are the debezium family's `debezium/strimzi/*.yaml`; both come from
`pipegen.plan.cdc`.
"""

from __future__ import annotations

import re
from typing import Any

from pipegen.common.faker_streams import cluster_streams
from pipegen.common.kafka_clients import publishes_events, topic_reads
from pipegen.common.kafka_topics import (
    DAY_MS,
    LISTENER_PORT,
    TOPIC_ROLES,
    Topic,
    TopicRole,
    bridge_runs,
    declared_partitions,
    kafka_names,
    min_isr,
    plan_connectors,
    replicas,
    sized,
    topic_config,
    topics,
)
from pipegen.common.kafka_topics import (
    relays as topic_relays,
)
from pipegen.common.secret_sources import secret_rows
from pipegen.common.stream_rules import dead_letter_tables
from pipegen.common.workload_identity import BRIDGE_IDENTITY, pod_identities
from pipegen.generators.base import Contribution, Files, GenContext
from pipegen.generators.kafka import bridge, connect_metrics, relays, secrets
from pipegen.plan.capacity import KAFKA_REPLICATION
from pipegen.plan.cdc import DEBEZIUM_VERSION, KAFKA_VERSION, Connector, Runtime, worker_providers
from pipegen.plan.components import Kind
from pipegen.plan.names import k8s_labels
from pipegen.render.env import render
from pipegen.render.yamldoc import yaml_doc
from pipegen.safe import Ident, trusted
from pipegen.spec.model import TargetType

API = "kafka.strimzi.io/v1"
CONTROLLERS = 3
CONTROLLER_GIB = 20


def brokers(ctx: GenContext) -> int:
    return max(replicas(ctx), sized(ctx, "Kafka brokers", KAFKA_REPLICATION))


def _meta(ctx: GenContext, name: str, cluster_label: str | None = None) -> dict[str, Any]:
    labels = {"app.kubernetes.io/part-of": str(ctx.plan.names.pipeline)}
    if cluster_label:
        labels = {"strimzi.io/cluster": cluster_label, **labels}
    return {"name": name, "namespace": str(ctx.plan.names.k8s_namespace), "labels": labels}


# ---------------------------------------------------------------- cluster


def broker_storage_gib(ctx: GenContext) -> int:
    """Disk per broker (the plan's capacity: a week of the streaming tables' bytes, replicated)."""
    return ctx.plan.capacity.broker_gib(brokers(ctx), replicas(ctx))


def node_pool(ctx: GenContext, name: str, role: str, count: int, gib: int) -> dict[str, Any]:
    kafka = kafka_names(ctx)
    volume = {"id": 0, "type": "persistent-claim", "size": f"{gib}Gi", "deleteClaim": False, "kraftMetadata": "shared"}
    return {
        "apiVersion": API,
        "kind": "KafkaNodePool",
        "metadata": _meta(ctx, name, str(kafka.cluster)),
        "spec": {"replicas": count, "roles": [role], "storage": {"type": "jbod", "volumes": [volume]}},
    }


def kafka_cluster(ctx: GenContext) -> dict[str, Any]:
    kafka = kafka_names(ctx)
    rf, isr = replicas(ctx), min_isr(ctx)
    return {
        "apiVersion": API,
        "kind": "Kafka",
        "metadata": _meta(ctx, str(kafka.cluster)),
        "spec": {
            "kafka": {
                "version": KAFKA_VERSION,
                "listeners": [
                    {"name": "tls", "port": LISTENER_PORT, "type": "internal", "tls": True,
                     "authentication": {"type": "tls"}},
                ],
                "authorization": {"type": "simple"},
                "config": {
                    "auto.create.topics.enable": False,
                    "default.replication.factor": rf,
                    "min.insync.replicas": isr,
                    "offsets.topic.replication.factor": rf,
                    "transaction.state.log.replication.factor": rf,
                    "transaction.state.log.min.isr": isr,
                },
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
            **_exporter(ctx),
        },
    }  # fmt: skip


def _exporter(ctx: GenContext) -> dict[str, Any]:
    """Strimzi's Kafka Exporter (consumer-group lag, topic offsets: the monitoring family's consumer-lag
    alert reads `kafka_consumergroup_lag`), over the pipeline's topics, when monitoring is on."""
    if not ctx.spec.monitoring.prometheus:
        return {}
    return {"kafkaExporter": {"topicRegex": re.escape(f"{ctx.plan.names.pipeline}.") + ".*", "groupRegex": ".*"}}


def _connect_metrics(ctx: GenContext) -> dict[str, Any]:
    """The KafkaConnect's `metricsConfig` (connect_metrics.py), when monitoring is on."""
    if not ctx.spec.monitoring.prometheus:
        return {}
    return {"metricsConfig": connect_metrics.metrics_config(str(kafka_names(ctx).connect_metrics))}


def connect_metrics_config_map(ctx: GenContext) -> list[dict[str, Any]]:
    """The ConfigMap of the Connect pods' JMX exporter rules, when monitoring is on."""
    if not ctx.spec.monitoring.prometheus:
        return []
    name = str(kafka_names(ctx).connect_metrics)
    return [connect_metrics.config_map(name, _meta(ctx, name), yaml_doc(connect_metrics.exporter_config()))]


# ---------------------------------------------------------------- topics


def kafka_topic(ctx: GenContext, topic: Topic, k8s_name: str) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "KafkaTopic",
        "metadata": _meta(ctx, k8s_name, str(kafka_names(ctx).cluster)),
        "spec": {
            "topicName": topic.name,
            "partitions": declared_partitions(topic),
            "replicas": replicas(ctx),
            "config": topic_config(topic, min_isr(ctx)),
        },
    }


# ---------------------------------------------------------------- users and ACLs


def _acl(kind: str, name: str, ops: list[str], pattern: str = "literal") -> dict[str, Any]:
    resource: dict[str, Any] = {"type": kind}
    if kind != "cluster":
        resource.update({"name": name, "patternType": pattern})
    return {"resource": resource, "operations": ops}


def acls_for(ctx: GenContext) -> dict[str, list[dict[str, Any]]]:
    """Least privilege per component: what each one reads, writes and creates, nothing else."""
    names, kafka = ctx.plan.names, kafka_names(ctx)
    all_topics = topics(ctx)
    cdc = [t.name for t in all_topics if t.role == "cdc"]
    dlq = [t.name for t in all_topics if t.role == "dead-letter"]
    read = [t.name for t in all_topics if t.role in ("cdc", "stream", "bridged")]
    users: dict[str, list[dict[str, Any]]] = {}
    connectors_ = plan_connectors(ctx)
    # the Pub/Sub bridge's connectors write them (where it runs: kafka_topics.bridge_runs)
    bridged = [t.name for t in all_topics if t.role == "bridged"] if bridge_runs(ctx) else []
    if connectors_ or bridged:
        worker = [str(kafka.connect_configs), str(kafka.connect_offsets), str(kafka.connect_status)]
        history = [str(c.names.history_topic) for c in connectors_ if c.system.historized]
        users[str(kafka.connect_user)] = [
            _acl("group", str(kafka.connect_group), ["Read"]),
            *[_acl("topic", t, ["Read", "Write", "Describe"]) for t in worker],
            *[_acl("topic", t, ["Write", "Describe"]) for t in [*cdc, *bridged]],
            *[_acl("topic", str(c.names.heartbeat_topic), ["Write", "Describe"]) for c in connectors_],
            *[_acl("topic", t, ["Read", "Write", "Describe"]) for t in history],
            # Debezium's schema history consumer joins its own group (CdcNames.history_group)
            *[_acl("group", str(c.names.history_group), ["Read"]) for c in connectors_ if c.system.historized],
            _acl("transactionalId", str(kafka.connect_group), ["Write", "Describe"], "prefix"),
            _acl("cluster", "", ["IdempotentWrite", "Describe"]),
        ]
    streams = [str(s.output_topic) for s in names.streams if s.job in kafka_sinks(ctx)]
    streams += [str(n.topic) for _, n in topic_relays(ctx)]
    if "flink" in ctx.families:
        users[str(kafka.flink_user)] = [
            *[_acl("topic", t, ["Read", "Describe"]) for t in read],
            *[_acl("topic", t, ["Write", "Describe"]) for t in [*dlq, *streams]],
            _acl("topic", str(names.events_topic), ["Write", "Describe"]),  # the quality jobs' validation events
            # group.id and sink.transactional-id-prefix of every Flink job (and replay version) are its flink_job
            _acl("group", str(kafka.flink_clients), ["Read"], "prefix"),
            _acl("transactionalId", str(kafka.flink_clients), ["Write", "Describe"], "prefix"),
            _acl("cluster", "", ["IdempotentWrite"]),
        ]
    if Kind.SPARK_STREAMING in ctx.plan.graph.kinds and read:
        # the spark family's stream reads them; Spark's Kafka source joins groups named
        # `<groupIdPrefix>-<uuid>-...` (the job's option, KafkaNames.spark_group) and commits no offsets
        users[str(kafka.spark_user)] = [
            *[_acl("topic", t, ["Read", "Describe"]) for t in read],
            _acl("group", str(kafka.spark_group), ["Read"], "prefix"),
        ]
    users.update(relays.reader_acls(ctx, _acl))
    redrive = redrive_acls(ctx)
    if redrive:
        users[str(kafka.redrive_user)] = redrive
    publish = [_acl("topic", str(names.events_topic), ["Write", "Describe"]), _acl("cluster", "", ["IdempotentWrite"])]
    if "gx" in ctx.families or ctx.spec.quality.events.sink.value == "kafka":
        users[str(kafka.quality_user)] = publish
    if topic_reads(ctx):
        users[str(kafka.ingest_user)] = [*ingest_acls(ctx), *(publish if publishes_events(ctx) else [])]
    if generated := cluster_streams(ctx):  # the Faker streams' generators (the kubernetes family's Deployments)
        users[str(kafka.generator_user)] = [
            *[_acl("topic", t, ["Write", "Describe"]) for t in dict.fromkeys(s.topic for s in generated)],
            _acl("cluster", "", ["IdempotentWrite"]),
        ]
    return users


def ingest_acls(ctx: GenContext) -> list[dict[str, Any]]:
    """The batch reader of Kafka topics (pipeline/topics.py): Read and Describe (its metadata, watermark
    offsets and fetches) on exactly the topics it reads, Read (its offset commits and fetches) on each
    one's consumer group, literal names; it joins no group and writes nothing."""
    reads = topic_reads(ctx)
    return [
        *[_acl("topic", t, ["Read", "Describe"]) for t in dict.fromkeys(n.read_topic for n in reads)],
        *[_acl("group", str(n.ingest_group), ["Read"]) for n in reads],
    ]


def redrive_acls(ctx: GenContext) -> list[dict[str, Any]]:
    """The stream dead letters' redrive (the flink family's pipeline/redrive.py): per table whose dead
    letters can go back, read its `.dlq` topic as its own consumer group and write the topic its
    events are read from in transactions of its own id; nothing without such a table."""
    if "flink" not in ctx.families:
        return []
    names, out = ctx.plan.names, []
    for ref, blocker in dead_letter_tables(ctx.spec, names):
        if blocker is not None:
            continue
        ds, redrive = (
            names.dataset(ref.source.name, ref.dataset.name),
            names.quality_jobs(ref.source.name, ref.dataset.name).redrive,
        )
        out += [
            _acl("topic", str(ds.dead_letter_topic), ["Read", "Describe"]),
            _acl("topic", ds.read_topic, ["Write", "Describe"]),
            _acl("group", str(redrive), ["Read"]),
            _acl("transactionalId", str(redrive), ["Write", "Describe"]),
        ]
    return [*out, _acl("cluster", "", ["IdempotentWrite"])] if out else []


def kafka_sinks(ctx: GenContext) -> set[str]:
    """The stream jobs whose sink is a Kafka target (the Flink user writes their output topics)."""
    kafka = {t.name.lower() for t in ctx.spec.targets if t.type == TargetType.KAFKA}
    first = ctx.spec.targets[0].name.lower() if ctx.spec.targets else ""
    return {j.name for j in ctx.spec.transforms.streams if (j.sink.target.lower() if j.sink else first) in kafka}


def kafka_user(ctx: GenContext, name: str, acls: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "KafkaUser",
        "metadata": _meta(ctx, name, str(kafka_names(ctx).cluster)),
        "spec": {"authentication": {"type": "tls"}, "authorization": {"type": "simple", "acls": acls}},
    }


# ---------------------------------------------------------------- Kafka Connect


def connect_image(ctx: GenContext) -> str:
    kafka = kafka_names(ctx)
    return f"registry.local/{ctx.plan.names.k8s_namespace}/{kafka.connect}:{DEBEZIUM_VERSION}"


def kafka_connect(ctx: GenContext, items: tuple[Connector, ...], bridged: bool = False) -> dict[str, Any]:
    """The project's KafkaConnect: the Debezium connectors' plugins, with `bridged` the Pub/Sub bridge's."""
    kafka = kafka_names(ctx)
    plugins = sorted({c.system.plugin for c in items})
    config: dict[str, Any] = {
        **worker_providers(Runtime.STRIMZI),
        "config.storage.replication.factor": -1,  # the broker default (the cluster's replication factor)
        "offset.storage.replication.factor": -1,
        "status.storage.replication.factor": -1,
        "exactly.once.source.support": "enabled",  # KIP-618: source records written in transactions
        "consumer.isolation.level": "read_committed",
        "producer.enable.idempotence": True,
        "producer.acks": "all",
    }
    return {
        "apiVersion": API,
        "kind": "KafkaConnect",
        "metadata": {
            **_meta(ctx, str(kafka.connect)),
            "annotations": {"strimzi.io/use-connector-resources": "true"},
        },
        "spec": {
            "version": KAFKA_VERSION,
            "replicas": 1,
            "bootstrapServers": f"{kafka.bootstrap}:{LISTENER_PORT}",
            "groupId": str(kafka.connect_group),
            "configStorageTopic": str(kafka.connect_configs),
            "offsetStorageTopic": str(kafka.connect_offsets),
            "statusStorageTopic": str(kafka.connect_status),
            "tls": {"trustedCertificates": [{"secretName": str(kafka.cluster_ca_secret), "pattern": "*.crt"}]},
            "authentication": {
                "type": "tls",
                "certificateAndKey": {
                    "secretName": str(kafka.connect_user),
                    "certificate": "user.crt",
                    "key": "user.key",
                },
            },
            "config": config,
            **_connect_metrics(ctx),
            "build": {
                "output": {"type": "docker", "image": connect_image(ctx), "pushSecret": str(kafka.connect_push_secret)},
                "plugins": [
                    {
                        "name": plugin,
                        "artifacts": [
                            {"type": "maven", "group": "io.debezium", "artifact": plugin, "version": DEBEZIUM_VERSION}
                        ],
                    }
                    for plugin in plugins
                ]
                + ([bridge.plugin()] if bridged else []),
            },
        },
    }


def connect_rbac(ctx: GenContext, items: tuple[Connector, ...], bridges: list[bridge.Bridge]) -> list[dict[str, Any]]:
    """Role + RoleBinding: the Connect pods' service account may read exactly the connectors' Secrets/ConfigMaps."""
    kafka = kafka_names(ctx)
    ns = str(ctx.plan.names.k8s_namespace)
    credentials = sorted(
        {str(c.names.credentials_secret) for c in items if c.secrets} | {*bridge.secret_names(bridges)}
    )
    configmaps = sorted({str(c.names.settings_configmap) for c in items if c.env_names})
    rules = [
        {"apiGroups": [""], "resources": [kind], "resourceNames": names, "verbs": ["get"]}
        for kind, names in (("secrets", credentials), ("configmaps", configmaps))
        if names
    ]
    role = str(kafka.connect_config_reader)
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(ctx, role), "rules": rules},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta(ctx, role),
            "subjects": [{"kind": "ServiceAccount", "name": str(kafka.connect_service_account), "namespace": ns}],
            "roleRef": {"kind": "Role", "name": role, "apiGroup": "rbac.authorization.k8s.io"},
        },
    ]


def _retention(role: TopicRole) -> str:
    if role.retention_ms is None:
        return "latest per key" if role.cleanup == "compact" else "broker default"
    if role.retention_ms < 0:
        return "forever"
    days = role.retention_ms // DAY_MS
    return f"{days} day" if days == 1 else f"{days} days"


def docs_context(ctx: GenContext, all_topics: list[Topic], items: tuple[Connector, ...]) -> dict[str, Any]:
    kafka, bridges = kafka_names(ctx), bridge.bridges(ctx)
    rows = []
    for t in all_topics:
        role = TOPIC_ROLES[t.role]
        rows.append(
            {
                "name": t.name,  # a Kafka or Pub/Sub source's topic is the spec's name as written: md_code
                "role": trusted(t.role),
                "partitions": declared_partitions(t),
                "cleanup": trusted(role.cleanup),
                "retention": trusted(_retention(role)),
            }
        )
    users = []
    for user, acls in acls_for(ctx).items():
        for acl in acls:
            res = acl["resource"]
            users.append({
                "user": Ident(user),
                "kind": trusted(res["type"]),  # Strimzi's resource types
                "name": res.get("name"),  # a topic may be the spec's name as written: md_code
                "prefix": res.get("patternType") == "prefix",
                "ops": trusted(", ".join(acl["operations"])),
            })  # fmt: skip
    return {
        "namespace": ctx.plan.names.k8s_namespace,
        "cluster": kafka.cluster,
        "kafka_version": trusted(KAFKA_VERSION),
        "controllers": CONTROLLERS,
        "brokers": brokers(ctx),
        "broker_disk": trusted(f"{broker_storage_gib(ctx)} GiB"),
        "replicas": replicas(ctx),
        "min_isr": min_isr(ctx),
        "connect": kafka.connect if items or bridges else None,
        "cdc": bool(items),
        "push_secret": kafka.connect_push_secret,
        "image": trusted(connect_image(ctx)),
        "topics": rows,
        "bridged": any(t.role == "bridged" for t in all_topics),
        "users": users,
        "bridges": [{"connector": b.connector, "topic": b.topic} for b in bridges],
        "bridge_identity": any(p.identity == BRIDGE_IDENTITY for p in pod_identities(ctx)),
        "secret_rows": secret_rows(secrets.connect_keys(ctx, items, bridges)),
    }  # fmt: skip


def documents(docs: list[dict[str, Any]]) -> str:
    return "---\n".join(yaml_doc(d) for d in docs)


CLUSTER_FILES = ("k8s/kafka/kafka.yaml", "k8s/kafka/topics.yaml", "k8s/kafka/users.yaml")
CONNECT_FILES = ("k8s/kafka/connect.yaml", "k8s/kafka/connect-rbac.yaml")
BRIDGE_FILE = "k8s/kafka/pubsub-bridge.yaml"


class KafkaGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        items, bridges = plan_connectors(ctx), bridge.bridges(ctx)
        return Contribution(
            manifests=(
                *CLUSTER_FILES,
                *(CONNECT_FILES if items or bridges else ()),
                *((BRIDGE_FILE,) if bridges else ()),
            ),
            secret_keys=secrets.connect_keys(ctx, items, bridges),  # the KafkaConnect's (docs/kubernetes.md)
        )

    def render(self, ctx: GenContext) -> Files:
        kafka = kafka_names(ctx)
        pools = kafka.node_pools
        all_topics = topics(ctx)
        labels = k8s_labels([t.name for t in all_topics])
        cluster, topics_file, users_file = CLUSTER_FILES
        files: Files = {
            cluster: documents(
                [
                    node_pool(ctx, str(pools[0]), "controller", CONTROLLERS, CONTROLLER_GIB),
                    node_pool(ctx, str(pools[1]), "broker", brokers(ctx), broker_storage_gib(ctx)),
                    kafka_cluster(ctx),
                ]
            ),
            topics_file: documents([kafka_topic(ctx, t, str(labels[t.name])) for t in all_topics]),
            users_file: documents([kafka_user(ctx, n, a) for n, a in acls_for(ctx).items()]),
        }
        items = plan_connectors(ctx)
        files["docs/kafka.md"] = render("kafka/kafka.md.j2", docs_context(ctx, all_topics, items))
        bridges = bridge.bridges(ctx)
        if items or bridges:
            connect = kafka_connect(ctx, items, bool(bridges))
            files[CONNECT_FILES[0]] = documents([connect, *connect_metrics_config_map(ctx)])
            files[CONNECT_FILES[1]] = documents(connect_rbac(ctx, items, bridges))
        if bridges:
            files[BRIDGE_FILE] = documents([bridge.kafka_connector(ctx, b) for b in bridges])
        return files


GENERATOR = KafkaGenerator()
