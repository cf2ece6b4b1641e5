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
    MYSQL = "mysql"


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
    EPHEMERAL = "ephemeral"


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


class SinkMode(StrEnum):
    APPEND = "append"
    UPSERT = "upsert"


class ExpectedColumns(StrEnum):
    ORDERED = "ordered"
    UNORDERED = "unordered"
    NONE = "none"


class SyntheticWrites(StrEnum):
    FILES = "files"
    DATABASE = "database"
    STREAM = "stream"


class StreamEngine(StrEnum):
    AUTO = "auto"
    FLINK = "flink"
    SPARK = "spark"


class BatchEngine(StrEnum):
    AUTO = "auto"
    DBT = "dbt"
    SPARK = "spark"


class Compute(StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    KUBERNETES = "kubernetes"
    DATABRICKS = "databricks"


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


class ColumnRules(Model):
    """An output column's name, meaning and the rules its values must follow (source columns,
    derived columns and mart outputs share them)."""

    name: Name | None = Field(None, description="Output column name.")
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
    ] = Field(None, description="`table.column` (or `source.table.column`, or `mart.column`) this column refers to.")


class Column(ColumnRules):
    """A column and the rules its values must follow."""

    name: Name = Field(..., description="Column name as in the source (what extraction reads).")
    type: ColumnTypeText = Field(
        ...,
        description="Portable type: string, int, bigint, smallint, float, double, decimal(p,s), "
        "boolean, date, time, timestamp, timestamp_tz, json, binary, uuid (common aliases accepted); "
        "timestamp(3) for a precision; array<T>, map<K, V>, struct<name: T, ...> for nested JSON records.",
    )
    pii: Annotated[PiiAction, BeforeValidator(_pii, json_schema_input_type=bool | PiiAction)] = Field(
        PiiAction.NONE,
        description="Personal data: `true`/`mask`, `hash`, `drop` or `none`. Masking PII "
        "before it lands makes the pipeline ETL.",
    )
    faker: str | None = Field(
        None, description="Faker provider for synthetic data, e.g. `email`, `city` (checked against Faker's providers)."
    )
    rename: Name | None = Field(
        None,
        description="The column's name from staging on (`id` -> `customer_id`): extraction reads `name`, "
        "transforms and joins see `rename`.",
    )
    metadata: str | None = Field(
        None,
        description="Streams: read this column from the record's metadata instead of its value "
        "(kafka: timestamp, partition, offset, key, headers; cdc: op, source.ts_ms, ts_ms).",
    )

    @property
    def staged_name(self) -> str:
        return self.rename or self.name


class DerivedColumn(ColumnRules):
    """A column computed in staging from the table's columns (their staged names)."""

    name: Name = Field(..., description="Column name; a derived column named like a column replaces it in staging.")
    expr: str = Field(..., min_length=1, description="A SQL scalar expression over the table's columns.")
    type: ColumnTypeText = Field(..., description="The type of the result, e.g. int, double, timestamp(3).")


class Freshness(Model):
    column: str | None = Field(None, description="Timestamp column to measure (default: the watermark).")
    warn_after: Duration | None = Field(None, description="Warn when the newest row is older than this.")
    error_after: Duration | None = Field(None, description="Fail when the newest row is older than this.")


class RowCount(Model):
    min: int | None = Field(None, ge=0, description="Fewest rows a load may have.")
    max: int | None = Field(None, ge=0, description="Most rows a load may have.")


class Drift(Model):
    """How far a table's profile may move between two runs before a DataDriftDetected event."""

    row_count: float | None = Field(None, ge=0, le=100, description="Relative change of the row count (0.3 = 30%).")
    null_rate: float | None = Field(
        None, ge=0, le=1, description="Absolute change of a column's null fraction (0.05 = 5 points)."
    )
    mean: float | None = Field(None, ge=0, le=100, description="Relative change of a numeric column's mean.")
    distinct_count: float | None = Field(
        None, ge=0, le=100, description="Relative change of a column's distinct count."
    )
    columns: NameList = Field((), description="Columns the column metrics watch (default: all).")


class TableQuality(Model):
    """Table-level expectations (beside the column rules)."""

    expected_columns: ExpectedColumns = Field(
        ExpectedColumns.NONE,
        description="The declared columns must be exactly the table's: `ordered`, `unordered`, or `none` (no check).",
    )
    row_count: RowCount | None = Field(None, description="`{min: 1000, max: 10000000}` rows per load.")
    freshness: Freshness | None = Field(None, description="Per-table freshness (overrides monitoring.freshness_sla).")
    drift: Drift | None = Field(None, description="Drift thresholds between runs.")
    severity: Severity | None = Field(None, description="Overrides quality.severity for these checks.")


def _rate(value: Any) -> Any:
    """'100/s' or '6000/m' -> events per second."""
    if isinstance(value, str) and "/" in value:
        count, _, unit = value.partition("/")
        return float(count.strip()) / t.parse_duration(f"1{unit.strip()}")
    return value


Rate = Annotated[
    float,
    Field(gt=0, le=10_000_000),
    BeforeValidator(_rate, json_schema_input_type=float | str),
]


class Bursts(Model):
    every: Duration = Field(..., description="How often a burst starts.")
    length: Duration = Field(..., description="How long a burst lasts.")
    factor: float = Field(..., gt=1, le=1000, description="Rate multiplier during a burst.")


class StreamShape(Model):
    rate: Rate = Field(..., description="Events per second (`100`, or `100/s`, `6000/m`).")
    bursts: Bursts | None = Field(None, description="Periodic bursts above the rate.")
    endless: bool = Field(True, description="Run until stopped (false: stop after `rows`).")


class Inject(Model):
    """Imperfections the generator injects, as a fraction of rows."""

    nulls: float = Field(0, ge=0, le=1, description="Nullable columns left empty.")
    gaps: float = Field(0, ge=0, le=1, description="Rows skipped (missing events, holes in sequences).")
    outliers: float = Field(0, ge=0, le=1, description="Numeric values far outside their range.")
    duplicates: float = Field(0, ge=0, le=1, description="Rows emitted twice.")


class SyntheticTable(Model):
    """Faker sources: how one table is generated."""

    rows: int | None = Field(None, ge=1, le=10**12, description="Rows generated per run (the volume knob).")
    writes_to: SyntheticWrites = Field(
        SyntheticWrites.FILES, description="files (the lake), database (a SQL database) or stream (an event stream)."
    )
    system: SourceType | None = Field(
        None,
        description="database: postgres, mysql or sqlserver; stream: kafka, eventhubs, kinesis or pubsub "
        "(default from the cloud).",
    )
    format: FileFormat | None = Field(None, description="files: the file format (default jsonl).")
    file_per_row: bool = Field(False, description="files: one file per row (e.g. one JSON document per product).")
    stream: StreamShape | None = Field(None, description="stream: rate, bursts, endless.")
    inject: Inject | None = Field(None, description="Injected nulls, gaps, outliers, duplicates.")


class SyntheticSource(Model):
    locale: str = Field("en_US", description="Faker locale, e.g. cs_CZ (checked against Faker's locales).")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Random seed: the same seed, the same data.")


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
    event_time: str | None = Field(
        None,
        description="Streams: the column (or derived column, for an expression) holding the event time; "
        "windows and history need it.",
    )
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
    derived: tuple[DerivedColumn, ...] = Field(
        (), description="Columns computed in staging: `{name: profit, expr: (price - cost) * qty, type: double}`."
    )
    filter: str | None = Field(
        None, description="A SQL condition applied at extraction (source column names), e.g. `is_deleted = 0`."
    )
    quality: TableQuality | None = Field(None, description="Table-level checks: columns, row count, freshness, drift.")
    synthetic: SyntheticTable | None = Field(None, description="Faker sources: rows, destination, stream shape.")


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
    synthetic: SyntheticSource | None = Field(None, description="Faker sources: locale and seed.")


ScalarValue = str | int | float | bool


class Measure(ColumnRules):
    """An aggregate: `agg` over `column`/`expr`, optionally only over rows matching `where`."""

    name: Name = Field(..., description="Output column name.")
    agg: Aggregation | None = Field(
        None,
        description="count, count_distinct, sum, avg, min or max; omit it when `expr` is itself an aggregate "
        "expression such as `sum(amount) / count(*)`.",
    )
    column: str | None = Field(None, description="Input column (not needed for count).")
    expr: str | None = Field(None, description="Input expression instead of a column, e.g. `(price - cost) * qty`.")
    where: str | None = Field(
        None, description="Only rows matching this condition count, e.g. `payment_method = 'coupon'`."
    )
    default: ScalarValue | None = Field(None, description="The value when no row matched (instead of NULL), e.g. 0.")


def _join_on(value: Any) -> Any:
    """'id', ['a', 'b'] or {left: right} -> ((left, right), ...)."""
    if isinstance(value, str):
        return ((value, value),)
    if isinstance(value, list | tuple):
        return tuple((v, v) if isinstance(v, str) else v for v in value)
    if isinstance(value, dict):
        return tuple(value.items())
    return value


JoinOn = Annotated[
    tuple[tuple[str, str], ...],
    Field(min_length=1),
    BeforeValidator(_join_on, json_schema_input_type=str | list[str] | dict[str, str]),
]


class Join(Model):
    table: str = Field(..., description="Table to join ('table' or 'source.table', or a mart).")
    on: JoinOn = Field(
        ...,
        description="Key column(s) with the same name on both sides (`customer_id`, `[a, b]`), or pairs "
        "`{left column: right column}` such as `{user_id: id}`; the left column may be qualified.",
    )
    type: JoinType = Field(JoinType.LEFT, description="inner, left, or lookup (streams: a dimension lookup).")
    filter: str | None = Field(
        None, description="A condition on the joined table's rows, applied before the join (e.g. `is_active`)."
    )


def _output(value: Any) -> Any:
    return {"expr": value} if isinstance(value, str) else value


class OutputColumn(ColumnRules):
    """A selected column or expression; its name defaults to the column's name."""

    expr: str = Field(..., min_length=1, description="A column ('col' or 'table.col') or a SQL scalar expression.")

    @property
    def output_name(self) -> str:
        return self.name or self.expr.strip().rsplit(".", maxsplit=1)[-1]


Outputs = Annotated[
    tuple[OutputColumn, ...],
    BeforeValidator(
        lambda v: [_output(x) for x in v] if isinstance(v, list | tuple) else [_output(v)],
        json_schema_input_type=str | list[str | OutputColumn],
    ),
]


class Keep(StrEnum):
    LAST = "last"
    FIRST = "first"


class Deduplicate(Model):
    """Keep one row per key: `qualify row_number() over (partition by key order by order_by desc) = 1`."""

    key: NameList = Field(..., min_length=1, description="Columns that identify a row, e.g. order_id.")
    order_by: str = Field(..., min_length=1, description="Column or expression that orders a key's rows.")
    keep: Keep = Field(Keep.LAST, description="last (the greatest order_by) or first.")


class Sink(Model):
    target: str = Field(..., description="Target name.")
    table: str | None = Field(None, description="Table (or topic) in the target (default: the job name).")
    mode: SinkMode = Field(SinkMode.APPEND, description="append every result, or upsert by `key`.")
    key: NameList = Field((), description="upsert: the output columns that identify a row.")


class Mart(Model):
    """A dbt mart built from staged tables."""

    name: SnakeName = Field(..., description="Model name.")
    description: str | None = Field(None, description="What the mart answers.")
    from_: str = Field(..., alias="from", description="Base table ('table', 'source.table') or another mart.")
    joins: tuple[Join, ...] = Field((), description="Tables joined to the base.")
    columns: Outputs = Field(
        (),
        description="Row-level outputs in order (no measures): columns ('col', 'table.col') or "
        "`{name: ..., expr: ...}`, with descriptions and column rules.",
    )
    group_by: Outputs = Field(
        (), description="Grain: columns ('column' or 'table.column') or `{name: stat_date, expr: date(created_at)}`."
    )
    measures: tuple[Measure, ...] = Field((), description="Aggregates computed per group.")
    filter: str | None = Field(None, description="A SQL boolean expression rows must satisfy.")
    deduplicate: Deduplicate | None = Field(
        None, description="Keep one row per key (after `filter`, before grouping): `{key: [id], order_by: updated_at}`."
    )
    materialized: Materialization = Field(
        Materialization.TABLE,
        description="view, table, incremental, or ephemeral (a helper inlined where it is used, like a dbt CTE).",
    )
    unique_key: NameList = Field((), description="Incremental models: the key to upsert on.")
    target: str | None = Field(None, description="Target the mart is built in (default: the first that runs SQL).")

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


class History(Model):
    """A statistic over each key's previous events, joined to every event (e.g. the user's average order)."""

    name: Name = Field(..., description="Name the filter and outputs use.")
    agg: Aggregation = Field(..., description="avg, sum, min, max, count or count_distinct.")
    column: str | None = Field(None, description="Input column.")
    expr: str | None = Field(None, description="Input expression instead of a column.")
    per: NameList = Field(..., description="The key whose history counts, e.g. user_id.")
    previous: int | None = Field(None, ge=1, le=100000, description="The last N events before this one.")
    within: Duration | None = Field(None, description="Events in this span before this one (instead of `previous`).")


class StreamJob(Model):
    """A continuous aggregation or filter (Flink SQL)."""

    name: SnakeName = Field(..., description="Job name.")
    description: str | None = Field(None, description="What the job computes.")
    from_: str = Field(..., alias="from", description="Input topic or CDC table ('name' or 'source.name').")
    joins: tuple[Join, ...] = Field((), description="Dimension lookups or stream joins.")
    filter: str | None = Field(None, description="A SQL boolean expression (e.g. an anomaly condition).")
    window: Window | None = Field(None, description="Time window; omit for a per-event filter.")
    group_by: Outputs = Field((), description="Grouping columns or `{name: ..., expr: ...}` keys.")
    measures: tuple[Measure, ...] = Field((), description="Aggregates per window and group.")
    top_n: TopN | None = Field(None, description="Keep only the top N groups per window.")
    history: tuple[History, ...] = Field(
        (), description="Per-key statistics over previous events, usable in `filter` and `columns` (anomaly rules)."
    )
    columns: Outputs = Field(
        (), description="Per-event jobs: outputs in order (columns or `{name: ..., expr: ...}`); default all columns."
    )
    sink: Annotated[Sink | None, BeforeValidator(lambda v: {"target": v} if isinstance(v, str) else v)] = Field(
        None,
        description="Where results go: a target name, or `{target, table, mode: append|upsert, key}` "
        "(default: the first target, table named like the job).",
    )
    notify: tuple[Notification, ...] = Field(
        (), description="Alert jobs: also send each result to these channels (same as quality.notifications)."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Transforms(Model):
    marts: tuple[Mart, ...] = Field((), description="Batch marts (dbt). Staging models are derived from sources.")
    streams: tuple[StreamJob, ...] = Field((), description="Stream jobs (Flink SQL).")


class LayerPlace(Model):
    bucket: str | None = Field(None, description="Container/bucket of this layer (default: the target's).")
    path: str | None = Field(None, description="Path prefix inside the bucket.")


class LayerLocation(LayerPlace):
    layer: Layer = Field(..., description="bronze, silver or gold.")


def _layers(value: Any) -> Any:
    """[bronze, silver] or {bronze: {bucket: raw}, silver: null} -> [{layer: ..., bucket: ...}, ...]."""
    if isinstance(value, dict):
        return [{"layer": k, **(v or {})} if isinstance(v, dict) or v is None else v for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [{"layer": v} if isinstance(v, str) else v for v in value]
    return value


class Target(Model):
    """Where data lands."""

    name: Name = Field(..., description="Unique target name.")
    type: TargetType = Field(..., description="Warehouse, lake table format, OLAP store, files or Kafka.")
    connection: Connection = Field(default_factory=Connection, description="How to reach it.")
    format: FileFormat | None = Field(None, description="files targets: the file format (default parquet).")
    partition_by: NameList = Field((), description="Partition columns (time columns get a granularity from volume).")
    layers: Annotated[
        tuple[LayerLocation, ...],
        BeforeValidator(_layers, json_schema_input_type=list[Layer] | dict[Layer, LayerPlace | None]),
    ] = Field(
        (),
        description="Lakehouse: medallion layers to build (default all three), as a list, or a mapping "
        "`{bronze: {bucket: raw}, silver: {bucket: curated}}` placing each in its own container/bucket.",
    )


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


class KafkaSizing(Model):
    brokers: int | None = Field(None, ge=1, le=1000, description="Broker count (default: computed).")
    replication_factor: int | None = Field(None, ge=1, le=10, description="Topic replication (default: computed).")
    partitions: int | None = Field(None, ge=1, le=10000, description="Partitions per topic (default: computed).")


class FlinkSizing(Model):
    parallelism: int | None = Field(None, ge=1, le=10000, description="Job parallelism (default: computed).")
    checkpoint_interval: Duration | None = Field(None, description="Checkpoint interval (default: computed).")


class Sizing(Model):
    """Overrides of the plan's computed figures; `pipegen plan` shows both."""

    kafka: KafkaSizing = Field(default_factory=KafkaSizing, description="Kafka cluster and topics.")
    flink: FlinkSizing = Field(default_factory=FlinkSizing, description="Stream jobs.")


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
    orchestration: Orchestration = Field(default_factory=Orchestration, description="Retries, timeouts, upstreams.")
    sizing: Sizing = Field(default_factory=Sizing, description="Overrides of computed Kafka and Flink sizes.")
    engines: Engines = Field(default_factory=Engines, description="Processing engine per layer.")


StreamJob.model_rebuild()  # `notify` names Notification, which is defined after StreamJob
