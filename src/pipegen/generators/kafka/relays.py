"""The relay topics of the stream jobs whose target no Flink 2.x connector writes (plan/flinkjars.relayed_sinks):
the Flink job writes `<pipeline>.<job>.relay-<system>` on this cluster and the target reads it with its own Kafka
client (ClickHouse's Kafka engine tables, KafkaUser `<cluster>-clickhouse`; the generated Delta loader, KafkaUser
`<cluster>-delta-relay`; consumer group `<pipeline>.<job>.<system>`). Each topic is declared (role `relay`, the
job input's partitions) and granted: Write to the Flink user, Read to the target's user. A Lakehouse's bronze jobs
into a Delta bronze are relayed the same way (common/stream_landing.bronze_relays; `job`: the bronze job's
`<source>__<table>__bronze`, its topic's partitions its table's). The list and the topics are
common/kafka_topics.py's (`relays`)."""

from __future__ import annotations

from typing import Any

from pipegen.common.kafka_topics import relays
from pipegen.generators.base import GenContext
from pipegen.spec.model import TargetType


def reader_acls(ctx: GenContext, acl: Any) -> dict[str, list[dict[str, Any]]]:
    """Each reading target's KafkaUser (ClickHouse's, the Delta loader's): Read and Describe on its relay topics,
    Read on their consumer groups (each commits its offsets there)."""
    if ctx.plan.names.kafka is None:
        return {}
    kafka = ctx.plan.names.kafka
    users = {TargetType.CLICKHOUSE: str(kafka.clickhouse_user), TargetType.DELTA: str(kafka.delta_user)}
    out: dict[str, list[dict[str, Any]]] = {}
    for system, user in users.items():
        found = [n for r, n in relays(ctx) if r.target.type == system]
        if found:
            out[user] = [*[acl("topic", str(n.topic), ["Read", "Describe"]) for n in found],
                         *[acl("group", str(n.group), ["Read"]) for n in found]]  # fmt: skip
    return out
