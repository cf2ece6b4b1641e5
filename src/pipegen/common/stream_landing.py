"""Where a Lakehouse plan's streamed tables land: in bronze, through the Flink speed layer.

A Lakehouse plan whose speed layer is Flink (plan/engines.py: a CDC or stream source, compute not
Databricks) lands every table of its CDC and stream sources in the lake's bronze layer through one
Flink job per table (the flink family's `bronze.py`): raw, append-only, each column as text with
bronze's metadata columns, so the lake step's silver and gold pick the streamed rows up exactly like
batch-landed ones. Such a table's bronze is fed by the stream only: the lake step lands no warehouse
batch of it (lake.json `stream`), else each change would land twice.

The flink family (the jobs), the lakehouse family (lake.json) and the debezium family (the capture
step's place in the local run) read this one predicate; none imports another.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from pipegen.common.lake_catalog import layer_dirs
from pipegen.common.stream_rules import checked_tables
from pipegen.plan.flinkjars import RELAYED_BRONZE
from pipegen.plan.kafkanames import RelayNames, relay_names
from pipegen.plan.names import DatasetNames, Names, StreamJobNames
from pipegen.plan.spark_landing import source_landing_dir
from pipegen.spec import catalog
from pipegen.spec.index import TableRef, index_of
from pipegen.spec.model import Architecture, Ingestion, Layer, Spec, Target

FLINK_JOBS = "flink_jobs"  # plan/components.Kind.FLINK_JOBS (the plan's speed layer is Flink)
LAKE_TABLES = "lake_tables"  # plan/components.Kind.LAKE_TABLES
# The local run's steps when the stream lands in bronze: the capture and the stream step run before
# the lake step (25) that lands their rows in bronze, right after the ingestion (20).
CAPTURE_ORDER = 21
STREAM_ORDER = 22


def lands_in_bronze(architecture: Architecture, kinds: Collection[str]) -> bool:
    """The plan's stream path writes bronze through Flink: a Lakehouse with Flink jobs and lake tables."""
    return architecture == Architecture.LAKEHOUSE and FLINK_JOBS in kinds and LAKE_TABLES in kinds


def bronze_target(spec: Spec) -> Target | None:
    """The lake target the Flink jobs write bronze to: the spec's first Delta or Iceberg target that
    keeps a bronze layer (none: the stream has no bronze to land in)."""
    for target in spec.targets:
        if target.type in catalog.LAKE_TARGETS and Layer.BRONZE.value in layer_dirs(target):
            return target
    return None


def streamed_to_bronze(spec: Spec, architecture: Architecture, kinds: Collection[str]) -> list[TableRef]:
    """The tables the stream lands in bronze, in spec order: every table or topic of a CDC or stream
    source with a payload column (the lake keeps no table without one), when the plan lands the
    stream in bronze and a lake target keeps bronze."""
    if not lands_in_bronze(architecture, kinds) or bronze_target(spec) is None:
        return []
    return [
        ref
        for ref in index_of(spec).tables
        if ref.source.ingestion != Ingestion.BATCH and any(c.metadata is None for c in ref.dataset.columns)
    ]


def flink_job_count(spec: Spec, architecture: Architecture, kinds: Collection[str]) -> int:
    """The SQL jobs the flink family writes: one per stream job, a dead-letter and a validation job per
    streamed table with per-event rules (stream_rules.checked_tables) and a bronze job per table the
    stream lands in bronze. compose's session cluster sizes its slots by it; tests/families/test_flink_job_count.py
    holds it to the flink family's files."""
    if FLINK_JOBS not in kinds:
        return 0
    checked = checked_tables(spec, index_of(spec))
    return len(spec.transforms.streams) + 2 * len(checked) + len(streamed_to_bronze(spec, architecture, kinds))


def landing_dir(ds: DatasetNames) -> str:
    """A table's landing directory in a project, `data/landing/<source>/<table>`: Parquet batches the
    lake step lands in bronze (lake.json `landing`), where the local stream run drops its rows, and the Spark
    job's bronze reads under its landing root (medallion.json `landing`), where extract-load lands each batch
    (plan/spark_landing.py)."""
    return f"{source_landing_dir(ds.source)}/{ds.raw_table}"


class BronzeRelay(NamedTuple):
    """A bronze job relayed into a Delta bronze (RELAYED_BRONZE): the job writes its relay topic (the naming
    layer's RelayNames, as a stream job's: `<pipeline>.<source>__<table>__bronze.relay-delta`) and the flink
    family's Delta loader (pipeline/delta_relay.py) appends it into the table's bronze Delta table."""

    ref: TableRef
    job: StreamJobNames  # the bronze job's names
    relay: RelayNames
    target: Target


def bronze_relay(names: Names, ref: TableRef, target: Target) -> BronzeRelay | None:
    """The relay of one table's bronze job (None: its target is written by a Flink connector, Iceberg)."""
    if target.type not in RELAYED_BRONZE:
        return None
    jn = names.quality_jobs(ref.source.name, ref.dataset.name).bronze
    table = str(names.dataset(ref.source.name, ref.dataset.name).lake_table)
    return BronzeRelay(ref, jn, relay_names(str(names.pipeline), str(jn.sink_table), table, target.type.value), target)


def bronze_relays(spec: Spec, names: Names, architecture: Architecture, kinds: Collection[str]) -> list[BronzeRelay]:
    """Every bronze job relayed into Delta, in spec order (the flink, kafka and kubernetes families read it)."""
    target = bronze_target(spec)
    if target is None:
        return []
    found = (bronze_relay(names, ref, target) for ref in streamed_to_bronze(spec, architecture, kinds))
    return [r for r in found if r is not None]
