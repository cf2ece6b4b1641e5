"""The spec's enumerations: every closed set of words a field accepts."""

from __future__ import annotations

from enum import StrEnum


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


class MetricsPublish(StrEnum):
    """How the batch steps' metrics reach Prometheus (the monitoring family's pipeline/metrics.py)."""

    TEXTFILE = "textfile"
    PUSHGATEWAY = "pushgateway"


class LineageTransport(StrEnum):
    FILE = "file"
    HTTP = "http"


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


class Keep(StrEnum):
    LAST = "last"
    FIRST = "first"


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


class NullsOrder(StrEnum):
    FIRST = "first"
    LAST = "last"


class LakeCatalog(StrEnum):
    """The production catalog of an Iceberg target (the Spark job's `lake` catalog)."""

    REST = "rest"
    GLUE = "glue"
    UNITY = "unity"
