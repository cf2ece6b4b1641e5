"""spark/medallion.py, part 3 of 5: the batch layers (bronze, silver's checks and merge, gold). The generated job is one file, these parts
joined in order (pipegen.generators.spark.job); only the text below the marker line reaches it."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any

from job import BATCHES, CONFIG, STREAMED, TARGET, bq, landing_root

# pipegen: spark/medallion.py continues below this line (the lines above only let this part be linted alone)


# ---------------------------------------------------------------- the layers


def merged_rows(current: Any, changes: Any, key: list[str], watermark: str | None) -> Any:
    """Silver after a merge: per key, the change when it is as new as the current row (either
    watermark unknown counts as newer) unless it is a delete, else the current row."""
    from pyspark.sql import functions as F

    payload = [c for c in changes.columns if c != "_op"]
    t = current.select(*[F.col(bq(c)).alias(f"t_{i}") for i, c in enumerate(payload)], F.lit(True).alias("_t"))
    c = changes.select(*[F.col(bq(x)).alias(f"c_{i}") for i, x in enumerate(payload)], "_op", F.lit(True).alias("_c"))
    at = {name: i for i, name in enumerate(payload)}
    on = [t[f"t_{at[k]}"] == c[f"c_{at[k]}"] for k in key]
    joined = t.join(c, on, "full_outer")
    if watermark:
        tw, cw = F.col(f"t_{at[watermark]}"), F.col(f"c_{at[watermark]}")
        newer = cw.isNull() | tw.isNull() | (cw >= tw)
    else:
        newer = F.lit(True)
    take = F.col("_c").isNotNull() & (F.col("_t").isNull() | newer)
    keep = (take & (F.col("_op") != "d")) | (~take & F.col("_t").isNotNull())
    return joined.where(keep).select(
        *[F.when(take, F.col(f"c_{i}")).otherwise(F.col(f"t_{i}")).alias(name) for i, name in enumerate(payload)]
    )


def landing_folder(table: dict[str, Any]) -> str:
    """The table's landing directory under the landing root, as a URL or path Spark's file systems open
    (s3://, gs://, abfss://, file:// or a plain path): joined as text, never through pathlib, which
    folds `s3://b` into a local `s3:/b`."""
    return landing_root().rstrip("/") + "/" + table["landing"].strip("/")


def landed_files(spark: Any, table: dict[str, Any]) -> list[tuple[str, str]]:
    """(file name, path) of each Parquet file directly in the table's landing directory, by name: listed by
    Spark's own file system layer (the binaryFile source's `path`, content never read), so a bucket URL
    works wherever the cluster reads the bucket (EMR, Dataproc, Databricks), with no extra library;
    a directory that does not exist yet lands nothing."""
    from pyspark.errors import AnalysisException

    try:
        found = spark.read.format("binaryFile").load(landing_folder(table) + "/*.parquet").select("path").collect()
    except AnalysisException as exc:  # no landing directory (or no file in it) yet
        if "PATH_NOT_FOUND" in str(exc.getCondition() if hasattr(exc, "getCondition") else exc.getErrorClass()):
            return []
        raise
    paths = {r[0] for r in found}
    return sorted((p.rstrip("/").rsplit("/", 1)[-1], p) for p in paths)


NESTED = ("ARRAY<", "STRUCT<", "MAP<")  # silver's nested types: Spark casts no text to one


def as_text(raw: Any, name: str) -> Any:
    """A landed column as bronze's text: a nested value of a landed file (an array, struct or map column) as its
    JSON, like the JSON text extract-load lands for a nested column (dlt's `json`), which stays as it is."""
    from pyspark.sql import functions as F

    col = F.col(bq(name))
    return F.to_json(col) if dict(raw.dtypes)[name].upper().startswith(NESTED) else col.cast("string")


def as_type(name: str, spark_type: str) -> Any:
    """A bronze column (text) as silver's type: a nested type parsed from its JSON (a value that does not
    parse: NULL, a failure), any other cast (try_cast: NULL where it does not cast)."""
    from pyspark.sql import functions as F

    col = F.col(bq(name))
    return F.from_json(col, spark_type) if spark_type.upper().startswith(NESTED) else col.try_cast(spark_type)


def as_bronze(raw: Any, table: dict[str, Any], batch_id: str | None, ingested: dt.datetime) -> Any:
    """A landed batch as bronze rows: the table's columns as text (a missing one NULL), then
    _batch_id (`batch_id`, else each row's own: a streamed row's source position), _ingested_at, _row and
    _op ('u' unless the batch says 'd')."""
    from pyspark.sql import functions as F

    present = set(raw.columns)
    own = F.col("_batch_id").cast("string") if batch_id is None else F.lit(batch_id)
    cols = [
        (as_text(raw, c["name"]) if c["name"] in present else F.lit(None).cast("string")).alias(c["name"])
        for c in table["columns"]
    ]
    op = F.coalesce(F.col("_op").cast("string"), F.lit("u")) if "_op" in present else F.lit("u")
    return raw.select(
        *cols, own.alias("_batch_id"), F.lit(ingested).cast("timestamp").alias("_ingested_at"),
        (F.monotonically_increasing_id() + 1).alias("_row"), op.alias("_op"),
    )  # fmt: skip


def bronze(spark: Any, store: Any, table: dict[str, Any], ingested: dt.datetime) -> int:
    name = table["name"]
    existing = store.read("bronze", name)
    seen = {r[0] for r in existing.select("_batch_id").distinct().collect()} if existing is not None else set()
    rows = 0
    for file_name, path in landed_files(spark, table):
        batch_id = f"file:{file_name}"
        if batch_id in seen:
            continue
        landed = as_bronze(spark.read.parquet(path), table, batch_id, ingested)
        store.append("bronze", name, landed)
        rows += landed.count()
    return rows


def broken(rule: dict[str, Any], col: Any) -> Any:
    """TRUE when a row breaks a per-row rule (NULL passes every rule but not_null)."""
    from pyspark.sql import functions as F

    args = rule["args"]
    if rule["rule"] == "not_null":
        return col.isNull()
    if rule["rule"] == "range":
        low = col < F.lit(args["min"]) if "min" in args else F.lit(False)
        high = col > F.lit(args["max"]) if "max" in args else F.lit(False)
        return F.coalesce(low | high, F.lit(False))
    if rule["rule"] == "accepted_values":
        return F.coalesce(~col.cast("string").isin([str(v) for v in args["values"]]), F.lit(False))
    if rule["rule"] == "regex":
        return F.coalesce(~col.cast("string").rlike("^(?:" + args["pattern"] + ")$"), F.lit(False))
    raise ValueError(f"no per-row check for rule {rule['rule']}")


def checked(new: Any, table: dict[str, Any]) -> Any:
    """The new bronze rows typed, with `_failures`: failed casts and rules, a list per row."""
    from pyspark.sql import functions as F

    names = [c["name"] for c in table["columns"]]
    typed = new.select(
        *[as_type(c["name"], c["type"]).alias(c["name"]) for c in table["columns"]],
        *[F.col(bq(n)).alias(f"_raw_{i}") for i, n in enumerate(names)], "_batch_id", "_ingested_at", "_row", "_op",
    )  # fmt: skip
    casts = [
        F.when(F.col(f"_raw_{i}").isNotNull() & F.col(bq(c["name"])).isNull(), F.lit(f"{c['name']}: not a {c['type']}"))
        for i, c in enumerate(table["columns"])
    ]
    rules = [F.when(broken(r, F.col(bq(r["column"]))), F.lit(r["label"])) for r in table["rules"]]
    failures = F.filter(F.array(*casts, *rules), lambda x: x.isNotNull()) if casts or rules else F.array()
    failures = F.when(F.col("_op") == "d", F.array().cast("array<string>")).otherwise(failures)
    return typed.withColumn("_failures", failures).drop(*[f"_raw_{i}" for i in range(len(names))])


def silver(spark: Any, store: Any, table: dict[str, Any]) -> dict[str, Any]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    name, key, wm = table["name"], table["key"], table["watermark"]
    bronze_rows = store.read("bronze", name)
    if bronze_rows is None:
        return {"new": 0}
    done = store.read("silver", BATCHES)
    listed = [(r[0], r[1]) for r in done.select("table", "_batch_id").collect()] if done else []
    taken = reduced([b for t, b in listed if t == name])
    new = bronze_rows.where(~taken_rows(taken)) if taken else bronze_rows
    streamed = F.col("_batch_id").startswith(STREAMED)  # the new ids as `reduced` keeps them, reduced by Spark
    ids = new.where(~streamed).select("_batch_id").distinct().union(
        new.where(streamed).groupBy(F.split("_batch_id", ":")[1]).agg(F.max("_batch_id").alias("_b")).select("_b"))
    batches = sorted(r[0] for r in ids.collect())
    if not batches:
        return {"new": 0}
    rows = checked(new, table).localCheckpoint()
    payload = [c["name"] for c in table["columns"]]
    rejected = rows.where(F.size("_failures") > 0).select(
        *[bq(c) for c in payload], "_batch_id", "_row", F.array_join("_failures", "; ").alias("_failures")
    )
    counts: dict[str, Any] = {"new": rows.count(), "rejected": rejected.count()}
    if counts["rejected"]:
        store.append("silver", f"{name}__rejected", rejected)
    good = rows.where(F.size("_failures") == 0)
    if key:
        keys, arrival = [bq(k) for k in key], [F.col(c) for c in ("_ingested_at", "_batch_id", "_row")]
        # a delete without a watermark (a delete by the key alone) ranks at its key's watermark so far in arrival
        # order: it beats the rows it follows, not a row made again after it (the lake step's silver, lake.py)
        so_far = Window.partitionBy(*keys).orderBy(*arrival).rowsBetween(Window.unboundedPreceding, Window.currentRow)
        order = [F.coalesce(F.col(bq(wm)), F.max(bq(wm)).over(so_far)).desc_nulls_last()] if wm else []
        order += [c.desc() for c in arrival]
        latest = good.withColumn("_n", F.row_number().over(Window.partitionBy(*keys).orderBy(*order)))
        latest = latest.where("_n = 1").select(*[bq(c) for c in payload], "_op")
        store.merge("silver", name, latest, key, wm)
    else:  # no primary key: nothing to merge by, the checked rows are appended
        store.append("silver", name, good.where("_op <> 'd'").select(*[bq(c) for c in payload]))
    kept, own = reduced(taken + batches), sum(1 for t, _ in listed if t == name)
    if len(kept) == own + len(batches):  # nothing superseded: the new ids appended
        done_rows = spark.createDataFrame([(name, b) for b in batches], "table string, _batch_id string")
        store.append("silver", BATCHES, done_rows)
    else:  # a partition's mark raised (or an older list of every event's id): the table rewritten, bounded
        rows = [(t, b) for t, b in listed if t != name] + [(name, b) for b in kept]
        store.replace("silver", BATCHES, spark.createDataFrame(rows, "table string, _batch_id string"))
    return counts


def reduced(batch_ids: list[str]) -> list[str]:
    """The batches silver took, bounded for a streamed table (as the lake step's lake_store.Taken): of the Flink
    bronze jobs' `kafka:<partition>:<offset, 20 digits>` ids only each partition's highest (its mark: every
    event of the partition at or below it is taken; bronze holds a prefix of each partition whenever it is read,
    docs/flink.md; the Spark stream's Kafka rows carry the same ids), every other id (`file:`, an id of an older
    release's stream micro-batch `stream:<epoch>`, a Kinesis event's `stream:<uuid>`: R534) as it is."""
    marks: dict[str, str] = {}
    others = set()
    for batch_id in batch_ids:
        partition, _, offset = batch_id.removeprefix(STREAMED).partition(":")
        if batch_id.startswith(STREAMED) and offset.isdigit():
            marks[partition] = max(batch_id, marks.get(partition, batch_id))  # zero-padded: compared as text
        else:
            others.add(batch_id)
    return sorted(others) + [marks[p] for p in sorted(marks)]


def taken_rows(taken: list[str]) -> Any:
    """TRUE for a bronze row of a batch `taken` (`reduced`) holds: a listed id, or a `kafka:` id in the text
    range `kafka:<p>:` to its partition's mark (only ids with that prefix lie in it)."""
    from pyspark.sql import functions as F

    col, listed = F.col("_batch_id"), [b for b in taken if not b.startswith(STREAMED)]
    terms = [col.isin(listed)] if listed else []
    for mark in (b for b in taken if b.startswith(STREAMED)):
        terms.append((col >= mark[: mark.rindex(":") + 1]) & (col <= mark))
    return functools.reduce(operator.or_, terms)


def registered(store: Any, names: list[str]) -> dict[str, Any]:
    """Each of these silver tables dbt's staging reads (medallion.json `register`: the tables and the
    `<pipeline>_silver` schema the naming layer gives dbt's sources) registered in the session's catalog,
    once it exists: `registered.<table>` -> the statements run."""
    register = CONFIG.get("register")
    if not register or "silver" not in TARGET["layers"]:
        return {}
    return {f"registered.{name}": store.register(name) for name in names
            if name in register["tables"] and store.exists("silver", name)}  # fmt: skip


def gold(spark: Any, store: Any) -> dict[str, Any]:
    for view in CONFIG["views"]:
        rows = store.read("silver", view["table"])
        if rows is None:
            return {"gold": f"silver {view['table']} is empty: run bronze and silver first"}
        rows.createOrReplaceTempView("_silver")
        spark.sql(f"SELECT {view['select']} FROM _silver").localCheckpoint().createOrReplaceTempView(view["view"])
    out: dict[str, Any] = {}
    for mart in CONFIG["marts"]:
        if mart["sql"] is None:
            out[mart["name"]] = f"left to dbt: {mart['skipped']}"
            continue
        df = spark.sql(mart["sql"])
        store.replace("gold", mart["table"], df)
        out[mart["name"]] = store.read("gold", mart["table"]).count()
    return out


