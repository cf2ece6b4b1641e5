"""What compose.yaml's Flink session cluster (the compose family, generators/compose/engines.py) cannot run
as generated: located warnings, so `make up` failing a job is said at validate time.

- R459: a stream job's table on a system the cluster's image has no connector for. The image
  (`compose/flink.Dockerfile`) carries the Kafka SQL connector and the JDBC connector with its MySQL and
  PostgreSQL dialects and drivers (COMPOSE_FLINK_SOURCES, COMPOSE_FLINK_LOOKUPS, COMPOSE_FLINK_SINKS): a
  Kinesis input, a lookup dimension in another database (SQL Server, Oracle: JDBC dialects it lacks), a
  sink into a Delta or Iceberg table, ClickHouse or Redshift is submitted by `flink-sql` and fails there. A
  target Flink writes as files (DuckDB, the warehouses, files: FILE_SINKS) runs when it gives no location
  (`${LAKE_PATH}`: the cluster's named volume), not when it names one (an object store needs a file system
  plugin the image lacks; a local path would be inside the containers).
- R460: a lookup dimension of a PostgreSQL or MySQL source whose `connection.host` is not an
  `${env:NAME}` reference: compose.yaml's `flink-sql` points NAME at the source's local database
  (`<source>-db`), but a literal host (or none: `localhost`, the container itself) it cannot redirect.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import index_of
from pipegen.spec.model import SourceType, Spec, Target, TargetType
from pipegen.spec.types import parse_secret_ref

COMPOSE_FLINK_SOURCES = frozenset(SourceType) - {SourceType.KINESIS}  # every other input is read from Kafka
COMPOSE_FLINK_LOOKUPS = frozenset({SourceType.MYSQL, SourceType.POSTGRES})  # JDBC dialects of the image
COMPOSE_FLINK_SINKS = frozenset({TargetType.KAFKA, TargetType.MYSQL, TargetType.POSTGRES})
# targets the flink family writes as files (no streaming connector: connectors.py's file sink)
FILE_SINKS = (
    frozenset(TargetType)
    - COMPOSE_FLINK_SINKS
    - {TargetType.DELTA, TargetType.ICEBERG, TargetType.CLICKHOUSE, TargetType.REDSHIFT}
)
CARRIES = "the Kafka connector and the JDBC connector's MySQL and PostgreSQL dialects"
HINT = (
    "run this job against its real systems (FlinkDeployment, flink/deploy/), or add the connector's jar to "
    "compose/flink.Dockerfile (a file you own once edited)"
)


def compose_findings(spec: Spec, graph: Graph) -> tuple[Finding, ...]:
    if Kind.FLINK_JOBS not in graph.kinds:
        return ()
    return (*unreachable_connectors(spec), *fixed_lookup_hosts(spec))


def unreachable_connectors(spec: Spec) -> Iterator[Finding]:
    """R459: per stream job, its input, lookups and sink on systems compose.yaml's Flink image lacks."""
    index = index_of(spec)
    for i, job in enumerate(spec.transforms.streams):
        where = ("transforms", "streams", i)
        base = index.resolve(job.from_, allow_marts=False).table
        if base is not None and base.source.type not in COMPOSE_FLINK_SOURCES:
            yield _finding((*where, "from"), job.name, _lacking(f"its input {base.qualified} is a "
                                                                f"{base.source.type.value} stream"))  # fmt: skip
        for j, join in enumerate(job.joins):
            dim = index.resolve(join.table, allow_marts=False).table
            if dim is not None and dim.source.type not in COMPOSE_FLINK_LOOKUPS:
                yield _finding((*where, "joins", j, "table"), job.name,
                               _lacking(f"its lookup dimension {dim.qualified} is read from {dim.source.type.value} "
                                        "through JDBC"))  # fmt: skip
        target = next((t for t in spec.targets if job.sink and t.name.lower() == job.sink.target.lower()), None)
        target = target if job.sink else (spec.targets[0] if spec.targets else None)
        if target is not None and not sinkable(target):
            path = (*where, "sink", "target") if job.sink else (*where, "name")
            yield _finding(path, job.name, _sink_why(target))


def sinkable(target: Target) -> bool:
    """Kafka, MySQL and PostgreSQL through their connectors; a target Flink writes as files (the flink
    family's file sink: every type without a streaming connector) when it gives no location, so the files go
    to `${LAKE_PATH}`, the cluster's named volume."""
    if target.type in COMPOSE_FLINK_SINKS:
        return True
    conn = target.connection
    located = conn is not None and any((conn.url, conn.bucket, conn.path))
    return target.type in FILE_SINKS and not located


def _sink_why(target: Target) -> str:
    if target.type in FILE_SINKS:  # the filesystem connector is Flink's own, but writes where the job runs
        return (f"it writes files under {target.name}'s own location (its `url`, `bucket` or `path`), which the "
                "cluster cannot reach: an object store needs a file system plugin its image "
                "(compose/flink.Dockerfile) lacks, and a local path is inside its containers, "
                "not the project")  # fmt: skip
    return _lacking(f"it writes to {target.name}, a {target.type.value} target")


def _lacking(what: str) -> str:
    return (f"{what}, and the image (compose/flink.Dockerfile) carries {CARRIES} only: `make up` submits the job "
            "and it fails there (the other jobs run; flink-sql stays unhealthy)")  # fmt: skip


def _finding(path: tuple[str | int, ...], job: str, why: str) -> Finding:
    return Finding(
        path, "R459",
        f"compose.yaml's Flink cluster cannot run stream job {job} as generated: {why}",
        HINT, severity="warning",
    )  # fmt: skip


def fixed_lookup_hosts(spec: Spec) -> Iterator[Finding]:
    """R460: a lookup dimension of a PostgreSQL/MySQL source whose host compose.yaml cannot point at its
    local database (each such source once, at its `connection.host`, else its `connection` or name)."""
    index, seen = index_of(spec), set()
    for job in spec.transforms.streams:
        for join in job.joins:
            dim = index.resolve(join.table, allow_marts=False).table
            if dim is None or dim.source.type not in COMPOSE_FLINK_LOOKUPS or dim.source_index in seen:
                continue
            conn = dim.source.connection
            if conn is not None and conn.host and parse_secret_ref(conn.host) is not None:
                continue
            seen.add(dim.source_index)
            shown = f"host {conn.host!r}" if conn is not None and conn.host else "no host (localhost)"
            path: tuple[str | int, ...] = ("sources", dim.source_index)
            path = (*path, "connection", "host") if conn is not None and conn.host else (*path, "name")
            yield Finding(
                path, "R460",
                f"stream job {job.name} looks up {dim.qualified} at {shown}: compose.yaml's flink-sql cannot point "
                f"that lookup at the local database of source {dim.source.name} (its `<source>-db` service), so "
                "under `make up` the job reads that host or fails",
                "give the host as an `${env:NAME}` reference: compose.yaml sets NAME to the local database's service "
                "and your deployments to the real host",
                severity="warning",
            )  # fmt: skip
