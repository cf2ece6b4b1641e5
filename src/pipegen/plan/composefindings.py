"""What compose.yaml's Flink session cluster (the compose family, generators/compose/engines.py) cannot run
as generated: located warnings, so `make up` failing a job is said at validate time.

- R459: a Flink job compose's cluster cannot run although its image (`compose/flink.Dockerfile`) has the
  connector: a Kinesis input (a stream job's table, or a source the bronze jobs land: compose.yaml has no local
  Kinesis and gives its task managers no AWS credentials), or a sink into files under the target's own location
  (a target Flink writes as files, FILE_SINKS: an object store needs a file system plugin the image lacks, a
  local path is inside the containers). Every other system a job touches runs there: the image carries the
  Kafka connector, the JDBC connector with its PostgreSQL, MySQL, SQL Server and Oracle dialects and drivers
  (every lookup source, spec/rules/transforms.LOOKUP_SOURCES), and the Iceberg connector with compose's own
  REST catalog (plan/flinkjars.py). A sink no released connector runs on Flink 2.x is R512's
  (plan/flinkfindings.py), in production too.
- R460: a lookup dimension of a PostgreSQL or MySQL source whose `connection.host` is not an
  `${env:NAME}` reference: compose.yaml's `flink-sql` points NAME at the source's local database
  (`<source>-db`), but a literal host (or none: `localhost`, the container itself) it cannot redirect.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.plan.flinkjars import NO_FLINK2_CONNECTOR, FlinkUse, flink_uses
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import index_of
from pipegen.spec.model import Architecture, SourceType, Spec, Target, TargetType
from pipegen.spec.types import parse_secret_ref

COMPOSE_FLINK_LOOKUPS = frozenset({SourceType.MYSQL, SourceType.POSTGRES})  # sources with a local database
COMPOSE_FLINK_SINKS = frozenset({TargetType.KAFKA, TargetType.MYSQL, TargetType.POSTGRES, TargetType.ICEBERG})
# targets the flink family writes as files (no streaming connector: connectors.py's file sink)
FILE_SINKS = frozenset(TargetType) - COMPOSE_FLINK_SINKS - NO_FLINK2_CONNECTOR.keys()
KINESIS_HINT = (
    "run the job against its real stream (FlinkDeployment, flink/deploy/), or add a Kinesis stand-in to compose.yaml "
    "and give the task managers its endpoint and credentials (a file you own once edited)"
)
FILE_SINK_HINT = (
    "run the job against its real systems (FlinkDeployment, flink/deploy/), or add the store's file system plugin "
    "to compose/flink.Dockerfile and its credentials to compose.yaml (files you own once edited)"
)


def compose_findings(spec: Spec, graph: Graph, architecture: Architecture) -> tuple[Finding, ...]:
    if Kind.FLINK_JOBS not in graph.kinds:
        return ()
    return (*unreachable_systems(spec, graph, architecture), *fixed_lookup_hosts(spec))


def unreachable_systems(spec: Spec, graph: Graph, architecture: Architecture) -> Iterator[Finding]:
    """R459: per Flink job, a Kinesis input and a file sink under the target's own location."""
    for use in flink_uses(spec, architecture, graph.kinds):
        if use.role == "input" and use.system == SourceType.KINESIS:
            yield _finding(use, _kinesis_why(spec, use), KINESIS_HINT)
        elif use.role == "sink" and use.target is not None and located_file_sink(use.target):
            yield _finding(use, _file_sink_why(use.target), FILE_SINK_HINT)


def located_file_sink(target: Target) -> bool:
    """A target Flink writes as files under a location of its own (a sink no Flink 2.x connector writes at all
    is R512's, not this)."""
    return target.type in FILE_SINKS and not sinkable(target)


def sinkable(target: Target) -> bool:
    """Kafka, MySQL, PostgreSQL and Iceberg through their connectors; a target Flink writes as files (the flink
    family's file sink: every type without a streaming connector) when it gives no location, so the files go
    to `${LAKE_PATH}`, the cluster's named volume."""
    if target.type in COMPOSE_FLINK_SINKS:
        return True
    conn = target.connection
    located = conn is not None and any((conn.url, conn.bucket, conn.path))
    return target.type in FILE_SINKS and not located


def _kinesis_why(spec: Spec, use: FlinkUse) -> str:
    what = "its input" if use.job else f"source {spec.sources[int(use.path[1])].name}, which they land in bronze,"
    return (f"{what} is a Kinesis stream: compose.yaml has no local Kinesis and gives its task managers no AWS "
            "credentials, so the job (the image carries the Kinesis connector) fails there under `make up` (the "
            "other jobs run; flink-sql stays unhealthy)")  # fmt: skip


def _file_sink_why(target: Target) -> str:
    return (f"it writes files under {target.name}'s own location (its `url`, `bucket` or `path`), which the "
            "cluster cannot reach: an object store needs a file system plugin its image "
            "(compose/flink.Dockerfile) lacks, and a local path is inside its containers, not the project")  # fmt: skip


def _finding(use: FlinkUse, why: str, hint: str) -> Finding:
    jobs = f"stream job {use.job}" if use.job else "the bronze jobs"
    return Finding(
        use.path, "R459",
        f"compose.yaml's Flink cluster cannot run {jobs} as generated: {why}",
        hint, severity="warning",
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
