"""Running the pipeline: quality policy, monitoring, deployment and orchestration."""

from typing import Annotated

from pydantic import Field

from pipegen.spec.model.base import (
    Duration,
    EnvironmentName,
    EnvironmentSchedule,
    EnvVarName,
    EnvVarValue,
    KubeName,
    Model,
    empty,
)
from pipegen.spec.model.connections import Connection, Notification
from pipegen.spec.model.enums import EventSink, LineageTransport, MetricsPublish, OnFailure, Severity


class Events(Model):
    sink: EventSink = Field(EventSink.LOG, description="Where validation events go: none, log or kafka.")
    topic: str | None = Field(None, description="kafka: the topic for validation events.")


class Quality(Model):
    severity: Severity = Field(Severity.ERROR, description="Default severity of column rules.")
    fail_threshold: float = Field(
        0.0,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="Fraction of rows a rule may fail before it fails (a default `mostly`), 0 to below 1.",
    )
    on_failure: OnFailure = Field(
        OnFailure.BLOCK, description="block the load, warn and continue, or quarantine bad rows."
    )
    events: Events = Field(default_factory=empty(Events), description="Where validation events are published.")
    notifications: tuple[Notification, ...] = Field((), description="Who hears about failures.")


class Alerts(Model):
    failure_rate: float = Field(
        0.05, ge=0, le=1, allow_inf_nan=False, description="Alert when the failed-run ratio exceeds this, 0 to 1."
    )
    consumer_lag: Duration | None = Field(
        None,
        description="Streams: alert when a consumer group is further behind than this at its topic's rate "
        "(default: the latency, at least 1m).",
    )
    row_drop: float | None = Field(
        None, ge=0, le=1, allow_inf_nan=False, description="Alert when daily rows drop by this fraction, 0 to 1."
    )


class Lineage(Model):
    enabled: bool = Field(True, description="Emit OpenLineage run events (START, COMPLETE, FAIL) for every step.")
    transport: LineageTransport = Field(
        LineageTransport.FILE,
        description="Where production runs send them: file (JSON lines at `path`) or http (Marquez or another "
        "OpenLineage backend at `url`). The local run always writes lineage/events.jsonl.",
    )
    url: str | None = Field(
        None,
        max_length=500,
        description="http: the backend's base URL (http:// or https://) or a ${env:NAME} reference.",
    )
    api_key: str | None = Field(None, description="http: the backend's API key: a secret reference.")
    path: str = Field(
        "lineage/events.jsonl", min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_./-]+$",
        description="file: the events file, relative to the project (letters, digits, `_`, `.`, `/`, `-`).",
    )  # fmt: skip
    namespace: str | None = Field(
        None, max_length=200, pattern=r"^[A-Za-z0-9_.:/-]+$",
        description="The jobs' OpenLineage namespace (default: the pipeline's name).",
    )  # fmt: skip


class Monitoring(Model):
    prometheus: bool = Field(
        True, description="Generate the monitoring family: metrics the local run writes, Prometheus rules, runbooks."
    )
    grafana: bool = Field(True, description="Grafana dashboards and their provisioning files (with `prometheus`).")
    publish: MetricsPublish = Field(
        MetricsPublish.TEXTFILE,
        description="How the batch steps' metrics reach Prometheus: `textfile` (the file the run writes, read by "
        "node_exporter's textfile collector) or `pushgateway` (the same metrics also pushed to the Prometheus "
        "Pushgateway at $PIPEGEN_PUSHGATEWAY_URL, one group per step (job = the pipeline, step = the step) "
        "so steps never replace each other's series; the file is still written). "
        "R434 warns where no batch step runs.",
    )
    freshness_sla: Duration | None = Field(
        None, description="Alert when data is older than this (default: 2 x latency)."
    )
    alerts: Alerts = Field(
        default_factory=empty(Alerts), description="Alert thresholds (docs/runbooks.md of the generated project)."
    )
    lineage: Lineage = Field(default_factory=empty(Lineage), description="OpenLineage run events of every step.")


class Resources(Model):
    cpu: str = Field(
        "500m", pattern=r"^\d+(\.\d+)?m?$", max_length=12, description="CPU request/limit, e.g. 500m or 2."
    )
    memory: str = Field("1Gi", pattern=r"^\d+(Ki|Mi|Gi|Ti)$", max_length=12, description="Memory, e.g. 512Mi or 2Gi.")


class Environment(Model):
    replicas: int | None = Field(
        None, ge=0, le=1000,
        description="Replicas of the orchestrator's workers on Kubernetes (Prefect's workers; Airflow's scheduler "
        "and API server), 0 to 1,000; R367 warns where nothing reads it (no Kubernetes).",
    )  # fmt: skip
    resources: Resources | None = Field(
        None,
        description="Requests and limits of the kubernetes family's containers (default: sized from the "
        "plan's capacity); R367 warns without `deploy.kubernetes`.",
    )
    schedule: EnvironmentSchedule | None = Field(
        None,
        description="The batch schedule in this environment (default: `pipeline.schedule`): a cron expression, or "
        "`none` for no schedule (manual runs only). The Airflow DAG picks it when `PIPEGEN_ENVIRONMENT` names the "
        "environment (the Kubernetes overlays set it); Prefect gets a deployment per environment. R508 checks "
        "the cron's fields; R509 warns where no orchestrator schedules the batch.",
    )
    kafka_brokers: int | None = Field(
        None, ge=1, le=1000,
        description="Kafka brokers in this environment (the Strimzi broker pool, MSK, Managed Kafka's vCPUs): "
        "default `dev` the replication factor, the others the plan's brokers; at least the replication "
        "factor (R425).",
    )  # fmt: skip
    flink_task_managers: int | None = Field(
        None, ge=1, le=1000,
        description="Flink task managers per stream job in this environment (its parallelism: task managers "
        "× slots); default `dev` one, the others from the plan's parallelism.",
    )  # fmt: skip
    variables: dict[EnvVarName, EnvVarValue] = Field(
        default_factory=dict,
        description="Environment variables: names of letters, digits and `_` (not starting with a digit); "
        "values non-empty, one line, no `$(` (Kubernetes expands it); no literal secrets.",
    )
    targets: dict[str, Connection] = Field(default_factory=dict, description="Per-target connection overrides.")


IMAGE_PATTERN = r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$"
TAG_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"


class Kubernetes(Model):
    enabled: bool = Field(False, description="Generate Kubernetes manifests.")
    namespace: KubeName | None = Field(
        None, description="Namespace: a DNS-1123 label (at most 63 lowercase letters, digits and `-`)."
    )
    image: str | None = Field(
        None, pattern=IMAGE_PATTERN, max_length=255,
        description="The project's container image, without tag (e.g. `registry.example.com/team/shop`; "
        "default: the pipeline's name). It must be in a registry the cloud's clusters pull from (R422).",
    )  # fmt: skip
    image_tags: dict[EnvironmentName, Annotated[str, Field(pattern=TAG_PATTERN)]] = Field(
        default_factory=dict,
        description="The image tag per deployment environment (default: the environment's name); "
        "every key names an environment of `deploy.environments` (else dev, staging, prod; R421).",
    )


class Terraform(Model):
    enabled: bool = Field(False, description="Generate a Terraform project for the cloud resources.")


class Deploy(Model):
    kubernetes: Kubernetes = Field(default_factory=empty(Kubernetes), description="Kubernetes manifests.")
    terraform: Terraform = Field(default_factory=empty(Terraform), description="Terraform infrastructure.")
    environments: dict[EnvironmentName, Environment] = Field(
        default_factory=dict,
        description="dev/staging/prod and their overrides. Names: DNS-1123 labels starting with a letter.",
    )


class Upstream(Model):
    pipeline: str = Field(..., min_length=1, description="The other pipeline (its DAG/flow name).")
    task: str | None = Field(None, description="Wait for this task only (default: the whole run).")
    timeout: Duration = Field(3600.0, description="Give up waiting after this long.")
    poke_interval: Duration = Field(300.0, description="How often to check.")


class Orchestration(Model):
    """Retry, timeout and run policy of the orchestrated (batch) tasks."""

    retries: int = Field(2, ge=0, le=100, description="Retries per task.")
    retry_delay: Duration = Field(300.0, description="Wait before the first retry.")
    exponential_backoff: bool = Field(True, description="Double the delay after each retry.")
    max_retry_delay: Duration | None = Field(None, description="Upper bound of the retry delay.")
    execution_timeout: Duration | None = Field(None, description="Fail a task that runs longer than this.")
    catchup: bool = Field(False, description="Run the schedule's missed intervals after a pause.")
    max_active_runs: int = Field(1, ge=1, le=100, description="Runs of this pipeline at the same time.")
    depends_on: tuple[Upstream, ...] = Field((), description="Other pipelines that must succeed first (a sensor).")
    on_failure: tuple[Notification, ...] = Field((), description="Who is alerted when a run fails.")
    on_success: tuple[Notification, ...] = Field(
        (), description="Who receives a run summary (rows, quality results) when a run succeeds."
    )
