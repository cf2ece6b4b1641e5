"""BigQuery tables (GCP) for the tables extract-load lands in a BigQuery target, declared before the first
load so each has its schema, partitioning and clustering from the spec: one `google_bigquery_table` per
table of every batch source, in its raw dataset (`raw_<source>`, naming layer), its columns the landed
columns (in ETL the protected ones as text, a dropped one absent; the key REQUIRED, the rest NULLABLE as
the generated pipeline/runtime.py hints them), the metadata columns the run stamps and dlt's `_dlt_load_id`
and `_dlt_id`, typed as dlt's BigQuery destination creates them (BQ_TYPES). Partitioned by day on the
table's watermark or event-time column when it is a date or timestamp; clustered by its primary key
(at most four columns, each of a type BigQuery clusters).

dbt's marts and staging views are not declared here: dbt's `table` materialization replaces its
table on every run (`create or replace table`), so a Terraform-managed copy would drift on every apply."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, block, quote
from pipegen.generators.terraform.model import Infra
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.model import Dataset, PiiAction, Target, TargetType
from pipegen.spec.pii import landed_column
from pipegen.spec.types import ColumnType, parse_column_type

# spec type -> BigQuery type as dlt's BigQuery destination creates the column (its type mapper: text STRING,
# bigint INT64 whatever its precision, double FLOAT64, timestamp TIMESTAMP with or without a zone, json JSON)
BQ_TYPES = {"string": "STRING", "uuid": "STRING", "json": "JSON", "int": "INT64", "bigint": "INT64",
            "smallint": "INT64", "float": "FLOAT64", "double": "FLOAT64", "boolean": "BOOL", "date": "DATE",
            "time": "TIME", "timestamp": "TIMESTAMP", "timestamp_tz": "TIMESTAMP", "binary": "BYTES",
            "array": "JSON", "struct": "JSON", "map": "JSON"}  # fmt: skip
# the run's metadata columns (pipeline/runtime.py METADATA_HINTS) and dlt's own, after the spec's
EXTRA_COLUMNS = (("_extracted_at", "TIMESTAMP", "NULLABLE"), ("_source", "STRING", "NULLABLE"),
                 ("_batch_id", "STRING", "NULLABLE"), ("_dlt_load_id", "STRING", "REQUIRED"),
                 ("_dlt_id", "STRING", "REQUIRED"))  # fmt: skip
PARTITION_TYPES = frozenset({"DATE", "TIMESTAMP"})
CLUSTER_TYPES = frozenset({"STRING", "INT64", "DATE", "TIMESTAMP", "BOOL", "NUMERIC", "BIGNUMERIC"})
CLUSTER_MAX = 4  # BigQuery clusters by at most four columns


@dataclass(frozen=True)
class BqTable:
    dataset: str
    name: str
    columns: tuple[tuple[str, str, str], ...]  # (name, BigQuery type, mode)
    partition: str | None  # a DATE or TIMESTAMP column: daily partitions
    cluster: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.dataset}__{self.name}"


def bq_type(t: ColumnType) -> str:
    if t.name == "decimal":  # dlt: NUMERIC(p,s) within NUMERIC's range, else BIGNUMERIC(p,s)
        p, s = t.precision or 38, t.scale or 0
        small = s <= 9 and p <= 38 and not (s == 0 and p > 29)
        return f"{'NUMERIC' if small else 'BIGNUMERIC'}({p},{s})"
    return BQ_TYPES[t.name]


def loaded_target(inf: Infra) -> Target | None:
    """Extract-load's destination: the first target dlt writes."""
    return next((t for t in inf.ctx.spec.targets if TARGET_SYSTEMS[t.type].dlt_destination), None)


def bigquery_loaded(inf: Infra) -> bool:
    """Extract-load's destination (the first target dlt writes) is BigQuery."""
    first = loaded_target(inf)
    return first is not None and first.type == TargetType.BIGQUERY


def _table(inf: Infra, source: str, d: Dataset) -> BqTable:
    n = inf.ctx.plan.names.dataset(source, d.name)
    keys = {str(n.column(k)) for k in d.primary_key}
    columns: list[tuple[str, str, str]] = []
    for column in d.columns:
        if inf.ctx.plan.masks_pii and column.pii == PiiAction.DROP:
            continue
        landed = landed_column(column) if inf.ctx.plan.masks_pii else column
        name = str(n.column(landed.name))
        columns.append((name, bq_type(parse_column_type(landed.type)), "REQUIRED" if name in keys else "NULLABLE"))
    types = {c: t for c, t, _ in columns}
    time_column = next((str(n.column(c)) for c in (d.watermark, d.event_time) if c), None)
    partition = time_column if types.get(time_column or "") in PARTITION_TYPES else None
    cluster = tuple(str(n.column(k)) for k in d.primary_key)
    cluster = cluster if len(cluster) <= CLUSTER_MAX and all(types.get(c) in CLUSTER_TYPES for c in cluster) else ()
    return BqTable(str(n.raw_schema), str(n.raw_table), (*columns, *EXTRA_COLUMNS), partition, cluster)


def tables(inf: Infra) -> tuple[BqTable, ...]:
    if not bigquery_loaded(inf):
        return ()
    spec = inf.ctx.spec
    return tuple(_table(inf, spec.sources[i].name, d) for i in inf.ctx.plan.graph.batch_sources
                 for d in (*spec.sources[i].tables, *spec.sources[i].topics))  # fmt: skip


def schema(t: BqTable) -> Ref:
    """`jsonencode([...])` of the columns (every name and type quoted as an HCL string)."""
    fields = ", ".join(f"{{ name = {quote(c)}, type = {quote(ty)}, mode = {quote(m)} }}" for c, ty, m in t.columns)
    return Ref(f"jsonencode([{fields}])")


def table_block(t: BqTable) -> Block:
    body: list[Item | None] = [
        Attr("dataset_id", Ref(f"google_bigquery_dataset.target[{quote(t.dataset)}].dataset_id")),
        Attr("project", Ref(f"google_bigquery_dataset.target[{quote(t.dataset)}].project")),
        Attr("table_id", t.name), Attr("description", Ref('"${var.name_prefix}: landed by extract-load (dlt)"')),
        Attr("deletion_protection", False), Attr("labels", Ref("var.tags")), Attr("schema", schema(t)),
    ]  # fmt: skip
    if t.cluster:
        body.append(Attr("clustering", list(t.cluster)))
    if t.partition:
        body.append(block("time_partitioning", body=[Attr("type", "DAY"), Attr("field", t.partition)]))
    return block("resource", "google_bigquery_table", t.label, body=body)


def table_blocks(inf: Infra) -> tuple[Block, ...]:
    return tuple(table_block(t) for t in tables(inf))


__all__ = ["BQ_TYPES", "bigquery_loaded", "table_blocks", "tables"]
