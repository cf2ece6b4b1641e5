"""What a cloud contributes to the Terraform project, as data the layout renders: the module's
variables (typed, validated), resources, outputs, the provider and backend of an environment's
root, per-environment values, cost lines and the checkov checks it skips with their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipegen.common.spark_stream import store_secrets
from pipegen.generators.base import GenContext
from pipegen.generators.terraform.hcl import Block, Value
from pipegen.plan.capacity import GIB, KAFKA_MIN_PARTITIONS, KAFKA_REPLICATION
from pipegen.plan.cloudnames import CloudNames
from pipegen.plan.components import Kind
from pipegen.plan.pubsub_bridge import managed_bridges
from pipegen.spec.model import Ingestion

DEV = "dev"  # the environment sized cheapest (smallest broker class, fewest units)


@dataclass(frozen=True)
class Var:
    name: str
    type: str  # an HCL type constraint: string, number, bool, list(string), map(string)
    description: str
    validations: tuple[tuple[str, str], ...] = ()  # (condition, error message), both written by pipegen
    sensitive: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    value: str  # an expression over the module's resources
    description: str
    sensitive: bool = False


@dataclass(frozen=True)
class Cost:
    item: str
    quantity: float
    unit: str
    usd_per_unit: float  # list price assumed (docs/terraform.md states the date and region)

    @property
    def monthly(self) -> float:
        return self.quantity * self.usd_per_unit


@dataclass(frozen=True)
class CloudModule:
    provider: str  # local name: aws, azurerm, google
    source: str  # registry source: hashicorp/aws
    version: str  # the pinned constraint
    variables: tuple[Var, ...]
    files: tuple[tuple[str, tuple[Block, ...]], ...]  # module file name -> its blocks
    outputs: tuple[Output, ...]
    skips: tuple[tuple[str, str], ...] = ()  # checkov check id -> why it does not apply
    region: str = ""  # the default region (tfvars; the backend's)
    inline_skips: tuple[tuple[str, str], ...] = ()  # skipped in one resource only (a `checkov:skip` comment)
    alarms: tuple[tuple[str, str, str, str], ...] = ()  # (alert, severity, table or "", threshold): AWS
    tables: tuple[tuple[str, str, str], ...] = ()  # (dataset.table, partition column, clustering): BigQuery
    spark_databases: tuple[str, ...] = ()  # the Glue databases the Spark job on EMR creates: AWS
    lake_databases: tuple[str, ...] = ()  # the Glue databases the deployed lake step creates (its Iceberg layers): AWS
    spark_topics: tuple[str, ...] = ()  # the MSK topics the Spark stream on EMR reads: AWS
    spark_secrets: tuple[str, ...] = ()  # spec secrets the EMR requests (EMR.secret@) / Dataproc batches reference
    extra_providers: tuple[tuple[str, str, str], ...] = ()  # (local name, source, version) beyond `provider`
    root_providers: tuple[Block, ...] = ()  # their configurations in each root (from the module's outputs)
    generators: tuple[tuple[str, str], ...] = ()  # (config table, topic) of each stream generator it runs: Azure


@dataclass(frozen=True)
class Infra:
    """What the spec and plan ask of the cloud, independent of the cloud."""

    ctx: GenContext
    secrets: tuple[str, ...]  # every ${secret:NAME} of the spec and every secret the Spark job reads, sorted
    stream: bool  # the plan has Kafka topics: a managed Kafka-protocol service
    stream_jobs: bool  # stream jobs run: they need checkpoints and the stream identity
    databricks: bool
    kafka_brokers: int
    kafka_partitions: int
    broker_gib: int
    retention_days: int
    stored_gib_per_day: float
    peak_bytes_s: float
    workloads: tuple[str, ...] = field(default=())
    topics: tuple[tuple[str, int], ...] = ()  # every topic the stream service holds -> partitions

    @property
    def spec_name(self) -> str:
        return self.ctx.spec.pipeline.name


def _sized(ctx: GenContext, name: str, default: float) -> float:
    return next((s.value for s in ctx.plan.capacity.sizing if s.name.startswith(name)), default)


def infra(ctx: GenContext) -> Infra:
    kinds = ctx.plan.graph.kinds
    brokers = int(_sized(ctx, "Kafka brokers", KAFKA_REPLICATION))
    replication = int(_sized(ctx, "Kafka replication factor", KAFKA_REPLICATION))
    stored = next((f.value for f in ctx.plan.capacity.figures if f.name == "stored volume"), 0.0)
    peak_rows = next((f.value for f in ctx.plan.capacity.figures if f.name == "peak throughput"), 0.0)
    stream_jobs = Kind.FLINK_JOBS in kinds or Kind.SPARK_STREAMING in kinds
    workloads = ("ingest", "transform", *(("stream",) if stream_jobs else ()))
    return Infra(
        ctx=ctx,
        secrets=store_secrets(ctx.spec, ctx.plan),
        stream=Kind.KAFKA_TOPICS in kinds,
        stream_jobs=stream_jobs,
        databricks=Kind.DATABRICKS_JOBS in kinds,
        kafka_brokers=brokers,
        kafka_partitions=int(_sized(ctx, "Kafka partitions", KAFKA_MIN_PARTITIONS)),
        broker_gib=ctx.plan.capacity.broker_gib(brokers, replication),
        retention_days=ctx.spec.volume.retention_days,
        stored_gib_per_day=stored / GIB,
        peak_bytes_s=peak_rows * ctx.spec.volume.avg_row_bytes,
        workloads=workloads,
        topics=topics(ctx) if Kind.KAFKA_TOPICS in kinds else (),
    )


def topics(ctx: GenContext) -> tuple[tuple[str, int], ...]:
    """Each streamed table's topic and dead-letter topic (partitions from the plan), the events topic, and each
    Pub/Sub topic Managed Kafka Connect bridges, under the name the Spark stream reads (`read_topic`)."""
    names = ctx.plan.names
    out: dict[str, int] = {}
    for source in ctx.spec.sources:
        if source.ingestion == Ingestion.BATCH:
            continue
        for dataset in (*source.tables, *source.topics):
            n = names.dataset(source.name, dataset.name)
            count = ctx.plan.capacity.topic_partitions(f"{source.name}.{dataset.name}")
            out.setdefault(str(n.topic), count)
            out.setdefault(str(n.dead_letter_topic), count)
    out.setdefault(str(names.events_topic), KAFKA_MIN_PARTITIONS)
    for bridged in managed_bridges(ctx.spec, ctx.plan.graph.kinds):  # the Pub/Sub bridge's (gcp_connect.py)
        n = names.dataset(bridged.source, bridged.topic)
        count = ctx.plan.capacity.topic_partitions(f"{bridged.source}.{bridged.topic}")
        out.setdefault(str(n.read_topic), max(1, count))
    return tuple(out.items())


@dataclass(frozen=True)
class EnvPlan:
    """One environment: its names and the values its tfvars set."""

    names: CloudNames
    values: tuple[tuple[str, Value], ...]
    costs: tuple[Cost, ...]

    @property
    def dev(self) -> bool:
        return str(self.names.environment) == DEV
