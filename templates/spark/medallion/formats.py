"""spark/medallion.py, part 2 of 5: the table formats, the thin I/O layer (Parquet, Delta, Iceberg). The generated job is one file, these parts
joined in order (pipegen.generators.spark.job); only the text below the marker line reaches it."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

from job import CONFIG, TARGET, bq, lake_root, layer_root, lit
from layers import merged_rows

# pipegen: spark/medallion.py continues below this line (the lines above only let this part be linted alone)


# ---------------------------------------------------------------- formats: the thin I/O layer

# (layer, table) -> the table's partitioning (medallion.json's `partition`, the plan's: None, not
# partitioned) and its target file size; gold's marts by their date or timestamp output (a mart's `partition`)
LAYOUTS = {(layer, t["name"]): (t["partition"][layer], t["partition"]["file_bytes"])
           for t in CONFIG["tables"] for layer in ("bronze", "silver")}  # fmt: skip
LAYOUTS |= {("gold", m["table"]): (m["partition"]["gold"], m["partition"]["file_bytes"]) for m in CONFIG["marts"]}


def layout(layer: str, table: str) -> dict[str, str] | None:
    return LAYOUTS.get((layer, table), (None, None))[0]


def file_bytes(layer: str, table: str) -> int | None:
    return LAYOUTS.get((layer, table), (None, None))[1]


def partitioned(df: Any, layer: str, table: str) -> Any:
    """Rows with their stored partition column (Parquet, Delta: no hidden partitioning): the layout's
    time column truncated to its granularity, as text, the lake step's value (`pattern`)."""
    from pyspark.sql import functions as F

    found = layout(layer, table)
    return df if found is None else df.withColumn(found["column"], F.date_format(F.col(bq(found["source"])), found["pattern"]))


def unpartitioned(df: Any, layer: str, table: str) -> Any:
    """Rows as read, without the stored partition column (storage, not a column of the table)."""
    found = layout(layer, table)
    return df.drop(found["column"]) if df is not None and found is not None else df


BATCH_ID = "_batch_id"
DELTA_INDEXED = 32  # Delta's default `delta.dataSkippingNumIndexedCols`: statistics of a table's first 32 columns


def bronze_columns(table: str) -> list[str]:
    """Bronze's columns in order (as_bronze; a stored partition column after them, which has no statistics)."""
    found = next(t for t in CONFIG["tables"] if t["name"] == table)
    return [c["name"] for c in found["columns"]] + [BATCH_ID, "_ingested_at", "_row", "_op"]


def batch_id_stats(fmt: str, columns: list[str]) -> dict[str, str]:
    """Table properties that give bronze's `_batch_id` whole per-file min/max statistics, so the `_batch_id` ranges
    the silver step and the landing read (taken_rows, landed_marks) skip the files of batches already taken from
    the table's own metadata instead of opening every file: Iceberg keeps string bounds cut to 16 characters by
    default (`truncate(16)`: every `kafka:<p>:<offset, 20 digits>` of a partition shares its first 16, so no file
    is skipped), hence `full` for the column; Delta keeps statistics of the first 32 columns only, so a wider
    table names `_batch_id` among them (`delta.dataSkippingStatsColumns`: the first 31 others and it). Parquet:
    none (each file's footer holds its own, which row-group skipping reads)."""
    if fmt == "iceberg":
        return {f"write.metadata.metrics.column.{BATCH_ID}": "full"}
    if fmt == "delta" and columns.index(BATCH_ID) >= DELTA_INDEXED:
        indexed = [c for c in columns if c != BATCH_ID][: DELTA_INDEXED - 1] + [BATCH_ID]
        return {"delta.dataSkippingStatsColumns": ",".join(bq(c) for c in indexed)}
    return {}


def properties_sql(ref: str, properties: dict[str, str]) -> str:
    pairs = ", ".join(f"{lit(k)} = {lit(v)}" for k, v in sorted(properties.items()))
    return f"ALTER TABLE {ref} SET TBLPROPERTIES ({pairs})"


def writer(df: Any, layer: str, table: str) -> Any:
    """A DataFrameWriter of the rows with their partition column, partitioned by it."""
    found = layout(layer, table)
    rows = partitioned(df, layer, table)
    return rows.write.partitionBy(found["column"]) if found is not None else rows.write


class Parquet:
    """Plain Parquet, one directory per table version (`v=<n>`) and a `_latest` pointer: silver
    and gold are rewritten whole (Spark cannot overwrite a path it reads); bronze appends."""

    FORMAT = "parquet"
    STORED = True  # partitioned by a stored column (Iceberg: by a hidden transform)

    def __init__(self, spark: Any) -> None:
        self.spark = spark

    def path(self, layer: str, table: str) -> Path:
        return Path(layer_root(layer)) / TARGET["layers"][layer] / table

    def version(self, layer: str, table: str) -> int | None:
        pointer = self.path(layer, table) / "_latest"
        return int(pointer.read_text(encoding="utf-8")) if pointer.is_file() else None

    def exists(self, layer: str, table: str) -> bool:
        return self.version(layer, table) is not None

    def indexed(self, layer: str, table: str) -> None:
        """Nothing to set: each Parquet file's footer holds its `_batch_id` statistics (batch_id_stats)."""

    def uri(self, layer: str, table: str) -> str:
        """The table's directory as a URI (joined as text: pathlib would fold `s3://` into `s3:/`)."""
        return "/".join((layer_root(layer), TARGET["layers"][layer], table))

    def location(self, layer: str, table: str) -> str:
        """Where the table's current data is: its latest version's directory."""
        return f"{self.path(layer, table)}/v={self.version(layer, table)}"

    def register(self, table: str) -> list[str]:
        """Silver's `table` in the session's catalog as `<pipeline>_silver.<table>` (medallion.json
        `register`: the schema dbt's staging reads), an external table over silver's files; the
        statements it ran."""
        statements = register_sql(self.FORMAT, CONFIG["register"]["schema"], table,
                                  self.location("silver", table), f"{lake_root().rstrip('/')}/_catalog",
                                  layout("silver", table) is not None)  # fmt: skip
        for sql in statements:
            self.spark.sql(sql)
        return statements

    def read(self, layer: str, table: str, version: int | None = None) -> Any:
        at = self.version(layer, table) if version is None else version
        return None if at is None else unpartitioned(self.spark.read.parquet(str(self.path(layer, table) / f"v={at}")), layer, table)

    def _commit(self, layer: str, table: str, at: int) -> None:
        pointer = self.path(layer, table) / "_latest"
        pointer.with_suffix(".tmp").write_text(str(at), encoding="utf-8")
        pointer.with_suffix(".tmp").replace(pointer)

    def append(self, layer: str, table: str, df: Any) -> None:
        at = self.version(layer, table) or 0
        writer(df, layer, table).mode("append").parquet(str(self.path(layer, table) / f"v={at}"))
        self._commit(layer, table, at)

    def replace(self, layer: str, table: str, df: Any) -> None:
        current = self.version(layer, table)
        at = 0 if current is None else current + 1
        writer(df, layer, table).mode("overwrite").parquet(str(self.path(layer, table) / f"v={at}"))
        self._commit(layer, table, at)

    def merge(self, layer: str, table: str, changes: Any, key: list[str], watermark: str | None) -> None:
        current = self.read(layer, table)
        payload = [c for c in changes.columns if c != "_op"]
        merged = changes.where("_op <> 'd'").select(*payload) if current is None else merged_rows(
            current, changes, key, watermark
        )
        self.replace(layer, table, merged.localCheckpoint())

    def upsert(self, layer: str, table: str, rows: Any, key: list[str]) -> None:
        """The rows replace the table's rows of the same key (NULL matching NULL), the others stay
        (no key: a single result row, replaced)."""
        current = self.read(layer, table)
        if current is not None and key:
            same = [current[bq(k)].eqNullSafe(rows[bq(k)]) for k in key]
            rows = current.join(rows, same, "left_anti").unionByName(rows)
        self.replace(layer, table, rows)

    def maintain(self, layer: str, table: str, zorder: list[str]) -> dict[str, Any]:
        """Compaction: the latest version rewritten sorted by the Z-order columns in one file per
        partition; expiry: versions older than the retention removed (the latest always kept)."""
        df = self.read(layer, table)
        self.replace(layer, table, (df.sortWithinPartitions(*zorder) if zorder else df).coalesce(1))
        latest, cutoff = self.version(layer, table), time.time() - TARGET["retention_hours"] * 3600
        removed = 0
        for folder in sorted(self.path(layer, table).glob("v=*")):
            if int(folder.name[2:]) != latest and folder.stat().st_mtime <= cutoff:
                shutil.rmtree(folder)
                removed += 1
        return {"versions_removed": removed}


class Delta(Parquet):
    """Delta Lake by path (delta-spark; built into Databricks runtimes)."""

    FORMAT = "delta"

    def ref(self, layer: str, table: str) -> str:
        return f"delta.{bq(self.uri(layer, table))}"

    def location(self, layer: str, table: str) -> str:
        return self.uri(layer, table)

    def exists(self, layer: str, table: str) -> bool:
        from delta.tables import DeltaTable

        return bool(DeltaTable.isDeltaTable(self.spark, self.uri(layer, table)))

    def read(self, layer: str, table: str, version: int | None = None) -> Any:
        if not self.exists(layer, table):
            return None
        reader = self.spark.read.format("delta")
        read = (reader.option("versionAsOf", version) if version is not None else reader).load(self.uri(layer, table))
        return unpartitioned(read, layer, table)

    def indexed(self, layer: str, table: str) -> None:
        """Bronze's `_batch_id` statistics as batch_id_stats asks, set where the table lacks them (a new table; an
        older release's: the files written from then on carry them, OPTIMIZE / rewrite_data_files the rest)."""
        wanted = batch_id_stats(self.FORMAT, bronze_columns(table)) if layer == "bronze" else {}
        if not wanted or not self.exists(layer, table):
            return
        ref = self.ref(layer, table)
        current = {r[0]: r[1] for r in self.spark.sql(f"SHOW TBLPROPERTIES {ref}").collect()}
        if any(current.get(k) != v for k, v in wanted.items()):
            self.spark.sql(properties_sql(ref, wanted))

    def sized(self, layer: str, table: str) -> None:
        """The table's target file size (the plan's): `delta.targetFileSize`, which OPTIMIZE and
        writes follow."""
        if file_bytes(layer, table):
            self.spark.sql(f"ALTER TABLE {self.ref(layer, table)} SET TBLPROPERTIES "
                           f"('delta.targetFileSize' = {lit(str(file_bytes(layer, table)))})")  # fmt: skip

    def append(self, layer: str, table: str, df: Any) -> None:
        new = not self.exists(layer, table)
        writer(df, layer, table).format("delta").mode("append").save(self.uri(layer, table))
        if new:
            self.sized(layer, table)
            self.indexed(layer, table)

    def replace(self, layer: str, table: str, df: Any) -> None:
        new = not self.exists(layer, table)
        writer(df, layer, table).format("delta").mode("overwrite").save(self.uri(layer, table))
        if new:
            self.sized(layer, table)

    def merge(self, layer: str, table: str, changes: Any, key: list[str], watermark: str | None) -> None:
        if not self.exists(layer, table):
            self.append(layer, table, changes.where("_op <> 'd'").drop("_op"))
            return
        if self.STORED:  # the stored partition column, set by the merge too
            changes = partitioned(changes, layer, table)
        changes.createOrReplaceTempView("_changes")
        self.spark.sql(merge_sql(self.ref(layer, table), [c for c in changes.columns if c != "_op"], key, watermark))

    def upsert(self, layer: str, table: str, rows: Any, key: list[str]) -> None:
        if not self.exists(layer, table):
            self.append(layer, table, rows)
            return
        rows.createOrReplaceTempView("_updates")  # in the rows' session (a micro-batch's: the stream's clone)
        rows.sparkSession.sql(upsert_sql(self.ref(layer, table), rows.columns, key))

    def maintain(self, layer: str, table: str, zorder: list[str]) -> dict[str, Any]:
        for statement in maintenance_sql("delta", self.ref(layer, table), f"{layer}.{table}", zorder):
            self.spark.sql(statement)
        return {"maintained": "optimize, vacuum"}


class Iceberg(Delta):
    """Iceberg tables of the Spark catalog `lake` (iceberg-spark-runtime), a namespace per layer named
    for the pipeline (TARGET["namespaces"]: `<pipeline>_<layer>`, a Glue database each on Glue)."""

    FORMAT = "iceberg"
    STORED = False

    def ref(self, layer: str, table: str) -> str:
        return f"lake.{bq(TARGET['namespaces'][layer])}.{bq(table)}"

    def register(self, table: str) -> list[str]:
        """Never: silver is already a table of the `lake` catalog, which dbt's Spark Thrift server opens as its
        session catalog (the dbt family's dbt/spark-thrift/; medallion.json has no `register` for Iceberg)."""
        return []

    def exists(self, layer: str, table: str) -> bool:
        return bool(self.spark.catalog.tableExists(f"lake.{TARGET['namespaces'][layer]}.{table}"))

    def read(self, layer: str, table: str, version: int | None = None) -> Any:
        if not self.exists(layer, table):
            return None
        reader = self.spark.read.option("snapshot-id", version) if version is not None else self.spark.read
        return reader.table(self.ref(layer, table))

    def creator(self, layer: str, table: str, df: Any) -> Any:
        """A writer that creates the table: hidden partitioning (the layout's transform of its time
        column, `days(ts)`) and the target file size (`write.target-file-size-bytes`), the plan's."""
        from pyspark.sql import functions as F

        try:  # pyspark 4: the partition transforms' own module (pyspark 3.5, Databricks' older runtimes: F.days)
            from pyspark.sql.functions import partitioning as transforms
        except ImportError:
            transforms = F
        self.spark.sql(f"CREATE NAMESPACE IF NOT EXISTS lake.{bq(TARGET['namespaces'][layer])}")
        made = df.writeTo(self.ref(layer, table)).using("iceberg")
        found, size = layout(layer, table), file_bytes(layer, table)
        made = made.tableProperty("write.target-file-size-bytes", str(size)) if size else made
        for key, value in (batch_id_stats(self.FORMAT, bronze_columns(table)) if layer == "bronze" else {}).items():
            made = made.tableProperty(key, value)  # every file of the table with its `_batch_id` bounds whole
        if found is None:
            return made
        return made.partitionedBy(getattr(transforms, found["transform"])(F.col(bq(found["source"]))))

    def append(self, layer: str, table: str, df: Any) -> None:
        if self.exists(layer, table):
            df.writeTo(self.ref(layer, table)).append()
        else:
            self.creator(layer, table, df).create()

    def replace(self, layer: str, table: str, df: Any) -> None:
        self.creator(layer, table, df).createOrReplace()

    def maintain(self, layer: str, table: str, zorder: list[str]) -> dict[str, Any]:
        ident = f"{TARGET['namespaces'][layer]}.{table}"  # the table in the `lake` catalog
        for statement in maintenance_sql("iceberg", self.ref(layer, table), ident, zorder):
            self.spark.sql(statement)
        return {"maintained": "rewrite_data_files, expire_snapshots"}


FORMATS = {"parquet": Parquet, "delta": Delta, "iceberg": Iceberg}


def register_sql(fmt: str, schema: str, table: str, location: str, local_catalog: str,
                 partitioned: bool = False) -> list[str]:
    """Silver's table in the session catalog as `<schema>.<table>` over its files. Delta (production: the
    metastore the job's session uses, Databricks' workspace catalog or the Hive metastore / Glue Data Catalog
    of EMR and Dataproc, the one dbt's target reads): created once, its location never moves. Parquet (the
    local run): each version is a new directory, so the table is dropped (an external table: its files
    stay) and created over the latest; the schema's own directory under the lake root, not the process's
    working directory; a partitioned one's partitions recovered (Spark does not gather them for a table
    made over existing files: it would read no row)."""
    ident = f"{bq(schema)}.{bq(table)}"
    if fmt == "delta":
        return [f"CREATE SCHEMA IF NOT EXISTS {bq(schema)}",
                f"CREATE TABLE IF NOT EXISTS {ident} USING DELTA LOCATION {lit(location)}"]  # fmt: skip
    return [f"CREATE SCHEMA IF NOT EXISTS {bq(schema)} LOCATION {lit(f'{local_catalog}/{schema}.db')}",
            f"DROP TABLE IF EXISTS {ident}", f"CREATE TABLE {ident} USING PARQUET LOCATION {lit(location)}",
            *([f"MSCK REPAIR TABLE {ident}"] if partitioned else [])]  # fmt: skip


def merge_sql(ref: str, payload: list[str], key: list[str], watermark: str | None) -> str:
    """MERGE INTO a Delta or Iceberg table from the view `_changes`: the merge semantics of
    `merged_rows`, as one statement."""
    on = " AND ".join(f"t.{bq(k)} = s.{bq(k)}" for k in key)
    w = bq(watermark) if watermark else None
    newer = f"(s.{w} IS NULL OR t.{w} IS NULL OR s.{w} >= t.{w})" if w else "TRUE"
    sets = ", ".join(f"t.{bq(c)} = s.{bq(c)}" for c in payload)
    columns = ", ".join(bq(c) for c in payload)
    values = ", ".join(f"s.{bq(c)}" for c in payload)
    return (
        f"MERGE INTO {ref} AS t USING _changes AS s ON {on} "
        f"WHEN MATCHED AND s._op = 'd' AND {newer} THEN DELETE "
        f"WHEN MATCHED AND s._op <> 'd' AND {newer} THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED AND s._op <> 'd' THEN INSERT ({columns}) VALUES ({values})"
    )


def upsert_sql(ref: str, columns: list[str], key: list[str]) -> str:
    """MERGE INTO a Delta or Iceberg table from the view `_updates`: a row replaces the one of
    its key (NULL-safe), a new key is inserted (the stream aggregations' results)."""
    on = " AND ".join(f"t.{bq(k)} <=> s.{bq(k)}" for k in key) or "TRUE"
    sets = ", ".join(f"t.{bq(c)} = s.{bq(c)}" for c in columns)
    names, values = ", ".join(bq(c) for c in columns), ", ".join(f"s.{bq(c)}" for c in columns)
    return (
        f"MERGE INTO {ref} AS t USING _updates AS s ON {on} "
        f"WHEN MATCHED THEN UPDATE SET {sets} WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
    )


def maintenance_sql(fmt: str, ref: str, ident: str, zorder: list[str]) -> list[str]:
    """Compaction (Z-order by the key) and vacuum / snapshot expiry past the spec's retention."""
    hours = max(0, int(TARGET["retention_hours"] + 0.999))
    if fmt == "delta":
        order = f" ZORDER BY ({', '.join(bq(c) for c in zorder)})" if zorder else ""
        return [f"OPTIMIZE {ref}{order}", f"VACUUM {ref} RETAIN {hours} HOURS"]
    sort = f", strategy => 'sort', sort_order => {lit('zorder(' + ','.join(zorder) + ')')}" if zorder else ""
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")
    return [
        f"CALL lake.system.rewrite_data_files(table => {lit(ident)}{sort})",
        f"CALL lake.system.expire_snapshots(table => {lit(ident)}, older_than => TIMESTAMP {lit(cutoff)})",
    ]


