"""Capacity figures from `volume`: every figure has a unit and the formula behind it.

Constants are rules of thumb, named and documented in docs/architecture.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex, TableRef, index_of
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
MIN_BROKER_GIB = 10
RETAINED_DAYS_UNCOMPACTED = 7  # broker disk: uncompacted topics are sized for this many days
CHECKPOINT_MIN_S, CHECKPOINT_MAX_S = 10, 300  # checkpoint every latency/2, within these bounds
HOT_DAYS, WARM_DAYS = 30, 90
GRANULARITIES = (("hour", 3600), ("day", 86400), ("month", 30 * 86400), ("year", 365 * 86400))
# Expired data is deleted by dropping whole partitions, so a partition is at most this
# fraction of the retention period: data outlives its retention by at most a quarter.
MIN_PARTITIONS_RETAINED = 4
# A keyed table (primary key, no event time) is upserted in place; below this retained size
# time partitions only split a small table into small files.
KEYED_PARTITION_MIN_BYTES = 16 * GIB
# Where the rules of thumb stop meaning anything: beyond these the figures are still finite
# and printed, with a warning (R227) that they are out of the calibrated range.
CALIBRATED_RAW_BYTES_PER_DAY = 1024**5  # 1 PiB/day
CALIBRATED_KAFKA_PARTITIONS = 10_000  # per topic
STORAGE_CLASSES: dict[Cloud, tuple[str, str, str]] = {
    Cloud.AWS: ("STANDARD", "STANDARD_IA", "GLACIER_IR"),
    Cloud.GCP: ("STANDARD", "NEARLINE", "COLDLINE"),
    Cloud.AZURE: ("Hot", "Cool", "Cold"),
    Cloud.LOCAL: ("local disk", "local disk", "local disk"),
}


class Figure(NamedTuple):
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


class TableCapacity(NamedTuple):
    table: str  # source.table
    rows_per_day: int
    raw_bytes_per_day: float
    stored_bytes_per_day: float
    partition: str  # hour/day/month/year/none
    partition_bytes: float
    files_per_partition: int
    file_bytes: float
    kafka_partitions: int | None  # streaming/cdc tables only
    partition_reason: str = ""  # why this granularity (or none), printed by `pipegen plan`
    row_bytes: int = 0  # the table's avg_row_bytes, else volume.avg_row_bytes


class Sized(NamedTuple):
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

    @cached_property
    def _partitions(self) -> dict[str, int]:
        return {t.table: t.kafka_partitions for t in self.tables if t.kafka_partitions is not None}

    @cached_property
    def _by_table(self) -> dict[str, TableCapacity]:
        return {t.table: t for t in reversed(self.tables)}  # the first of a name wins, as a scan would

    def table(self, qualified: str) -> TableCapacity:
        """The figures of a source table (`source.table`): a map built once, not a scan per table."""
        return self._by_table[qualified]

    def topic_partitions(self, table: str) -> int:
        """Partitions of a streamed table's topic and its dead-letter topic (`source.table`): the
        plan's figure, KAFKA_MIN_PARTITIONS for a table it has none for. The one derivation the
        Strimzi topics and the cloud's topics (Terraform) share."""
        return self._partitions.get(table) or KAFKA_MIN_PARTITIONS

    def broker_gib(self, brokers: int, replication: int) -> int:
        """Disk per Kafka broker: RETAINED_DAYS_UNCOMPACTED days of the streamed tables' raw bytes,
        times replication, over the brokers, with x2 headroom; at least MIN_BROKER_GIB."""
        days = sum(t.raw_bytes_per_day for t in self.tables if t.kafka_partitions is not None)
        per_broker = days * RETAINED_DAYS_UNCOMPACTED * replication / max(brokers, 1) * 2
        return max(MIN_BROKER_GIB, math.ceil(per_broker / GIB))


def _row_shares(spec: Spec, index: SpecIndex) -> dict[str, int]:
    explicit = {t.qualified: t.dataset.rows_per_day for t in index.tables if t.dataset.rows_per_day is not None}
    rest = [t.qualified for t in index.tables if t.dataset.rows_per_day is None]
    remaining = max(0, spec.volume.rows_per_day - sum(v for v in explicit.values() if v is not None))
    share = remaining // len(rest) if rest else 0
    out = {q: int(v) for q, v in explicit.items() if v is not None}
    out.update(dict.fromkeys(rest, share))
    return out


class PartitionChoice(NamedTuple):
    granularity: str  # hour/day/month/year/none
    size: float  # bytes per partition (none: the whole retained table)
    reason: str


def partition_for(stored_per_day: float, retention_days: int = 365) -> PartitionChoice:
    """The finest time granularity whose partitions hold at least MIN_PARTITION_BYTES, but no
    coarser than retention allows: expired data is dropped a whole partition at a time, so a
    partition spans at most retention / MIN_PARTITIONS_RETAINED (7-day retention: days)."""
    retained = stored_per_day * retention_days
    if retained < MIN_PARTITION_BYTES:
        return PartitionChoice(
            "none", retained, f"{human(retained, 'bytes')} retained in all: one partition, below 1 GiB"
        )
    allowed = [g for g in GRANULARITIES if g[1] == 3600 or g[1] * MIN_PARTITIONS_RETAINED <= retention_days * 86400]
    for name, seconds in allowed:
        size = stored_per_day * seconds / 86400
        if size >= MIN_PARTITION_BYTES:
            return PartitionChoice(name, size, f"the finest granularity with partitions of at least 1 GiB ({name})")
    name, seconds = allowed[-1]
    coarser = GRANULARITIES[len(allowed)][0]
    return PartitionChoice(
        name,
        stored_per_day * seconds / 86400,
        f"{name}, not {coarser}: {retention_days}-day retention drops expired data a whole {name} at a time",
    )


def grows_by_time(table: TableRef) -> str | None:
    """Why a table grows with time (its rows are appended), or None for a keyed table that is
    upserted in place (users, products: a primary key and no event time)."""
    if table.kind == "topics":
        return "a stream: events are appended"
    if table.dataset.event_time:
        return f"events: appended by event time ({table.dataset.event_time})"
    if not table.dataset.primary_key:
        return "no primary key: rows are appended"
    return None


def table_partition(table: TableRef, stored_per_day: float, retention_days: int) -> PartitionChoice:
    """Partition only what grows by time; a small keyed table is upserted and left whole."""
    growth = grows_by_time(table)
    choice = partition_for(stored_per_day, retention_days)
    if growth is not None:
        return choice._replace(reason=f"{growth}; {choice.reason}")
    key = ", ".join(table.dataset.primary_key)
    retained = stored_per_day * retention_days
    if retained < KEYED_PARTITION_MIN_BYTES:
        return PartitionChoice(
            "none",
            retained,
            f"keyed ({key}) with no event_time: upserted in place, at most {human(retained, 'bytes')} retained, "
            "too small for time partitions",
        )
    return choice._replace(reason=f"keyed ({key}) but large: {human(retained, 'bytes')} retained; {choice.reason}")


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
    index = index_of(spec)
    vol = spec.volume
    shares = _row_shares(spec, index)
    tables = []
    for t in index.tables:
        rows = shares[t.qualified]
        row_bytes = t.dataset.avg_row_bytes or vol.avg_row_bytes
        raw = rows * row_bytes
        stored = raw / vol.compression_ratio
        choice = table_partition(t, stored, vol.retention_days)
        files, file_bytes = files_for(choice.size)
        streaming = t.source.ingestion != Ingestion.BATCH
        parts = kafka_partitions(rows, row_bytes, vol.peak_factor) if streaming else None
        if parts is not None and spec.sizing.kafka.partitions is not None:
            parts = spec.sizing.kafka.partitions
        tables.append(
            TableCapacity(
                t.qualified,
                rows,
                raw,
                stored,
                choice.granularity,
                choice.size,
                files,
                file_bytes,
                parts,
                choice.reason,
                row_bytes,
            )
        )
    sized = _sizing(spec, tables)
    parallelism = next((int(s.value) for s in sized if s.name == "Flink parallelism"), None)
    return Capacity(_totals(spec, tables), tuple(tables), parallelism, sized)


def _sizing(spec: Spec, tables: list[TableCapacity]) -> tuple[Sized, ...]:
    """Kafka and Flink sizes for streaming specs: the computed figure beside the spec's override."""
    streaming = [t for t in tables if t.kafka_partitions is not None]
    if not streaming and not spec.transforms.streams:
        return ()
    kafka, flink = spec.sizing.kafka, spec.sizing.flink
    # each streamed table at its own bytes per row (its avg_row_bytes, else volume's: TableCapacity)
    peak_bytes = sum(t.rows_per_day * t.row_bytes for t in streaming) / 86400 * spec.volume.peak_factor
    replication = min(KAFKA_REPLICATION, kafka.brokers) if kafka.brokers else KAFKA_REPLICATION
    brokers = max(
        KAFKA_REPLICATION, math.ceil(peak_bytes * (kafka.replication_factor or replication) / KAFKA_BROKER_BYTES_S)
    )
    computed_parts = max((t.kafka_partitions for t in streaming if t.kafka_partitions), default=KAFKA_MIN_PARTITIONS)
    if kafka.partitions is not None:
        computed_parts = max(
            (kafka_partitions(t.rows_per_day, t.row_bytes, spec.volume.peak_factor) for t in streaming),
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


def capacity_findings(spec: Spec, cap: Capacity) -> tuple[Finding, ...]:
    """Warnings for figures outside the range the rules of thumb are calibrated for."""
    findings = []
    raw = next(f.value for f in cap.figures if f.name == "raw volume")
    if raw > CALIBRATED_RAW_BYTES_PER_DAY:
        findings.append(
            Finding(
                ("volume",),
                "R227",
                f"the spec describes {human(raw, 'bytes/day')} of raw data; pipegen's capacity figures "
                "are calibrated up to 1 PiB/day",
                "check rows_per_day and avg_row_bytes (volume and per table)",
                severity="warning",
                on_key=True,
            )
        )
    widest = max((t for t in cap.tables if t.kafka_partitions), key=lambda t: t.kafka_partitions or 0, default=None)
    if widest is not None and (widest.kafka_partitions or 0) > CALIBRATED_KAFKA_PARTITIONS:
        findings.append(
            Finding(
                ("volume",),
                "R227",
                f"{widest.table} would need {widest.kafka_partitions:,} Kafka partitions at peak; "
                f"pipegen plans topics of at most {CALIBRATED_KAFKA_PARTITIONS:,}",
                "check rows_per_day, avg_row_bytes and peak_factor",
                severity="warning",
                on_key=True,
            )
        )
    return tuple(findings)
