"""The relay topics of the stream jobs whose target no Flink 2.x connector writes (plan/flinkjars.relayed_sinks):
the Flink job writes `<pipeline>.<job>.relay-<system>` on this cluster and the target reads it with its own Kafka
client (ClickHouse's Kafka engine tables, consumer group `<pipeline>.<job>.<system>`, KafkaUser
`<cluster>-clickhouse`). Each topic is declared (role `relay`, the job input's partitions) and granted: Write to
the Flink user, Read to the target's user. The list and the topics are common/kafka_topics.py's (`relays`)."""

from __future__ import annotations

from typing import Any

from pipegen.common.kafka_topics import relays
from pipegen.generators.base import GenContext
from pipegen.spec.model import TargetType


def reader_acls(ctx: GenContext, acl: Any) -> dict[str, list[dict[str, Any]]]:
    """The target's KafkaUser: Read and Describe on its relay topics, Read on their consumer groups (ClickHouse
    commits its offsets there)."""
    found = [n for r, n in relays(ctx) if r.target.type == TargetType.CLICKHOUSE]
    if not found or ctx.plan.names.kafka is None:
        return {}
    user = str(ctx.plan.names.kafka.clickhouse_user)
    return {user: [*[acl("topic", str(n.topic), ["Read", "Describe"]) for n in found],
                   *[acl("group", str(n.group), ["Read"]) for n in found]]}  # fmt: skip
