"""Spec v1 as Pydantic models: extra keys forbidden, frozen, every field documented.

Structure only. Rules that relate one part of the spec to another live in the rules package,
so each gets its own error code and a located diagnostic.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from pipegen.spec import types as t

SUPPORTED_VERSIONS = (1,)
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SNAKE_PATTERN = r"^[a-z][a-z0-9_]*$"
ENV_PATTERN = r"^[a-z][a-z0-9-]*$"
# Bounds of the numbers that drive capacity figures: large enough for any real pipeline,
# small enough that every figure derived from them stays a finite, printable number.
MAX_ROWS_PER_DAY = 10**13
MAX_ROW_BYTES = 100 * 1024 * 1024
MAX_RETENTION_DAYS = 36_500


class Model(BaseModel):
    # defer_build: only Spec's validator is ever built (on first use), with the nested models
    # inline, instead of one validator per class at import: `validate` starts faster.
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, defer_build=True)


# ---------------------------------------------------------------- scalar field types

Duration = Annotated[
    float,
    BeforeValidator(t.parse_duration),
    WithJsonSchema({"type": "string", "pattern": t.DURATION_PATTERN, "examples": ["30s", "15m", "1h", "1d"]}),
]
Latency = Annotated[
    float,
    BeforeValidator(t.parse_latency),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": t.DURATION_PATTERN},
                {"const": "realtime"},
            ],
            "examples": ["realtime", "1m", "1h", "1d"],
        }
    ),
]
Cron = Annotated[str, AfterValidator(t.check_cron)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
KubeName = Annotated[
    str,
    AfterValidator(t.check_dns_label),
    WithJsonSchema({"type": "string", "pattern": t.DNS_LABEL_PATTERN, "maxLength": t.DNS_LABEL_MAX}),
]
EnvironmentName = Annotated[
    str,
    AfterValidator(t.check_environment_name),
    WithJsonSchema({"type": "string", "pattern": ENV_PATTERN, "maxLength": t.DNS_LABEL_MAX}),
]
EnvVarName = Annotated[
    str, AfterValidator(t.check_env_var_name), WithJsonSchema({"type": "string", "pattern": t.ENV_VAR_PATTERN})
]
EnvVarValue = Annotated[str, AfterValidator(t.check_env_var_value), WithJsonSchema({"type": "string", "minLength": 1})]
Name = Annotated[str, Field(pattern=NAME_PATTERN, min_length=1, max_length=255)]
SnakeName = Annotated[str, Field(pattern=SNAKE_PATTERN, min_length=1, max_length=63)]


def canonical_column_type(value: str) -> str:
    return str(t.parse_column_type(value))


ColumnTypeText = Annotated[
    str,
    AfterValidator(canonical_column_type),
    WithJsonSchema({"type": "string", "examples": ["bigint", "string", "decimal(12,2)", "timestamp"]}),
]


def _as_list(value: Any) -> Any:
    """Accept a single name where a list of names is expected."""
    return [value] if isinstance(value, str) else value


NameList = Annotated[
    tuple[str, ...],
    BeforeValidator(_as_list, json_schema_input_type=str | list[str]),
]


# ---------------------------------------------------------------- enumerations


class Architecture(StrEnum):
    AUTO = "auto"
    ETL = "etl"
    ELT = "elt"
    LAMBDA = "lambda"
    KAPPA = "kappa"
    LAKEHOUSE = "lakehouse"


class Orchestrator(StrEnum):
    AIRFLOW = "airflow"
    PREFECT = "prefect"


class Cloud(StrEnum):
    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    LOCAL = "local"


class SourceType(StrEnum):
    POSTGRES = "postgres"
    MYSQL = "mysql"
    SQLSERVER = "sqlserver"
    ORACLE = "oracle"
    MONGODB = "mongodb"
    API = "api"
    FILES = "files"
    FAKER = "faker"
    KAFKA = "kafka"
    EVENTHUBS = "eventhubs"
    KINESIS = "kinesis"
    PUBSUB = "pubsub"


class Ingestion(StrEnum):
    BATCH = "batch"
    CDC = "cdc"
    STREAM = "stream"


class TargetType(StrEnum):
    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    SNOWFLAKE = "snowflake"
    BIGQUERY = "bigquery"
    REDSHIFT = "redshift"
    SYNAPSE = "synapse"
    DATABRICKS = "databricks"
    DELTA = "delta"
    ICEBERG = "iceberg"
    CLICKHOUSE = "clickhouse"
    DRUID = "druid"
    FILES = "files"
    KAFKA = "kafka"


class FileFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    AVRO = "avro"


class MessageFormat(StrEnum):
    JSON = "json"
    AVRO = "avro"
    PROTOBUF = "protobuf"
    CSV = "csv"


class PiiAction(StrEnum):
    MASK = "mask"
    HASH = "hash"
    DROP = "drop"
    NONE = "none"


class Severity(StrEnum):
    ERROR = "error"
    WARN = "warn"


class OnFailure(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    QUARANTINE = "quarantine"


class WindowType(StrEnum):
    TUMBLE = "tumble"
    HOP = "hop"
    SESSION = "session"
    CUMULATE = "cumulate"


class Aggregation(StrEnum):
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"


class Materialization(StrEnum):
    VIEW = "view"
    TABLE = "table"
    INCREMENTAL = "incremental"


class JoinType(StrEnum):
    INNER = "inner"
    LEFT = "left"
    LOOKUP = "lookup"


class Pagination(StrEnum):
    NONE = "none"
    PAGE = "page"
    OFFSET = "offset"
    CURSOR = "cursor"
    LINK_HEADER = "link_header"


class ApiAuth(StrEnum):
    NONE = "none"
    BEARER = "bearer"
    API_KEY = "api_key"
    BASIC = "basic"
    OAUTH2 = "oauth2"


class NotificationType(StrEnum):
    SLACK = "slack"
    EMAIL = "email"
    PAGERDUTY = "pagerduty"
    TEAMS = "teams"
    WEBHOOK = "webhook"


class EventSink(StrEnum):
    NONE = "none"
    LOG = "log"
    KAFKA = "kafka"


class Layer(StrEnum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


# ---------------------------------------------------------------- column rules


class Rule(Model):
    """Options every column rule accepts."""

    mostly: float | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Fraction of rows that must pass (1 = all), 0 to 1. Default: 1 - quality.fail_threshold.",
    )
    severity: Severity | None = Field(None, description="Overrides quality.severity for this rule.")


class RangeRule(Rule):
    min: float | None = Field(
        None, ge=-1e18, le=1e18, allow_inf_nan=False, description="Smallest allowed value (inclusive), ±10^18."
    )
    max: float | None = Field(
        None, ge=-1e18, le=1e18, allow_inf_nan=False, description="Largest allowed value (inclusive), ±10^18."
    )


class AcceptedValuesRule(Rule):
    values: tuple[str | int | FiniteFloat | bool, ...] = Field(
        ..., min_length=1, description="The allowed values (numbers finite)."
    )


class RegexRule(Rule):
    pattern: str = Field(..., min_length=1, description="A regular expression every value must match.")


class ForeignKeyRule(Rule):
    references: str = Field(
        ..., description="'table.column' or 'source.table.column' that every non-null value must exist in."
    )


def _flag_rule(value: Any) -> Any:
    if value is True:
        return {}
    if value is False or value is None:
        return None
    return value


def _values_rule(value: Any) -> Any:
    return {"values": value} if isinstance(value, list | tuple) else value


def _regex_rule(value: Any) -> Any:
    return {"pattern": value} if isinstance(value, str) else value


def _fk_rule(value: Any) -> Any:
    return {"references": value} if isinstance(value, str) else value


def _pii(value: Any) -> Any:
    if value is True:
        return "mask"
    if value is False or value is None:
        return "none"
    return value


class Column(Model):
    """A column and the rules its values must follow."""

    name: Name = Field(..., description="Column name as in the source.")
    type: ColumnTypeText = Field(
        ...,
        description="Portable type: string, int, bigint, smallint, float, double, decimal(p,s), "
        "boolean, date, time, timestamp, timestamp_tz, json, binary, uuid (common aliases accepted).",
    )
    description: str | None = Field(None, description="What the column means; shown in docs and dbt.")
    not_null: Annotated[Rule | None, BeforeValidator(_flag_rule, json_schema_input_type=bool | Rule)] = Field(
        None, description="`true`, or `{mostly: 0.99}`: values must not be null."
    )
    unique: Annotated[Rule | None, BeforeValidator(_flag_rule, json_schema_input_type=bool | Rule)] = Field(
        None, description="`true`: values must be unique."
    )
    range: RangeRule | None = Field(None, description="`{min: 0, max: 100}`: numeric bounds (inclusive).")
    accepted_values: Annotated[
        AcceptedValuesRule | None,
        BeforeValidator(_values_rule, json_schema_input_type=list[str | int | float | bool] | AcceptedValuesRule),
    ] = Field(None, description="A list of allowed values, or `{values: [...], mostly: 0.99}`.")
    regex: Annotated[RegexRule | None, BeforeValidator(_regex_rule, json_schema_input_type=str | RegexRule)] = Field(
        None, description="A pattern every value must match, or `{pattern: ..., mostly: ...}`."
    )
    foreign_key: Annotated[
        ForeignKeyRule | None, BeforeValidator(_fk_rule, json_schema_input_type=str | ForeignKeyRule)
    ] = Field(None, description="`table.column` (or `source.table.column`) this column refers to.")
    pii: Annotated[PiiAction, BeforeValidator(_pii, json_schema_input_type=bool | PiiAction)] = Field(
        PiiAction.NONE,
        description="Personal data: `true`/`mask`, `hash`, `drop` or `none`. Masking PII "
        "before it lands makes the pipeline ETL.",
    )
    faker: str | None = Field(None, description="Faker provider for synthetic data, e.g. `email`, `city`.")


class PaginationConfig(Model):
    type: Pagination = Field(Pagination.NONE, description="How the API pages its results.")
    page_size: int = Field(100, ge=1, le=100000, description="Records per request, 1 to 100,000.")
    param: str | None = Field(None, description="Query parameter carrying the page, offset or cursor.")
    cursor_path: str | None = Field(None, description="Where the next cursor is in the response (dotted path).")


class Dataset(Model):
    """A table (databases, APIs, files, synthetic) or a topic (streams) and its columns."""

    name: Name = Field(..., description="Table or topic name.")
    description: str | None = Field(None, description="What one row means.")
    columns: tuple[Column, ...] = Field(..., min_length=1, description="The columns, in order.")
    primary_key: NameList = Field((), description="Column(s) that identify a row.")
    watermark: str | None = Field(
        None, description="Column that only grows (updated_at, id): incremental loads read past its last value."
    )
    event_time: str | None = Field(None, description="Streams: the column holding the event time.")
    watermark_delay: Duration | None = Field(None, description="Streams: how late events may arrive, e.g. 5s.")
    format: MessageFormat | FileFormat | None = Field(None, description="Topics and files: the record format.")
    endpoint: str | None = Field(None, description="APIs: the resource path, e.g. /v1/customers.")
    pagination: PaginationConfig | None = Field(None, description="APIs: how results are paged.")
    path: str | None = Field(None, description="Files: a path or glob relative to the source location.")
    records_path: str | None = Field(None, description="APIs: dotted path of the record list in a response.")
    rows_per_day: int | None = Field(
        None,
        ge=0,
        le=MAX_ROWS_PER_DAY,
        description="This table's daily rows, 0 to 10^13 (overrides the even share of volume.rows_per_day).",
    )
    avg_row_bytes: int | None = Field(
        None, ge=1, le=MAX_ROW_BYTES, description="This table's average row size in bytes, 1 to 100 MiB."
    )


class Connection(Model):
    """How to reach a system. Secrets only as `${secret:NAME}` or `${env:NAME}`."""

    host: str | None = Field(None, description="Host name.")
    port: int | None = Field(None, ge=1, le=65535, description="TCP port, 1 to 65535.")
    database: str | None = Field(None, description="Database name.")
    schema_name: str | None = Field(None, alias="schema", description="Schema (or dataset) name.")
    user: str | None = Field(None, description="User name (a literal is fine).")
    password: str | None = Field(None, description="Password: a secret reference.")
    url: str | None = Field(None, description="A URL (APIs: the base URL; files: the location).")
    bootstrap_servers: str | None = Field(None, description="Kafka: host:port[,host:port].")
    namespace: str | None = Field(None, description="Event Hubs namespace.")
    stream: str | None = Field(None, description="Kinesis stream or Pub/Sub subscription.")
    bucket: str | None = Field(None, description="Object-store bucket or container.")
    account: str | None = Field(None, description="Snowflake account or storage account.")
    warehouse: str | None = Field(None, description="Snowflake/Databricks warehouse.")
    role: str | None = Field(None, description="Role to assume.")
    project: str | None = Field(None, description="GCP project.")
    region: str | None = Field(None, description="Cloud region.")
    catalog: str | None = Field(None, description="Lake catalog (Unity, Glue, REST).")
    path: str | None = Field(None, description="Local path (DuckDB file, local lake).")
    auth: ApiAuth | None = Field(None, description="APIs: the authentication scheme.")
    token: str | None = Field(None, description="Token: a secret reference.")
    api_key: str | None = Field(None, description="API key: a secret reference.")
    client_id: str | None = Field(None, description="OAuth/Service principal client id.")
    client_secret: str | None = Field(None, description="Client secret: a secret reference.")
    private_key: str | None = Field(None, description="Private key: a secret reference.")
    connection_string: str | None = Field(None, description="A full connection string: a secret reference.")
    options: dict[str, str | int | FiniteFloat | bool] = Field(
        default_factory=dict, description="Any other driver setting, passed through as-is (numbers finite)."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Source(Model):
    """Where data comes from and how it is read."""

    name: Name = Field(..., description="Unique source name.")
    type: SourceType = Field(..., description="The kind of system.")
    ingestion: Ingestion = Field(Ingestion.BATCH, description="batch (incremental pulls), cdc (log-based) or stream.")
    description: str | None = Field(None, description="What this source is.")
    connection: Connection = Field(default_factory=Connection, description="How to reach it.")
    tables: tuple[Dataset, ...] = Field((), description="Databases, APIs, files and synthetic sources: the tables.")
    topics: tuple[Dataset, ...] = Field((), description="Kafka, Event Hubs, Kinesis, Pub/Sub: the topics/streams.")


class Measure(Model):
    name: Name = Field(..., description="Output column name.")
    agg: Aggregation = Field(..., description="count, count_distinct, sum, avg, min or max.")
    column: str | None = Field(None, description="Input column (not needed for count).")


class Join(Model):
    table: str = Field(..., description="Table to join ('table' or 'source.table', or a mart).")
    on: NameList = Field(..., description="Column(s) present on both sides.")
    type: JoinType = Field(JoinType.LEFT, description="inner, left, or lookup (streams: a dimension lookup).")


class Mart(Model):
    """A dbt mart built from staged tables."""

    name: SnakeName = Field(..., description="Model name.")
    description: str | None = Field(None, description="What the mart answers.")
    from_: str = Field(..., alias="from", description="Base table ('table', 'source.table') or another mart.")
    joins: tuple[Join, ...] = Field((), description="Tables joined to the base.")
    group_by: NameList = Field((), description="Grain columns ('column' or 'table.column').")
    measures: tuple[Measure, ...] = Field((), description="Aggregates computed per group.")
    filter: str | None = Field(None, description="A SQL boolean expression rows must satisfy.")
    materialized: Materialization = Field(Materialization.TABLE, description="view, table or incremental.")
    unique_key: NameList = Field((), description="Incremental models: the key to upsert on.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Window(Model):
    type: WindowType = Field(..., description="tumble, hop (sliding), session or cumulate.")
    size: Duration | None = Field(None, description="Window length (tumble, hop, cumulate).")
    slide: Duration | None = Field(None, description="hop: how often a window starts.")
    gap: Duration | None = Field(None, description="session: inactivity that closes a session.")
    step: Duration | None = Field(None, description="cumulate: how often a growing window emits.")


class TopN(Model):
    n: int = Field(..., ge=1, le=10000, description="How many rows to keep per window, 1 to 10,000.")
    order_by: str = Field(..., description="Measure to rank by (descending).")


class StreamJob(Model):
    """A continuous aggregation or filter (Flink SQL)."""

    name: SnakeName = Field(..., description="Job name.")
    description: str | None = Field(None, description="What the job computes.")
    from_: str = Field(..., alias="from", description="Input topic or CDC table ('name' or 'source.name').")
    joins: tuple[Join, ...] = Field((), description="Dimension lookups or stream joins.")
    filter: str | None = Field(None, description="A SQL boolean expression (e.g. an anomaly condition).")
    window: Window | None = Field(None, description="Time window; omit for a per-event filter.")
    group_by: NameList = Field((), description="Grouping columns.")
    measures: tuple[Measure, ...] = Field((), description="Aggregates per window and group.")
    top_n: TopN | None = Field(None, description="Keep only the top N groups per window.")
    sink: str | None = Field(None, description="Target name the results go to (default: the first target).")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Transforms(Model):
    marts: tuple[Mart, ...] = Field((), description="Batch marts (dbt). Staging models are derived from sources.")
    streams: tuple[StreamJob, ...] = Field((), description="Stream jobs (Flink SQL).")


class Target(Model):
    """Where data lands."""

    name: Name = Field(..., description="Unique target name.")
    type: TargetType = Field(..., description="Warehouse, lake table format, OLAP store, files or Kafka.")
    connection: Connection = Field(default_factory=Connection, description="How to reach it.")
    format: FileFormat | None = Field(None, description="files targets: the file format (default parquet).")
    partition_by: NameList = Field((), description="Partition columns (time columns get a granularity from volume).")
    layers: tuple[Layer, ...] = Field((), description="Lakehouse: medallion layers to build (default all three).")


class Notification(Model):
    type: NotificationType = Field(..., description="slack, email, pagerduty, teams or webhook.")
    channel: str | None = Field(None, description="Slack channel.")
    to: NameList | None = Field(None, description="Email recipients.")
    webhook: str | None = Field(None, description="Webhook URL: a secret reference.")
    routing_key: str | None = Field(None, description="PagerDuty routing key: a secret reference.")
    on: tuple[Severity, ...] = Field((Severity.ERROR,), description="Which severities notify.")


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
    events: Events = Field(default_factory=Events, description="Where validation events are published.")
    notifications: tuple[Notification, ...] = Field((), description="Who hears about failures.")


class Alerts(Model):
    failure_rate: float = Field(
        0.05, ge=0, le=1, allow_inf_nan=False, description="Alert when the failed-run ratio exceeds this, 0 to 1."
    )
    consumer_lag: Duration | None = Field(None, description="Streams: alert when consumer lag exceeds this.")
    row_drop: float | None = Field(
        None, ge=0, le=1, allow_inf_nan=False, description="Alert when daily rows drop by this fraction, 0 to 1."
    )


class Monitoring(Model):
    prometheus: bool = Field(True, description="Generate Prometheus rules and scrape configs.")
    grafana: bool = Field(True, description="Generate Grafana dashboards.")
    freshness_sla: Duration | None = Field(
        None, description="Alert when data is older than this (default: 2 x latency)."
    )
    alerts: Alerts = Field(default_factory=Alerts, description="Alert thresholds.")


class Resources(Model):
    cpu: str = Field(
        "500m", pattern=r"^\d+(\.\d+)?m?$", max_length=12, description="CPU request/limit, e.g. 500m or 2."
    )
    memory: str = Field("1Gi", pattern=r"^\d+(Ki|Mi|Gi|Ti)$", max_length=12, description="Memory, e.g. 512Mi or 2Gi.")


class Environment(Model):
    replicas: int | None = Field(None, ge=0, le=1000, description="Worker replicas, 0 to 1,000.")
    resources: Resources | None = Field(None, description="Container resources.")
    schedule: Cron | None = Field(None, description="Overrides the batch schedule in this environment.")
    variables: dict[EnvVarName, EnvVarValue] = Field(
        default_factory=dict,
        description="Environment variables: names of letters, digits and `_` (not starting with a digit); "
        "values non-empty, one line, no `$(` (Kubernetes expands it); no literal secrets.",
    )
    targets: dict[str, Connection] = Field(default_factory=dict, description="Per-target connection overrides.")


class Kubernetes(Model):
    enabled: bool = Field(False, description="Generate Kubernetes manifests.")
    namespace: KubeName | None = Field(
        None, description="Namespace: a DNS-1123 label (at most 63 lowercase letters, digits and `-`)."
    )


class Terraform(Model):
    enabled: bool = Field(False, description="Generate a Terraform project for the cloud resources.")


class Deploy(Model):
    kubernetes: Kubernetes = Field(default_factory=Kubernetes, description="Kubernetes manifests.")
    terraform: Terraform = Field(default_factory=Terraform, description="Terraform infrastructure.")
    environments: dict[EnvironmentName, Environment] = Field(
        default_factory=dict,
        description="dev/staging/prod and their overrides. Names: DNS-1123 labels starting with a letter.",
    )


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


class Spec(Model):
    """pipegen.yaml, version 1."""

    version: int = Field(..., strict=True, description="Spec format version. Supported: 1.")
    pipeline: Pipeline = Field(..., description="Identity of the pipeline.")
    latency: Latency = Field(..., description="How fresh consumers need the data: a duration or `realtime`.")
    volume: Volume = Field(default_factory=Volume, description="Expected load; drives capacity figures.")
    architecture: Architecture = Field(Architecture.AUTO, description="auto (recommended) or a fixed pattern.")
    orchestrator: Orchestrator = Field(Orchestrator.AIRFLOW, description="airflow or prefect.")
    cloud: Cloud = Field(Cloud.LOCAL, description="aws, gcp, azure or local.")
    sources: tuple[Source, ...] = Field(..., min_length=1, description="Where data comes from.")
    transforms: Transforms = Field(default_factory=Transforms, description="Marts and stream jobs.")
    targets: tuple[Target, ...] = Field(..., min_length=1, description="Where data lands.")
    quality: Quality = Field(default_factory=Quality, description="Data-quality policy.")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Metrics, dashboards, alerts.")
    deploy: Deploy = Field(default_factory=Deploy, description="Kubernetes, Terraform, environments.")
