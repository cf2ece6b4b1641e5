"""The relay topics of the stream jobs whose target no Flink 2.x connector writes (plan/flinkjars.relayed_sinks):
the Flink job writes `<pipeline>.<job>.relay-<system>` on this cluster and the target reads it with its own Kafka
client (ClickHouse's Kafka engine tables, KafkaUser `<cluster>-clickhouse`; the generated Delta loader, KafkaUser
`<cluster>-delta-relay`; consumer group `<pipeline>.<job>.<system>`). Each topic is declared (role `relay`, the
job input's partitions) and granted: Write to the Flink user, Read to the target's user. A Lakehouse's bronze jobs
into a Delta bronze are relayed the same way (common/stream_landing.bronze_relays; `job`: the bronze job's
`<source>__<table>__bronze`, its topic's partitions its table's)."""

from __future__ import annotations

from typing import Any

from pipegen.common.stream_landing import bronze_relays
from pipegen.generators.base import GenContext
from pipegen.plan.flinkjars import RelayedSink, relayed_sinks
from pipegen.plan.names import RelayNames
from pipegen.spec.index import index_of
from pipegen.spec.model import TargetType


def relays(ctx: GenContext) -> list[tuple[RelayedSink, RelayNames]]:
    """Every relayed sink of a plan with Flink jobs, with its names."""
    if "flink" not in ctx.families:
        return []
    names = ctx.plan.names
    tables = {j.name: str(names.stream(j.name).sink_table) for j in ctx.spec.transforms.streams}
    found = [(r, names.relay(r.job, r.table, r.target.type.value)) for r in relayed_sinks(ctx.spec, tables)]
    bronze = bronze_relays(ctx.spec, names, ctx.plan.architecture, ctx.plan.graph.kinds)
    for b in bronze:
        table = str(names.dataset(b.ref.source.name, b.ref.dataset.name).lake_table)
        found.append((RelayedSink(str(b.job.sink_table), table, b.target), b.relay))
    return found


def partitions(ctx: GenContext, job: str) -> int:
    """The relay topic's partitions: its job's input topic's (the plan's capacity figures)."""
    spec_job = next((j for j in ctx.spec.transforms.streams if j.name == job), None)
    if spec_job is None:  # a bronze job: its table's topic's
        bronze = bronze_relays(ctx.spec, ctx.plan.names, ctx.plan.architecture, ctx.plan.graph.kinds)
        base = next((b.ref for b in bronze if str(b.job.sink_table) == job), None)
    else:
        base = index_of(ctx.spec).resolve(spec_job.from_, allow_marts=False).table
    if base is None:
        return 1
    return max(1, ctx.plan.capacity.topic_partitions(f"{base.source.name}.{base.dataset.name}"))


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
