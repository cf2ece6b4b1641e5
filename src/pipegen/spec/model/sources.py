"""Sources and their datasets (tables, topics): how each is read, generated (Faker) or paged."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pipegen.spec import types as t
from pipegen.spec.model.base import MAX_ROW_BYTES, MAX_ROWS_PER_DAY, Duration, Model, Name, NameList, empty
from pipegen.spec.model.columns import Column, DerivedColumn, TableQuality
from pipegen.spec.model.connections import Connection
from pipegen.spec.model.enums import FileFormat, Ingestion, MessageFormat, Pagination, SourceType, SyntheticWrites


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
        SyntheticWrites.FILES,
        description="files (the lake), database (a SQL database) or stream (an event stream). "
        "Not read by the local generator yet: R365 warns.",
    )
    system: SourceType | None = Field(
        None,
        description="database: postgres, mysql or sqlserver; stream: kafka, eventhubs, kinesis or pubsub "
        "(default from the cloud). Not read by the local generator yet: R365 warns.",
    )
    format: FileFormat | None = Field(None, description="files: the file format. Not read yet: R365 warns.")
    file_per_row: bool = Field(False, description="files: one file per row. Not read yet: R365 warns.")
    stream: StreamShape | None = Field(None, description="stream: rate, bursts, endless. Not read yet: R365 warns.")
    inject: Inject | None = Field(None, description="Injected nulls, gaps, outliers (duplicates: not yet, R365 warns).")


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
    format: MessageFormat | FileFormat | None = Field(
        None,
        description="Topics and files: the record format. A topic's: json (the default), csv, or avro with the "
        "source's `connection.schema_registry` (R514); protobuf and parquet topics are refused (R515, R518).",
    )
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
        None,
        description="A SQL condition applied at extraction (source column names), e.g. `is_deleted = 0`: the "
        "WHERE of the batch extract query (SQL databases, synthetic sources) and of the Flink jobs that read the "
        "table (CDC and topics; Debezium itself captures every row). Elsewhere R362 warns.",
    )
    quality: TableQuality | None = Field(None, description="Table-level checks: columns, row count, freshness, drift.")
    synthetic: SyntheticTable | None = Field(None, description="Faker sources: rows, destination, stream shape.")

    @property
    def file_format(self) -> FileFormat | None:
        """`format` as a file format (`csv`, `json` and `avro` also parse as message formats)."""
        if self.format is None:
            return None
        return next((f for f in FileFormat if f.value == self.format.value), None)


class Source(Model):
    """Where data comes from and how it is read."""

    name: Name = Field(..., description="Unique source name.")
    type: SourceType = Field(..., description="The kind of system.")
    ingestion: Ingestion = Field(Ingestion.BATCH, description="batch (incremental pulls), cdc (log-based) or stream.")
    description: str | None = Field(None, description="What this source is.")
    connection: Connection = Field(default_factory=empty(Connection), description="How to reach it.")
    tables: tuple[Dataset, ...] = Field((), description="Databases, APIs, files and synthetic sources: the tables.")
    topics: tuple[Dataset, ...] = Field((), description="Kafka, Event Hubs, Kinesis, Pub/Sub: the topics/streams.")
    synthetic: SyntheticSource | None = Field(None, description="Faker sources: locale and seed.")
