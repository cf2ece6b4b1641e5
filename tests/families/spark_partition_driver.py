"""Runs inside the `spark` judge environment: the generated Spark job (spark/medallion.py, local
Parquet lake) over a scenario's steps, then maintenance. Reads back with pyarrow and DuckDB, not
Spark: each silver/bronze version's partition directories and the days of the rows each file holds,
and silver's rows. Prints what it read as JSON after `@@JSON@@`.

Usage: python spark_partition_driver.py PROJECT SCENARIO.json"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from spark_driver import land, load_job, session


def version_dir(job, layer: str, table: str) -> Path:  # type: ignore[no-untyped-def]
    store = job.Parquet(None)
    return store.path(layer, table) / f"v={store.version(layer, table)}"


def files_by_partition(folder: Path, column: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for f in sorted(folder.rglob("*.parquet")):
        part = next((p for p in f.relative_to(folder).parts if "=" in p), "")
        values = pq.read_table(f, columns=[column]).column(column).to_pylist()
        out.setdefault(part, []).append(sorted({str(v)[:10] for v in values if v is not None}))
    return out


def silver_rows(folder: Path, columns: list[str]) -> list[list[str]]:
    sql = (f"SELECT {', '.join(columns)} FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = false) "
           "ORDER BY ALL")  # fmt: skip
    return [[str(v) for v in r] for r in duckdb.sql(sql).fetchall()]


def main(argv: list[str] | None = None, shared=None) -> None:  # type: ignore[no-untyped-def]
    """`shared`: the Spark judge server's session (tests/judges/spark_server.py), else one of its own."""
    args = sys.argv[1:] if argv is None else argv
    project, scenario = Path(args[0]), json.loads(Path(args[1]).read_text())
    spark = shared or session()
    os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    job = load_job(project)
    table = job.CONFIG["tables"][0]
    name, columns = table["name"], [c["name"] for c in table["columns"]]
    out: dict = {"partition": table["partition"], "steps": []}
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            land(project, table["landing"], f"step{step}_batch{b}", batch, columns)
        job.run(spark, ("bronze", "silver"))
        out["steps"].append(silver_rows(version_dir(job, "silver", name), columns))
    # silver registered for dbt (medallion.json `register`) reads every partition's rows
    register = job.CONFIG["register"]
    out["registered_rows"] = spark.sql(f"SELECT count(*) FROM `{register['schema']}`.`{name}`").collect()[0][0]
    silver = (table["partition"]["silver"] or {}).get("source") or table["watermark"]
    out["silver_files"] = files_by_partition(version_dir(job, "silver", name), silver)
    out["bronze_files"] = files_by_partition(version_dir(job, "bronze", name), "_ingested_at")
    job.TARGET["retention_hours"] = 0
    job.run(spark, ("maintain",))
    out["silver_after_maintenance"] = silver_rows(version_dir(job, "silver", name), columns)
    out["silver_files_after"] = files_by_partition(version_dir(job, "silver", name), silver)
    # gold (where the spec has a gold layer): each mart's version directories and rows
    if "gold" in job.TARGET["layers"]:
        job.run(spark, ("gold",))
        out["gold"] = {}
        for mart in job.CONFIG["marts"]:
            folder, layout = version_dir(job, "gold", mart["table"]), mart["partition"]["gold"]
            sql = (f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = false) "
                   "ORDER BY ALL")  # fmt: skip
            relation = duckdb.sql(sql)
            out["gold"][mart["table"]] = {
                "rows": [[str(v) for v in r] for r in relation.fetchall()], "columns": relation.columns,
                "files": files_by_partition(folder, layout["source"]) if layout else {},
                "dirs": sorted({p.name for p in folder.iterdir() if p.is_dir()}),
                "read_columns": job.Parquet(spark).read("gold", mart["table"]).columns,
            }  # fmt: skip
    # the job's own read of silver: the stored partition column is not a column of the table
    out["read_columns"] = job.Parquet(spark).read("silver", name).columns
    # Delta and Iceberg cannot run here (no Delta jars offline, no Iceberg catalog in this session): their
    # statements go through Spark's own SQL parser and the Iceberg table's creating writer is built on a
    # real DataFrame (its transform resolved), not run
    issued: list[str] = []
    recorder = type("Recorder", (), {"sql": lambda self, text: issued.append(text)})()
    job.Delta(recorder).sized("silver", name)
    payload = [*columns, table["partition"]["silver"]["column"]]
    issued.append(job.merge_sql(job.Delta(recorder).ref("silver", name), payload, table["key"], table["watermark"]))
    parser = spark._jsparkSession.sessionState().sqlParser()
    for sql in issued:
        parser.parsePlan(sql)  # raises ParseException on a syntax error
    out["delta_sql"] = list(issued)  # (the Iceberg creator below issues its CREATE NAMESPACE too)
    rows = spark.createDataFrame(
        [(1, "1.50", dt.datetime(2026, 1, 2))], "order_id long, amount string, updated_at timestamp"
    )
    out["iceberg_writer"] = type(job.Iceberg(recorder).creator("silver", name, rows)).__name__
    if shared is None:
        spark.stop()
    print("@@JSON@@" + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
