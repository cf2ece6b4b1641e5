"""What the monitoring family watches, from the spec and plan: the tables the batch layer loads
(with the column their freshness is measured on and the age that is too old), the stream side
(Kafka topics, Flink jobs), and the names of every metric the generated code emits
(`templates/runtime/metrics.py` writes them; the rules and dashboards query them).

Metric names follow Prometheus' conventions: a `pipegen_` prefix, base units (`_seconds`,
`_ratio`), `_total` on counters, `_timestamp_seconds` for Unix times."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.alerting import Watched, cdc_lag, consumer_lag, watched
from pipegen.plan.cdc import CDC_LAG_METRIC, cdc_sources
from pipegen.plan.components import Kind
from pipegen.plan.plan import Plan
from pipegen.spec.model import Spec
from pipegen.spec.model.enums import MetricsPublish

# name -> (type, help): the metrics pipeline/metrics.py writes (the one list; a test reads the
# local run's metrics file and finds each one there).
EMITTED: dict[str, tuple[str, str]] = {
    "pipegen_step_duration_seconds": ("gauge", "Wall time of the step's last run."),
    "pipegen_step_success": ("gauge", "1 when the step's last run succeeded, 0 when it failed."),
    "pipegen_step_runs_total": ("counter", "Runs of the step, by outcome (success, failure)."),
    "pipegen_step_last_success_timestamp_seconds": ("gauge", "When the step last succeeded (Unix time)."),
    "pipegen_rows_extracted_total": ("counter", "Rows read from the source (loaded plus rejected)."),
    "pipegen_rows_loaded_total": ("counter", "Rows loaded into the raw table."),
    "pipegen_rows_rejected_total": ("counter", "Rows sent to the table's dead-letter table."),
    "pipegen_rows_quarantined_total": ("counter", "Rows the quality step moved to the quarantine table."),
    "pipegen_table_newest_row_timestamp_seconds": ("gauge", "Newest value of the table's freshness column."),
    "pipegen_table_freshness_lag_seconds": ("gauge", "Age of the newest row when the run ended."),
    "pipegen_quality_expectations_evaluated_total": ("counter", "Expectations evaluated on the table."),
    "pipegen_quality_expectations_failed_total": ("counter", "Expectations that failed on the table."),
    "pipegen_quality_pass_ratio": ("gauge", "Share of the table's expectations that passed in its last validation."),
    "pipegen_quality_breaches_total": ("counter", "Row-level rules whose failure ratio passed `mostly`, by severity."),
}

# Metrics of the systems a stream plan runs on, by their own exporters: Strimzi's Kafka Exporter
# (danielqsj/kafka_exporter) and Flink's Prometheus metrics reporter.
EXPORTED: dict[str, str] = {
    "kafka_consumergroup_lag": "Kafka Exporter: messages a consumer group is behind, per partition",
    "kafka_topic_partition_current_offset": "Kafka Exporter: a partition's newest offset",
    "flink_jobmanager_job_numberOfFailedCheckpoints": "Flink: failed checkpoints of a job (counter)",
    "flink_jobmanager_job_lastCheckpointDuration": "Flink: duration of the last checkpoint, in milliseconds",
    "flink_taskmanager_job_task_backPressuredTimeMsPerSecond": "Flink: ms per second a task is back-pressured",
    CDC_LAG_METRIC: "Debezium (the Connect pods' JMX exporter): ms between a change's commit and its capture",
}


@dataclass(frozen=True)
class Scope:
    pipeline: str
    tables: tuple[Watched, ...]
    batch: bool  # the plan has a batch layer (steps, loads)
    quality: bool  # the plan has GX quality checks (validation events)
    kafka: bool
    flink: bool
    topic_prefix: str  # every topic of the pipeline starts with it
    job_prefix: str  # every Flink job name of the pipeline starts with it
    failure_rate: float
    row_drop: float | None
    consumer_lag: float
    cdc: tuple[str, ...]  # the Debezium connectors' topic.prefix values (their metrics' `name` label)
    cdc_lag: float
    kubernetes: bool
    namespace: str
    grafana: bool
    push: bool  # monitoring.publish: pushgateway with a batch layer: the batch metrics are also pushed

    @property
    def timed(self) -> bool:
        """Some watched table has a freshness column."""
        return any(t.column for t in self.tables)


def scope(spec: Spec, plan: Plan) -> Scope:
    names = plan.names
    kinds = plan.graph.kinds
    alerts = spec.monitoring.alerts
    return Scope(
        pipeline=str(names.pipeline),
        tables=watched(spec, plan),
        batch=bool(plan.graph.batch_sources),
        quality=bool(plan.graph.batch_sources) and Kind.QUALITY_CHECKS in kinds,
        kafka=Kind.KAFKA_TOPICS in kinds,
        flink=Kind.FLINK_JOBS in kinds,
        topic_prefix=f"{names.pipeline}.",
        job_prefix=f"{names.pipeline}__",
        failure_rate=alerts.failure_rate,
        row_drop=alerts.row_drop,
        consumer_lag=consumer_lag(spec),
        cdc=tuple(str(names.cdc_source(src.name).topic_prefix) for src in cdc_sources(spec))
        if Kind.KAFKA_TOPICS in kinds
        else (),
        cdc_lag=cdc_lag(spec),
        kubernetes=spec.deploy.kubernetes.enabled,
        namespace=str(names.k8s_namespace),
        grafana=spec.monitoring.grafana,
        push=bool(plan.graph.batch_sources) and spec.monitoring.publish == MetricsPublish.PUSHGATEWAY,
    )
