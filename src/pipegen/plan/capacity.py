"""Capacity figures from `volume`: every figure has a unit and the formula behind it.

Constants are rules of thumb, named and documented in docs/architecture.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Cloud, Ingestion, Spec
from pipegen.spec.types import format_duration

GIB = 1024**3
MIB = 1024**2
MIN_PARTITION_BYTES = 1 * GIB  # keep partitions above ~1 GB
TARGET_FILE_MAX = 1 * GIB  # Parquet files 512 MB - 1 GB
TARGET_FILE_MIN = 512 * MIB
KAFKA_PARTITION_BYTES_S = 10 * MIB  # sustained write per partition
KAFKA_PARTITION_ROWS_S = 10_000  # sustained consume per partition
KAFKA_MIN_PARTITIONS = 3
FLINK_ROWS_S_PER_SLOT = 20_000
KAFKA_BROKER_BYTES_S = 50 * MIB  # sustained write per broker, replication included
KAFKA_REPLICATION = 3  # survives one broker down with min.insync.replicas=2
CHECKPOINT_MIN_S, CHECKPOINT_MAX_S = 10, 300  # checkpoint every latency/2, within these bounds
HOT_DAYS, WARM_DAYS = 30, 90
GRANULARITIES = (("hour", 3600), ("day", 86400), ("month", 30 * 86400), ("year", 365 * 86400))
STORAGE_CLASSES: dict[Cloud, tuple[str, str, str]] = {
    Cloud.AWS: ("STANDARD", "STANDARD_IA", "GLACIER_IR"),
    Cloud.GCP: ("STANDARD", "NEARLINE", "COLDLINE"),
    Cloud.AZURE: ("Hot", "Cool", "Cold"),
    Cloud.LOCAL: ("local disk", "local disk", "local disk"),
}


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    formula: str

    @property
    def display(self) -> str:
        return human(self.value, self.unit)


def human(value: float, unit: str) -> str:
    if unit in ("bytes", "bytes/day", "bytes/s"):
        suffix = unit.removeprefix("bytes")
        for size, name in ((1024**5, "PiB"), (1024**4, "TiB"), (GIB, "GiB"), (MIB, "MiB"), (1024, "KiB")):
            if value >= size:
                return f"{value / size:.2f} {name}{suffix}"
        return f"{value:.0f} B{suffix}"
    if float(value).is_integer():
        return f"{int(value):,} {unit}"
    return f"{value:,.2f} {unit}"


@dataclass(frozen=True)
class TableCapacity:
    table: str  # source.table
    rows_per_day: int
    raw_bytes_per_day: float
    stored_bytes_per_day: float
    partition: str  # hour/day/month/year/none
    partition_bytes: float
    files_per_partition: int
    file_bytes: float
    kafka_partitions: int | None  # streaming/cdc tables only


@dataclass(frozen=True)
class Sized:
    """A streaming size the plan computes and the spec may override (`sizing:`)."""

    name: str
    computed: float
    override: float | None
    unit: str
    formula: str

    @property
    def value(self) -> float:
        return self.override if self.override is not None else self.computed

    @property
    def display(self) -> str:
        shown = format_duration(self.value) if self.unit == "s" else f"{self.value:,.0f}"
        computed = format_duration(self.computed) if self.unit == "s" else f"{self.computed:,.0f}"
        return f"{shown} (override; computed {computed})" if self.override is not None else shown


@dataclass(frozen=True)
class Capacity:
    figures: tuple[Figure, ...]
    tables: tuple[TableCapacity, ...]
    flink_parallelism: int | None  # the value used: sizing.flink.parallelism when set
    sizing: tuple[Sized, ...] = ()  # streaming sizes: computed value and override


def _row_shares(spec: Spec, index: SpecIndex) -> dict[str, int]:
    explicit = {t.qualified: t.dataset.rows_per_day for t in index.tables if t.dataset.rows_per_day is not None}
    rest = [t.qualified for t in index.tables if t.dataset.rows_per_day is None]
    remaining = max(0, spec.volume.rows_per_day - sum(v for v in explicit.values() if v is not None))
    share = remaining // len(rest) if rest else 0
    out = {q: int(v) for q, v in explicit.items() if v is not None}
    out.update(dict.fromkeys(rest, share))
    return out


def partition_for(stored_per_day: float) -> tuple[str, float]:
    """The finest time granularity whose partitions hold at least MIN_PARTITION_BYTES."""
    for name, seconds in GRANULARITIES:
        size = stored_per_day * seconds / 86400
        if size >= MIN_PARTITION_BYTES:
            return name, size
    return "none", stored_per_day * 365


def files_for(partition_bytes: float) -> tuple[int, float]:
    """Files per partition so each is at most TARGET_FILE_MAX (and at least ~512 MB when it can be)."""
    files = max(1, math.ceil(partition_bytes / TARGET_FILE_MAX))
    return files, partition_bytes / files


def kafka_partitions(rows_per_day: int, row_bytes: float, peak_factor: float) -> int:
    peak_rows = rows_per_day / 86400 * peak_factor
    peak_bytes = peak_rows * row_bytes
    return max(
        KAFKA_MIN_PARTITIONS,
        math.ceil(peak_bytes / KAFKA_PARTITION_BYTES_S),
        math.ceil(peak_rows / KAFKA_PARTITION_ROWS_S),
    )


def compute(spec: Spec) -> Capacity:
    index = SpecIndex(spec)
    vol = spec.volume
    shares = _row_shares(spec, index)
    tables = []
    for t in index.tables:
        rows = shares[t.qualified]
        row_bytes = t.dataset.avg_row_bytes or vol.avg_row_bytes
        raw = rows * row_bytes
        stored = raw / vol.compression_ratio
        partition, part_bytes = partition_for(stored)
        files, file_bytes = files_for(part_bytes)
        streaming = t.source.ingestion != Ingestion.BATCH
        parts = kafka_partitions(rows, row_bytes, vol.peak_factor) if streaming else None
        if parts is not None and spec.sizing.kafka.partitions is not None:
            parts = spec.sizing.kafka.partitions
        tables.append(TableCapacity(t.qualified, rows, raw, stored, partition, part_bytes, files, file_bytes, parts))
    sized = _sizing(spec, tables)
    parallelism = next((int(s.value) for s in sized if s.name == "Flink parallelism"), None)
    return Capacity(_totals(spec, tables), tuple(tables), parallelism, sized)


def _sizing(spec: Spec, tables: list[TableCapacity]) -> tuple[Sized, ...]:
    """Kafka and Flink sizes for streaming specs: the computed figure beside the spec's override."""
    streaming = [t for t in tables if t.kafka_partitions is not None]
    if not streaming and not spec.transforms.streams:
        return ()
    kafka, flink = spec.sizing.kafka, spec.sizing.flink
    row_bytes = spec.volume.avg_row_bytes
    peak_bytes = sum(t.rows_per_day for t in streaming) / 86400 * spec.volume.peak_factor * row_bytes
    replication = min(KAFKA_REPLICATION, kafka.brokers) if kafka.brokers else KAFKA_REPLICATION
    brokers = max(
        KAFKA_REPLICATION, math.ceil(peak_bytes * (kafka.replication_factor or replication) / KAFKA_BROKER_BYTES_S)
    )
    computed_parts = max((t.kafka_partitions for t in streaming if t.kafka_partitions), default=KAFKA_MIN_PARTITIONS)
    if kafka.partitions is not None:
        computed_parts = max(
            (kafka_partitions(t.rows_per_day, row_bytes, spec.volume.peak_factor) for t in streaming),
            default=KAFKA_MIN_PARTITIONS,
        )
    checkpoint = min(CHECKPOINT_MAX_S, max(CHECKPOINT_MIN_S, spec.latency / 2))
    return (
        Sized("Kafka brokers", brokers, kafka.brokers, "brokers",
              f"max({KAFKA_REPLICATION}, peak bytes/s × replication ÷ {KAFKA_BROKER_BYTES_S // MIB} MiB/s per broker)"),
        Sized("Kafka replication factor", replication, kafka.replication_factor, "copies",
              f"{KAFKA_REPLICATION} (one broker may fail with min.insync.replicas=2), at most the brokers"),
        Sized("Kafka partitions per topic (largest)", computed_parts, kafka.partitions, "partitions",
              "max(3, peak bytes/s ÷ 10 MiB/s, peak rows/s ÷ 10,000)"),
        Sized("Flink parallelism", _parallelism(spec, tables) or 1, flink.parallelism, "slots",
              f"peak rows/s ÷ {FLINK_ROWS_S_PER_SLOT:,} per slot, at most the partitions"),
        Sized("Flink checkpoint interval", checkpoint, flink.checkpoint_interval, "s",
              f"latency ÷ 2, between {CHECKPOINT_MIN_S}s and {CHECKPOINT_MAX_S // 60}m"),
    )  # fmt: skip


def _parallelism(spec: Spec, tables: list[TableCapacity]) -> int | None:
    streaming = [t for t in tables if t.kafka_partitions is not None]
    if not streaming:
        return None
    peak_rows = sum(t.rows_per_day for t in streaming) / 86400 * spec.volume.peak_factor
    max_parts = max(t.kafka_partitions or 1 for t in streaming)
    return max(1, min(max_parts, math.ceil(peak_rows / FLINK_ROWS_S_PER_SLOT)))


def _totals(spec: Spec, tables: list[TableCapacity]) -> tuple[Figure, ...]:
    vol = spec.volume
    raw = sum(t.raw_bytes_per_day for t in tables)
    stored = raw / vol.compression_ratio
    rows = sum(t.rows_per_day for t in tables)
    peak_rows = rows / 86400 * vol.peak_factor
    hot_class, warm_class, cold_class = STORAGE_CLASSES[spec.cloud]
    retention = vol.retention_days
    hot = min(retention, HOT_DAYS)
    warm = max(0, min(retention, WARM_DAYS) - HOT_DAYS)
    cold = max(0, retention - WARM_DAYS)
    return (
        Figure("rows per day", rows, "rows/day", "Σ table rows_per_day (unset tables share volume.rows_per_day)"),
        Figure("raw volume", raw, "bytes/day", "Σ rows_per_day × avg_row_bytes"),
        Figure("stored volume", stored, "bytes/day", f"raw ÷ compression_ratio ({vol.compression_ratio:g})"),
        Figure("peak throughput", peak_rows, "rows/s", f"rows_per_day ÷ 86,400 × peak_factor ({vol.peak_factor:g})"),
        Figure("retained data", stored * retention, "bytes", f"stored/day × retention_days ({retention})"),
        Figure(f"hot tier ({hot_class})", stored * hot, "bytes", f"stored/day × {hot} days (0–{HOT_DAYS})"),
        Figure(
            f"warm tier ({warm_class})", stored * warm, "bytes", f"stored/day × {warm} days ({HOT_DAYS}–{WARM_DAYS})"
        ),
        Figure(
            f"cold tier ({cold_class})", stored * cold, "bytes", f"stored/day × {cold} days ({WARM_DAYS}–retention)"
        ),
    )
