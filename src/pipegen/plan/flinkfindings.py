"""What no deployment of the generated Flink jobs can run: located warnings, so a FlinkDeployment failing when it
is submitted is said at validate time.

- R512: a Flink job's sink into a system no released connector writes from Flink 2.x SQL (the FlinkDeployments
  target Flink 2.2; plan/flinkjars.NO_FLINK2_CONNECTOR says why per system) and that pipegen does not relay
  yet: Redshift, which the flink family writes through the JDBC connector. The job fails when it is submitted,
  on Kubernetes and in compose.yaml's session cluster alike (R459 is left to what compose alone cannot run).
  ClickHouse and Delta are relayed (plan/flinkjars.RELAYED_SINKS, RELAYED_BRONZE): the job writes a topic,
  ClickHouse's Kafka engine or the generated Delta loader (pipeline/delta_relay.py) reads it; the Delta loader
  also appends a Lakehouse's bronze jobs' relay topics into the Delta bronze.
- R520: a stream job relayed into ClickHouse whose query emits updates and deletes (plan/flink_changes.
  updating_reason) by key: `upsert-kafka` writes a delete as a tombstone, a record without a value, which
  ClickHouse's Kafka engine reads as no row: the row stays in the ReplacingMergeTree table (an update does
  replace it, by key).
- R513: a stream job's regular join (`inner`, `left`) of a batch table of a source that is no JDBC database
  (files, an API, MongoDB): the flink family reads a joined batch table through the JDBC connector
  (tables.dimension_table), and such a source has no JDBC URL (its options carry a placeholder one), so the job
  fails when it is submitted. A joined topic or CDC table is read as a stream (flink_changes.joined_as_stream);
  a lookup of a non-database table is refused already (R381).
- R534: a Kinesis source a Lakehouse's bronze jobs land (flink/bronze.py): the pinned Kinesis connector
  (flink-sql-connector-aws-kinesis-streams 6.0.0-2.0, apache/flink-connector-aws `v6.0.0`) lists the record
  metadata `timestamp`, `shard-id` and `sequence-number` (table/RowMetadata.java) but never fills it: its
  table/KinesisDynamicSource.getScanRuntimeProvider decodes the physical columns only and never reads the keys it
  was asked for, so a job declaring them passes the planner and its rows lack them (read from the source; not run
  offline: no jar). The bronze jobs give a Kinesis event `stream:<uuid>` and the processing time instead: silver
  keeps every such id one by one (its state grows with the stream), and an event read again from an older position
  lands again under a new id.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph
from pipegen.plan.flink_changes import updating_reason
from pipegen.plan.flinkjars import JDBC_SOURCES, NO_FLINK2_CONNECTOR, flink_uses
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import index_of
from pipegen.spec.model import Architecture, SinkMode, SourceType, Spec, TargetType

HINT = (
    "sink the job into a target Flink 2.x writes (Kafka, PostgreSQL, MySQL, Iceberg) and load {system} from "
    "there, or keep the job and put the connector into the job's image yourself once one is released"
)


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def flink_findings(spec: Spec, graph: Graph, architecture: Architecture) -> Iterator[Finding]:
    """R512: per stream job whose sink has no Flink 2.x connector, at its `sink.target` (else its `name`: the
    first target); the bronze jobs once, at their target's `type`. R513: per joined table of a source the JDBC
    connector cannot read, at its `joins[].table`. R534: per Kinesis source the bronze jobs land, at its `type`."""
    for use in flink_uses(spec, architecture, graph.kinds):
        if use.role == "lookup" and use.system not in JDBC_SOURCES:
            yield Finding(
                use.path, "R513",
                f"stream job {use.job} joins a batch table of {_a(use.system.value)} source: the Flink job reads a "
                f"joined batch table through the JDBC connector, and {_a(use.system.value)} source has no JDBC URL, "
                "so the job fails when it is submitted (the FlinkDeployment and compose.yaml's flink-sql alike)",
                "join a table of a postgres, mysql, sqlserver or oracle source, or a topic or CDC table (read as "
                "a stream)", severity="warning",
            )  # fmt: skip
        if use.role == "input" and not use.job and use.system == SourceType.KINESIS:
            yield _unplaced_kinesis(spec, use.path)
        if use.role == "sink" and use.target is not None and use.target.type == TargetType.CLICKHOUSE:
            yield from _kept_deletes(spec, use.path, use.job, use.target.name)
        if use.role != "sink" or use.target is None or use.target.type not in NO_FLINK2_CONNECTOR:
            continue
        system = use.target.type.value
        yield Finding(
            use.path, "R512",
            f"stream job {use.job} writes {use.target.name}, a {system} target, and no connector released for "
            "Flink 2.x can: "
            f"{NO_FLINK2_CONNECTOR[use.target.type]}. The FlinkDeployment's job fails when it is submitted (and so "
            "does compose.yaml's flink-sql under `make up`)",
            HINT.format(system=system), severity="warning",
        )  # fmt: skip


def _unplaced_kinesis(spec: Spec, path: tuple[str | int, ...]) -> Finding:
    """R534: a Kinesis source the bronze jobs land, at its `type`: no shard or sequence number to land by."""
    name = spec.sources[int(path[1])].name
    return Finding(
        path, "R534",
        f"the bronze jobs land source {name}'s events with no place in its Kinesis stream: the Kinesis connector "
        "(6.0) lists the record metadata `shard-id`, `sequence-number` and `timestamp` but never fills it (its table "
        "source decodes the payload only), so each event lands as `stream:<uuid>` at the processing time. Silver "
        "keeps every such id it took one by one (its state grows with the stream, where a Kafka topic keeps one "
        "offset per partition), and an event read again from an older position (a restart without the latest "
        "checkpoint) lands in bronze again under a new id (silver still keeps one row per key)",
        "relay the stream into a Kafka topic and read that as a kafka source (landed by partition and offset), "
        "or accept the growing state for this source", severity="warning",
    )  # fmt: skip


def _kept_deletes(spec: Spec, path: tuple[str | int, ...], name: str, target: str) -> Iterator[Finding]:
    """R520: a relayed upsert job whose query emits deletes (an append job emitting updates is R498's)."""
    job = next(j for j in spec.transforms.streams if j.name == name)
    found = updating_reason(job, index_of(spec))
    if found is None or job.sink is None or job.sink.mode != SinkMode.UPSERT:
        return
    yield Finding(
        path, "R520",
        f"stream job {name} emits deletes, since {found[0]}, and its rows reach {target}, a clickhouse target, "
        "through its relay topic: a delete is a tombstone there (a key without a value), which ClickHouse's Kafka "
        "engine reads as no row, so the deleted row stays in the table (an update replaces its key's row)",
        "delete such rows in ClickHouse yourself (a mutation, or an `is_deleted` column of your own), or make it "
        "a windowed job (each window's rows once)", severity="warning",
    )  # fmt: skip
