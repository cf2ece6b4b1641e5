"""Which systems a name reaches: the source it is read from, the targets it lands in, and
Kafka when it is streamed through it. Identifier limits are checked against these only."""

from __future__ import annotations

from collections.abc import Sequence

from pipegen.spec import catalog
from pipegen.spec.model import Ingestion, Mart, Source, SourceType, StreamJob, Target, TargetType

# Stream sources whose records travel through Kafka topics named after their tables (the
# other stream services keep their own names). CDC always goes through Kafka (Debezium).
KAFKA_STREAM_SOURCES = frozenset({SourceType.FAKER, SourceType.KAFKA})


def streamed_through_kafka(source: Source) -> bool:
    return source.ingestion == Ingestion.CDC or (
        source.ingestion == Ingestion.STREAM and source.type in KAFKA_STREAM_SOURCES
    )


def landing_targets(targets: Sequence[Target]) -> list[Target]:
    """Where source tables land: every target but Kafka (a Kafka target receives stream-job output)."""
    return [t for t in targets if t.type != TargetType.KAFKA]


def table_systems(source: Source, targets: Sequence[Target]) -> frozenset[str]:
    """A source table (or topic) and its columns: the source, the landing targets, Kafka if streamed."""
    systems = {source.type.value} | {t.type.value for t in landing_targets(targets)}
    if streamed_through_kafka(source):
        systems.add("kafka")
    return frozenset(systems)


def mart_systems(mart: Mart, targets: Sequence[Target]) -> frozenset[str]:
    """A mart and its output columns: the targets that run SQL transforms (dbt builds it there)."""
    return frozenset(t.type.value for t in targets if t.type in catalog.TRANSFORMING_TARGETS)


def job_systems(job: StreamJob, targets: Sequence[Target]) -> frozenset[str]:
    """A stream job's outputs: its sink (default: the first target)."""
    if job.sink is None:
        return frozenset({targets[0].type.value}) if targets else frozenset()
    sink = next((t for t in targets if t.name.lower() == job.sink.target.lower()), None)
    return frozenset({sink.type.value}) if sink else frozenset()


# The dialect stream jobs are written in (render/flinksql.py).
FLINK_DIALECT = "flink"
# The dialect dbt models run in locally (dbt-duckdb): every project has it.
LOCAL_DIALECT = "duckdb"


def dbt_dialects(targets: Sequence[Target]) -> frozenset[str]:
    """The SQL dialects dbt models are written in: DuckDB (the local run) and the dialect of
    each target's dbt adapter (generators/dbt writes one model text per adapter)."""
    systems = [catalog.TARGET_SYSTEMS[t.type] for t in targets]
    return frozenset(
        {LOCAL_DIALECT} | {s.dialect for s in systems if (s.dbt_adapter or LOCAL_DIALECT) != LOCAL_DIALECT}
    )


def table_dialects(source: Source, targets: Sequence[Target], read_by_stream_job: bool) -> frozenset[str]:
    """Where a table's derived columns are computed: its dbt staging model, and Flink when the
    table is streamed (the quality jobs) or read by a stream job."""
    flink = read_by_stream_job or source.ingestion in (Ingestion.CDC, Ingestion.STREAM)
    return dbt_dialects(targets) | ({FLINK_DIALECT} if flink else frozenset())


def tightest(systems: frozenset[str]) -> tuple[int, str] | None:
    """(limit, system) of the shortest identifier limit among `systems`, or None when none has one."""
    limits = [(limit, name) for name in sorted(systems) if (limit := catalog.IDENT_MAX.get(name)) is not None]
    return min(limits) if limits else None
