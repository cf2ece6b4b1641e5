"""R521: a Pub/Sub source's topic is read by the stream jobs as the Kafka topic of the same name on the project's
cluster, which the kafka family's Pub/Sub bridge fills (generators/kafka/bridge.py; where the Spark stream reads
Google's Managed Kafka, Managed Kafka Connect: terraform/gcp_connect.py, whose own state topics there Google names, so
they are not checked) and the kafka and compose families declare (role `bridged`,
common/kafka_topics.py): its name must be one Kafka creates. A spec topic name is `[A-Za-z_][A-Za-z0-9_]*` of at
most 255 characters (the spec's Name), so of Kafka's rules (`[a-zA-Z0-9._-]`, at most 249 bytes, not `.` or `..`)
the length can fail; Kafka also refuses its own internal topics' names and a name that collides with another
topic's once `.` is read as `_` (their metric names would be one): pipegen's dotted topics on the same cluster
(`<pipeline>.<source>.<table>` of a CDC or Faker stream, every streamed table's `….dlq`, the validation events, a
stream job's output on the cluster, the Connect workers' storage topics), or one of the same name that pipegen
writes (a validation-events or stream-job output topic the spec names). The Kubernetes name of its KafkaTopic is
the naming layer's (a DNS label, hashed where two would clash), so no spec name fails there.

R522: the bridge (generators/kafka/bridge.py) reads a topic from the source's `stream` (one subscription) when the
source has one topic; a Pub/Sub subscription belongs to one topic, so with several the bridge reads each from the
subscription named like the topic and `stream` reaches no connector: a warning."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Ingestion, SourceType, Spec, TargetType
from pipegen.spec.snakecase import snake

CODE = "R521"
SUBSCRIPTION_CODE = "R522"
KAFKA_TOPIC_MAX = 249  # bytes (Apache Kafka's `Topic.MAX_NAME_LENGTH`)
# names Kafka 4.x keeps for itself: group offsets, transactions, share groups, the KRaft metadata log, tiered storage
KAFKA_INTERNAL = frozenset({
    "__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata", "__remote_log_metadata",
})  # fmt: skip
LOWER_TOPIC = re.compile(r"^[a-z0-9._-]+$")  # a spec-named topic the naming layer keeps as written (names._topic_name)
WHY = (
    "the stream jobs read it as the Kafka topic of the same name on the project's cluster, which pipegen declares "
    "and its Pub/Sub bridge writes"
)


def _spec_topic(topic: str | None) -> str | None:
    """A topic the spec names for pipegen to write, as the naming layer writes it (plan/names.py `_topic_name`)."""
    if topic is None:
        return None
    return topic if LOWER_TOPIC.match(topic) else snake(topic)


def _owned_topics(spec: Spec) -> dict[str, str]:
    """pipegen's own topics on the project's cluster that a spec topic name could meet, by collision key (`.` as
    `_`, Kafka's rule): the naming layer's derivations (plan/names.py), from the spec alone."""
    pipeline = snake(spec.pipeline.name)
    names: list[str] = [_spec_topic(spec.quality.events.topic) or f"{pipeline}.quality.events"]
    for source in spec.sources:
        if source.ingestion == Ingestion.BATCH:
            continue
        for dataset in (*source.tables, *source.topics):
            topic = f"{pipeline}.{snake(source.name)}.{snake(dataset.name)}"
            names.append(f"{topic}.dlq")
            if source.ingestion == Ingestion.CDC or source.type == SourceType.FAKER:
                names.append(topic)
    if any(s.ingestion == Ingestion.CDC or catalog.bridged_to_project_cluster(s) for s in spec.sources):  # Connect
        names += [f"{pipeline}.connect.{kind}" for kind in ("configs", "offsets", "status")]
    targets = {t.name.lower(): t for t in spec.targets}
    first = spec.targets[0].name.lower() if spec.targets else ""
    for job in spec.transforms.streams:
        target = targets.get(job.sink.target.lower() if job.sink else first)
        if target is not None and target.type == TargetType.KAFKA and not target.connection.bootstrap_servers:
            names.append(_spec_topic(job.sink.table if job.sink else None) or f"{pipeline}.{snake(job.name)}")
    return {n.replace(".", "_"): n for n in names}


def _problem(name: str, owned: dict[str, str]) -> tuple[str, str] | None:
    """(what is wrong, the hint) for a bridged topic's name, None when Kafka takes it."""
    size = len(name.encode())
    if size > KAFKA_TOPIC_MAX:
        return (f"it is {size} bytes long (a Kafka topic name takes at most {KAFKA_TOPIC_MAX})",
                f"shorten it to {KAFKA_TOPIC_MAX} bytes or fewer (the bridge writes that name)")  # fmt: skip
    if name in KAFKA_INTERNAL:
        return "it is the name of a Kafka internal topic, which Kafka refuses to create", "rename the topic"
    other = owned.get(name.replace(".", "_"))
    if other == name:
        return (f"pipegen writes a topic of that name on the same cluster ({other})",
                "rename the topic, or name the validation-events or stream-job output topic otherwise")  # fmt: skip
    if other is not None:
        return (f"it collides with pipegen's topic '{other}' on the same cluster: Kafka refuses a topic whose name "
                "equals another's once `.` is read as `_`", "rename the topic")  # fmt: skip
    return None


def bridged_topic_names(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    owned: dict[str, str] | None = None
    for si, source in enumerate(spec.sources):
        if not catalog.bridged_to_project_cluster(source):
            continue
        owned = _owned_topics(spec) if owned is None else owned
        for ti, topic in enumerate(source.topics):
            found = _problem(topic.name, owned)
            if found is None:
                continue
            shown = topic.name if len(topic.name) <= 40 else f"{topic.name[:40]}…"
            yield Finding(
                ("sources", si, "topics", ti, "name"), CODE,
                f"Pub/Sub topic '{shown}' of source '{source.name}' cannot be bridged into Kafka: {WHY}, and "
                f"{found[0]}",
                found[1],
            )  # fmt: skip


def bridged_subscription(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        if not catalog.bridged_to_project_cluster(source) or source.connection.stream is None:
            continue
        if len(source.topics) < 2:
            continue
        yield Finding(
            ("sources", si, "connection", "stream"), SUBSCRIPTION_CODE,
            f"`stream` of Pub/Sub source '{source.name}' names one subscription, but the source has "
            f"{len(source.topics)} topics and a subscription belongs to one topic: the Pub/Sub bridge reads each "
            "topic from the subscription named like the topic (k8s/kafka/pubsub-bridge.yaml), and `stream` reaches "
            "no connector",
            "create a subscription named like each topic and remove `stream`, or split the source into one per topic",
            severity="warning",
        )  # fmt: skip
