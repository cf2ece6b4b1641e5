"""The generated Spark job beside DuckDB doing the same transforms. Not a test: a measurement.

Run (from the repo root, in pipegen's dev environment; the measurement runs in the spark judge env):
    python -m benchmarks.bench_spark [--rows 100000 1000000]

The spark_lakehouse example is generated; N order rows (seeded: ~10% of the keys updated again in a
second batch, ~1% with a negative amount that silver rejects, statuses placed / shipped / returned)
are written as two landed Parquet batches (text columns, as an extract lands them). Then, in one
process of the spark judge env, on one local[2] session:
- session start: `SparkSession.builder...getOrCreate()` (the JVM and the py4j gateway);
- the job's own layers, timed apart: bronze (append both batches with the metadata columns),
  silver (type, check, latest row per key, merge), gold (the customer_revenue mart in Spark SQL),
  each through the project's spark/medallion.py on Parquet tables (`PIPEGEN_SPARK_FORMAT=parquet`);
and, in the same process over the same landed files, DuckDB doing the same per layer: bronze
(the batches with the metadata columns, written as Parquet), silver (TRY_CAST, the range rule,
QUALIFY the latest per key, written), gold (the mart's aggregate, written). Peak RSS: the JVM's
VmHWM (/proc of the gateway's java process) and the Python process's own. The gold row counts of
both are printed side by side (tests/families/test_spark_jobs.py proves the values equal).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "spark_lakehouse.yaml"

LAND = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    import pyarrow as pa, pyarrow.parquet as pq
    rows, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20261205)
    def batch(keys, minute):
        amounts = [f"{-1 if rnd.random() < 0.01 else 1 * rnd.randint(1, 99999) / 100:.2f}" for _ in keys]
        return pa.table({
            "order_id": pa.array([str(k) for k in keys]),
            "customer_id": pa.array([str(rnd.randint(1, max(1, rows // 20))) for _ in keys]),
            "status": pa.array([rnd.choice(("placed", "shipped", "returned")) for _ in keys]),
            "amount": pa.array(amounts),
            "updated_at": pa.array([f"2026-01-01 00:{minute:02d}:{k % 60:02d}" for k in keys]),
        })
    pq.write_table(batch(range(1, rows + 1), 1), folder / "batch_0.parquet")
    pq.write_table(batch(rnd.sample(range(1, rows + 1), rows // 10), 2), folder / "batch_1.parquet")
    """
)

MEASURE = textwrap.dedent(
    """
    import importlib.util, json, os, resource, sys, time
    from pathlib import Path
    import duckdb
    project = Path(sys.argv[1])
    os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    spec = importlib.util.spec_from_file_location("medallion", project / "spark" / "medallion.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    out = {}
    t = time.monotonic()
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("bench").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    out["session_start_s"] = time.monotonic() - t
    for layer in ("bronze", "silver", "gold"):
        t = time.monotonic()
        summary = job.run(spark, (layer,))
        out[f"spark_{layer}_s"] = time.monotonic() - t
    out["spark_gold_rows"] = summary["gold.customer_revenue"]
    try:
        pid = spark.sparkContext._gateway.proc.pid
        status = Path(f"/proc/{pid}/status").read_text()
        out["jvm_peak_rss_mib"] = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024
    except Exception:
        out["jvm_peak_rss_mib"] = None
    spark.stop()
    landing = project / job.CONFIG["tables"][0]["landing"]
    duck = project / "duck"
    duck.mkdir()
    con = duckdb.connect()
    t = time.monotonic()
    con.execute(f\"\"\"COPY (SELECT order_id, customer_id, status, amount, updated_at,
        'file:' || parse_filename(filename) AS _batch_id, now()::TIMESTAMP AS _ingested_at,
        row_number() OVER () AS _row, 'u' AS _op
        FROM read_parquet('{landing}/*.parquet', filename = true)) TO '{duck}/bronze.parquet'\"\"\")
    out["duckdb_bronze_s"] = time.monotonic() - t
    t = time.monotonic()
    con.execute(f\"\"\"COPY (WITH typed AS (SELECT TRY_CAST(order_id AS BIGINT) AS order_id,
        TRY_CAST(customer_id AS BIGINT) AS customer_id, status, TRY_CAST(amount AS DECIMAL(10,2)) AS amount,
        TRY_CAST(updated_at AS TIMESTAMP) AS updated_at, _batch_id, _ingested_at, _row
        FROM '{duck}/bronze.parquet'),
      good AS (SELECT * FROM typed WHERE order_id IS NOT NULL AND customer_id IS NOT NULL AND updated_at IS NOT NULL
        AND (amount IS NULL OR amount >= 0) AND (status IS NULL OR status IN ('placed', 'shipped', 'returned')))
      SELECT order_id, customer_id, status, amount, updated_at FROM good
      QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC NULLS LAST, _ingested_at DESC,
                                 _batch_id DESC, _row DESC) = 1) TO '{duck}/silver.parquet'\"\"\")
    out["duckdb_silver_s"] = time.monotonic() - t
    t = time.monotonic()
    con.execute(f\"\"\"COPY (SELECT customer_id, count(order_id) AS orders, coalesce(sum(amount), 0) AS revenue
        FROM '{duck}/silver.parquet' WHERE status <> 'returned' GROUP BY 1) TO '{duck}/gold.parquet'\"\"\")
    out["duckdb_gold_s"] = time.monotonic() - t
    out["duckdb_gold_rows"] = con.execute(f"SELECT count(*) FROM '{duck}/gold.parquet'").fetchone()[0]
    out["silver_rows"] = con.execute(f"SELECT count(*) FROM '{duck}/silver.parquet'").fetchone()[0]
    out["python_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("@@" + json.dumps(out))
    """
)


def judge_python(env: str) -> Path:
    """The interpreter of a judge environment (tests/judges/envs.py builds it when missing)."""
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import ensure_env

    return ensure_env(env, sys.stderr) / "bin" / "python"


def measure(rows: int, python: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        subprocess.run([sys.executable, "-m", "pipegen", "generate", str(SPEC), "-o", str(project)],
                       check=True, capture_output=True)  # fmt: skip
        landing = project / "data" / "landing" / "shop" / "orders"
        subprocess.run([str(python), "-c", LAND, str(rows), str(landing)], check=True, capture_output=True)
        env = {**os.environ, "PYTHONPATH": "", "PIPEGEN_LAKE_ROOT": "", "PIPEGEN_LANDING_ROOT": ""}
        start = time.monotonic()
        proc = subprocess.run([str(python), "-c", MEASURE, str(project)], cwd=project,
                              check=True, capture_output=True, text=True, env=env)  # fmt: skip
        result: dict[str, float] = json.loads(proc.stdout.split("@@", 1)[1])
        result.update({"rows": rows, "landed": rows + rows // 10, "process_s": time.monotonic() - start})
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    args = parser.parse_args(argv)
    python = judge_python("spark")
    print("| orders | landed rows | session start s | Spark bronze / silver / gold s | Spark total s | "
          "DuckDB bronze / silver / gold s | DuckDB total s | Spark ÷ (start + DuckDB) | JVM peak RSS MiB | "
          "gold rows (Spark = DuckDB) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows:
        r = measure(rows, python)
        spark = r["spark_bronze_s"] + r["spark_silver_s"] + r["spark_gold_s"]
        duck = r["duckdb_bronze_s"] + r["duckdb_silver_s"] + r["duckdb_gold_s"]
        rss = f"{r['jvm_peak_rss_mib']:,.0f}" if r["jvm_peak_rss_mib"] else "n/a"
        print(
            f"| {r['rows']:,} | {r['landed']:,} | {r['session_start_s']:.1f} | "
            f"{r['spark_bronze_s']:.1f} / {r['spark_silver_s']:.1f} / {r['spark_gold_s']:.1f} | {spark:.1f} | "
            f"{r['duckdb_bronze_s']:.2f} / {r['duckdb_silver_s']:.2f} / {r['duckdb_gold_s']:.2f} | {duck:.2f} | "
            f"{spark / (r['session_start_s'] + duck):.1f}x | {rss} | "
            f"{r['spark_gold_rows']:,} = {r['duckdb_gold_rows']:,} |"
        )
        print(json.dumps(r), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
