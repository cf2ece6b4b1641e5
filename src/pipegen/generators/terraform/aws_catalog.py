"""Glue Data Catalog tables (AWS) for the tables extract-load lands in the S3 lake, so Athena queries
them without a crawler: one `aws_glue_catalog_table` per table of every batch source, named by the
naming layer (`<source>__<table>`, the lake table), located where dlt's filesystem destination writes
it (`<bucket>/<raw_<source>>/<table>/`: the target's own bucket, else the lake bucket), its columns the
landed columns (naming layer's names; in ETL the protected ones as text, a dropped one absent) with
dlt's `_dlt_load_id` and `_dlt_id`, typed from the spec's types (GLUE_TYPES).

Files as Hive tables of their format (parquet, jsonl: dlt's default, csv with its header); Delta as
Athena's Delta Lake tables (`table_type = DELTA`: Athena reads the columns from the table's log).
Iceberg tables are not registered: Athena needs each table's current metadata file, which only the
Iceberg catalog dlt writes through knows (docs/terraform.md says so)."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, Value, block
from pipegen.generators.terraform.model import Infra
from pipegen.spec.catalog import TARGET_SYSTEMS
from pipegen.spec.model import Dataset, PiiAction, Target, TargetType
from pipegen.spec.pii import landed_column
from pipegen.spec.types import ColumnType, parse_column_type, parse_secret_ref

# spec type -> Athena/Glue (Hive) type of the column as dlt writes it; json and nested values land as JSON text
GLUE_TYPES = {"string": "string", "int": "int", "bigint": "bigint", "smallint": "smallint", "float": "float",
              "double": "double", "boolean": "boolean", "date": "date", "time": "string", "timestamp": "timestamp",
              "timestamp_tz": "timestamp", "json": "string", "binary": "binary", "uuid": "string",
              "array": "string", "struct": "string", "map": "string"}  # fmt: skip
DLT_COLUMNS = (("_dlt_load_id", "string"), ("_dlt_id", "string"))
HIVE = "org.apache.hadoop.hive.ql.io"
# file format -> (input format, output format, SerDe, its parameters)
FORMATS: dict[str, tuple[str, str, str, dict[str, Value]]] = {
    "parquet": (f"{HIVE}.parquet.MapredParquetInputFormat", f"{HIVE}.parquet.MapredParquetOutputFormat",
                f"{HIVE}.parquet.serde.ParquetHiveSerDe", {}),
    "jsonl": ("org.apache.hadoop.mapred.TextInputFormat", f"{HIVE}.HiveIgnoreKeyTextOutputFormat",
              "org.openx.data.jsonserde.JsonSerDe", {}),
    "csv": ("org.apache.hadoop.mapred.TextInputFormat", f"{HIVE}.HiveIgnoreKeyTextOutputFormat",
            "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", {"field.delim": ",", "serialization.format": ","}),
}  # fmt: skip
DEFAULT_FORMAT = "jsonl"  # dlt's filesystem destination without a loader file format


@dataclass(frozen=True)
class GlueTable:
    name: str
    location: Value  # an s3:// URL (a Ref when it is the lake bucket's)
    fmt: str  # parquet, jsonl, csv or delta
    columns: tuple[tuple[str, str], ...]


def glue_type(t: ColumnType) -> str:
    if t.name == "decimal":
        return f"decimal({t.precision},{t.scale})"
    return GLUE_TYPES[t.name]


def _columns(inf: Infra, source: str, d: Dataset) -> tuple[tuple[str, str], ...]:
    n = inf.ctx.plan.names.dataset(source, d.name)
    out = []
    for column in d.columns:
        if inf.ctx.plan.masks_pii and column.pii == PiiAction.DROP:
            continue
        landed = landed_column(column) if inf.ctx.plan.masks_pii else column
        out.append((str(n.column(landed.name)), glue_type(parse_column_type(landed.type))))
    return (*out, *DLT_COLUMNS)


def lake_target(inf: Infra) -> Target | None:
    """The target extract-load writes (the first with a dlt destination) when it is files or Delta on S3."""
    first = next((t for t in inf.ctx.spec.targets if TARGET_SYSTEMS[t.type].dlt_destination), None)
    return first if first and first.type in (TargetType.FILES, TargetType.DELTA) else None


def tables(inf: Infra) -> tuple[GlueTable, ...]:
    target = lake_target(inf)
    if target is None:
        return ()
    bucket = target.connection.bucket
    root = f"s3://{bucket}" if bucket and not parse_secret_ref(bucket) else "s3://${aws_s3_bucket.lake.bucket}"
    fmt = "delta" if target.type == TargetType.DELTA else (target.format.value if target.format else DEFAULT_FORMAT)
    fmt = "jsonl" if fmt == "json" else fmt  # dlt writes JSON as lines
    if fmt not in (*FORMATS, "delta"):  # avro: no dlt loader writes it
        return ()
    names = inf.ctx.plan.names
    out = []
    for i in inf.ctx.plan.graph.batch_sources:
        source = inf.ctx.spec.sources[i]
        for d in (*source.tables, *source.topics):
            n = names.dataset(source.name, d.name)
            location = f"{root}/{n.raw_schema}/{n.raw_table}/"
            out.append(GlueTable(str(n.lake_table), Ref(f'"{location}"') if "${" in location else location, fmt,
                                 _columns(inf, source.name, d)))  # fmt: skip
    return tuple(out)


def table_block(t: GlueTable) -> Block:
    head: list[Item | None] = [Attr("name", t.name), Attr("database_name", Ref("aws_glue_catalog_database.lake.name")),
                               Attr("table_type", "EXTERNAL_TABLE")]  # fmt: skip
    if t.fmt == "delta":
        return block("resource", "aws_glue_catalog_table", t.name, body=[
            *head, Attr("parameters", {"EXTERNAL": "TRUE", "table_type": "DELTA"}),
            block("storage_descriptor", body=[Attr("location", t.location)])])  # fmt: skip
    input_format, output_format, serde, serde_params = FORMATS[t.fmt]
    params: dict[str, Value] = {"EXTERNAL": "TRUE", "classification": "json" if t.fmt == "jsonl" else t.fmt}
    if t.fmt == "csv":
        params["skip.header.line.count"] = "1"
    serde_body: list[Item | None] = [Attr("serialization_library", serde)]
    if serde_params:
        serde_body.append(Attr("parameters", serde_params))
    columns = [block("columns", body=[Attr("name", name), Attr("type", type_)]) for name, type_ in t.columns]
    return block("resource", "aws_glue_catalog_table", t.name, body=[
        *head, Attr("parameters", params),
        block("storage_descriptor", body=[
            Attr("location", t.location), Attr("input_format", input_format), Attr("output_format", output_format),
            block("ser_de_info", body=serde_body),
            *columns])])  # fmt: skip


def catalog_tables(inf: Infra) -> tuple[Block, ...]:
    return tuple(table_block(t) for t in tables(inf))


__all__ = ["GLUE_TYPES", "catalog_tables", "tables"]
