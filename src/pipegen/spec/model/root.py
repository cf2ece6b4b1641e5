"""The spec's root, `Spec`, with its own sections: pipeline identity, volume, sizing, engines."""

from pydantic import Field

from pipegen.spec.model.base import (
    MAX_RETENTION_DAYS,
    MAX_ROW_BYTES,
    MAX_ROWS_PER_DAY,
    Cron,
    Duration,
    Latency,
    Model,
    SnakeName,
    empty,
)
from pipegen.spec.model.enums import Architecture, BatchEngine, Cloud, Compute, Orchestrator, StreamEngine
from pipegen.spec.model.operations import Deploy, Monitoring, Orchestration, Quality
from pipegen.spec.model.sources import Source
from pipegen.spec.model.targets import Target
from pipegen.spec.model.transforms import Transforms


class Volume(Model):
    rows_per_day: int = Field(
        0, ge=0, le=MAX_ROWS_PER_DAY, description="Rows per day across all tables, 0 to 10^13 (10 trillion)."
    )
    avg_row_bytes: int = Field(
        200, ge=1, le=MAX_ROW_BYTES, description="Average row size in bytes (uncompressed), 1 to 100 MiB."
    )
    peak_factor: float = Field(
        3.0, ge=1, le=1000, allow_inf_nan=False, description="Peak throughput divided by the daily average, 1 to 1,000."
    )
    retention_days: int = Field(
        365, ge=1, le=MAX_RETENTION_DAYS, description="How long data is kept, in days: 1 to 36,500 (100 years)."
    )
    compression_ratio: float = Field(
        4.0, ge=1, le=100, allow_inf_nan=False, description="Raw bytes divided by stored (Parquet) bytes, 1 to 100."
    )


class Pipeline(Model):
    name: SnakeName = Field(..., description="snake_case name, used for DAGs, jobs, buckets and namespaces.")
    description: str | None = Field(None, description="One paragraph: what the pipeline is for.")
    owner: str | None = Field(None, description="Team or person who owns it (shown in docs and alerts).")
    tags: tuple[str, ...] = Field((), description="Free-form tags.")
    schedule: Cron | None = Field(None, description="Batch schedule (default: derived from latency).")


class KafkaSizing(Model):
    brokers: int | None = Field(None, ge=1, le=1000, description="Broker count (default: computed).")
    replication_factor: int | None = Field(None, ge=1, le=10, description="Topic replication (default: computed).")
    partitions: int | None = Field(None, ge=1, le=10000, description="Partitions per topic (default: computed).")


class FlinkSizing(Model):
    parallelism: int | None = Field(None, ge=1, le=10000, description="Job parallelism (default: computed).")
    checkpoint_interval: Duration | None = Field(None, description="Checkpoint interval (default: computed).")


class Sizing(Model):
    """Overrides of the plan's computed figures; `pipegen plan` shows both."""

    kafka: KafkaSizing = Field(default_factory=empty(KafkaSizing), description="Kafka cluster and topics.")
    flink: FlinkSizing = Field(default_factory=empty(FlinkSizing), description="Stream jobs.")


class Engines(Model):
    """Processing engine per layer; `auto` picks from cloud and architecture (the plan says why)."""

    stream: StreamEngine = Field(StreamEngine.AUTO, description="flink or spark (Structured Streaming).")
    batch: BatchEngine = Field(BatchEngine.AUTO, description="dbt or spark for batch transforms.")
    compute: Compute = Field(Compute.AUTO, description="Where engines run: local, kubernetes or databricks.")


class Spec(Model):
    """pipegen.yaml, version 1."""

    version: int = Field(..., strict=True, description="Spec format version. Supported: 1.")
    pipeline: Pipeline = Field(..., description="Identity of the pipeline.")
    latency: Latency = Field(..., description="How fresh consumers need the data: a duration or `realtime`.")
    volume: Volume = Field(default_factory=empty(Volume), description="Expected load; drives capacity figures.")
    architecture: Architecture = Field(Architecture.AUTO, description="auto (recommended) or a fixed pattern.")
    orchestrator: Orchestrator = Field(Orchestrator.AIRFLOW, description="airflow or prefect.")
    cloud: Cloud = Field(Cloud.LOCAL, description="aws, gcp, azure or local.")
    sources: tuple[Source, ...] = Field(..., min_length=1, description="Where data comes from.")
    transforms: Transforms = Field(default_factory=empty(Transforms), description="Marts and stream jobs.")
    targets: tuple[Target, ...] = Field(..., min_length=1, description="Where data lands.")
    quality: Quality = Field(default_factory=empty(Quality), description="Data-quality policy.")
    monitoring: Monitoring = Field(default_factory=empty(Monitoring), description="Metrics, dashboards, alerts.")
    deploy: Deploy = Field(default_factory=empty(Deploy), description="Kubernetes, Terraform, environments.")
    orchestration: Orchestration = Field(
        default_factory=empty(Orchestration), description="Retries, timeouts, upstreams."
    )
    sizing: Sizing = Field(default_factory=empty(Sizing), description="Overrides of computed Kafka and Flink sizes.")
    engines: Engines = Field(default_factory=empty(Engines), description="Processing engine per layer.")
