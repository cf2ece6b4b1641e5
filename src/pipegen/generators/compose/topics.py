"""compose.yaml's `kafka-topics`: a one-shot service that creates every topic of the project's list
(common/kafka_topics.topics: the topics the kafka family declares as Strimzi KafkaTopics) on compose's broker,
which creates none itself (`KAFKA_AUTO_CREATE_TOPICS_ENABLE: false`), with the broker image's own
`kafka-topics.sh --create --if-not-exists`: each topic's declared partitions and configs, replication 1 and
`min.insync.replicas` 1 (one broker). It runs once the broker is healthy and exits; the services that use the
topics (Kafka Connect, the Faker streams' generators, flink-sql, the orchestrator) wait for it to have completed
successfully (`after`), which also lets `make up`'s `--wait` accept its exit. A stack with no such service (a
Kafka source only a Spark stream reads, nothing orchestrated locally) keeps it running instead, healthy once every
topic was created: `--wait` fails on a one-shot no service waits for."""

from __future__ import annotations

import shlex

from pipegen.common.kafka_topics import LOCAL_REPLICATION, declared_partitions, topic_config, topics
from pipegen.generators.base import ComposeService, GenContext
from pipegen.plan.names import COMPOSE_KAFKA, COMPOSE_KAFKA_TOPICS

KAFKA_TOPICS_SH = "/opt/kafka/bin/kafka-topics.sh"
SEPARATOR = " && "  # between the create commands (tests/judges/compose_topics.py splits on it)
CREATED = "/tmp/pipegen-topics-created"  # the long-running variant's marker: every topic was created


def create_commands(ctx: GenContext, bootstrap: str) -> list[list[str]]:
    """One `kafka-topics.sh --create` argument list per topic of the project, in the list's order."""
    out = []
    for topic in topics(ctx):
        configs = [f"{k}={v}" for k, v in topic_config(topic, LOCAL_REPLICATION).items()]
        out.append(
            [KAFKA_TOPICS_SH, "--bootstrap-server", bootstrap, "--create", "--if-not-exists",
             "--topic", topic.name, "--partitions", str(declared_partitions(topic)),
             "--replication-factor", str(LOCAL_REPLICATION), *[a for c in configs for a in ("--config", c)]]
        )  # fmt: skip
    return out


def script(commands: list[list[str]]) -> str:
    """The service's shell command line: every create command, stopping at the first that fails; `$` escaped
    for Compose's interpolation."""
    return SEPARATOR.join(shlex.join(c) for c in commands).replace("$", "$$")


def topics_service(ctx: GenContext, bootstrap: str, image: str, awaited: bool) -> ComposeService:
    """`bootstrap`: the broker inside the Compose network; `image`: the broker's (its kafka-topics.sh); `awaited`:
    a long-running service waits for it (else it stays up, healthy once done)."""
    create = script(create_commands(ctx, bootstrap))
    if awaited:
        return ComposeService(name=str(COMPOSE_KAFKA_TOPICS), image=image, command=("sh", "-c", create),
                              depends_on=(str(COMPOSE_KAFKA),), one_shot=True)  # fmt: skip
    return ComposeService(
        name=str(COMPOSE_KAFKA_TOPICS), image=image,
        command=("sh", "-c", f"{create}{SEPARATOR}touch {CREATED}{SEPARATOR}exec sleep infinity"),
        healthcheck=(f"test -f {CREATED}",), depends_on=(str(COMPOSE_KAFKA),),
    )  # fmt: skip
