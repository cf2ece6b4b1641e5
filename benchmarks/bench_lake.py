"""The generated local lake job beside DuckDB doing the same transforms. Not a test: a measurement.

Run (from the repo root, in pipegen's dev environment; the measurement runs in the lake judge env):
    python -m benchmarks.bench_lake [--rows 100000 1000000] [--formats delta iceberg]

The spark_lakehouse example (a Delta target; for Iceberg the same spec with `type: iceberg`) is
generated, and its local lake job (pipeline/lake.py: deltalake, or pyiceberg on a SQLite SQL
catalog) is run as the local run runs it. N order rows are landed as bench_spark lands them (seeded:
text columns, ~1% with a negative amount that silver rejects, statuses placed / shipped /
returned) in the table's landing directory, in two runs of the job, as two days would land them:
run 1 lands all N keys, run 2 lands ~10% of the keys updated again (a newer watermark), so run 2's
silver is a merge into the existing table. Then, in one fresh process of the lake judge env:
- each layer of the job is a child process, `python -m pipeline.lake LAYER` as the local run
  starts it (interpreter start and imports included): bronze and silver in each run, then gold;
- gold publishes the marts dbt built in the warehouse: the customer_revenue mart is built first in
  warehouse.duckdb from the lake's silver with DuckDB (standing in for dbt, timed apart as "mart");
- DuckDB doing the same per layer over the same landed files, also one child process per layer:
  bronze (the batch with the metadata columns, appended as a Parquet file), silver (TRY_CAST, the
  spec's rules with the rejected rows written apart, the latest row per key, merged by key into
  the current silver: a new Parquet file), gold (the mart's aggregate over silver, written).
- a layer's floor: a child that only imports what the job imports and opens the silver table.
Wall seconds, CPU seconds (user + sys) and peak RSS of each child come from `os.wait4` (that
child's own rusage; it starts from the orchestrator's high-water mark at the fork, so the
orchestrator imports nothing heavy). Silver, rejected and gold row counts of both sides are
returned side by side (values: tests/families/test_lake_tables.py proves the job's tables).
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

from benchmarks.bench_spark import LAND, SPEC, judge_python  # the Spark job's benchmark's spec and landed orders

REPO = Path(__file__).resolve().parents[1]

# DuckDB doing one layer, in its own process: argv = layer, run, landed file, output folder.
DUCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import duckdb
    layer, run, landed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    t = time.monotonic()
    con = duckdb.connect()
    if layer == "bronze":
        con.execute(f\"\"\"COPY (SELECT CAST(order_id AS VARCHAR) AS order_id,
            CAST(customer_id AS VARCHAR) AS customer_id, CAST(status AS VARCHAR) AS status,
            CAST(amount AS VARCHAR) AS amount, CAST(updated_at AS VARCHAR) AS updated_at,
            'file:batch_{run}.parquet' AS _batch_id, now() AS _ingested_at, (row_number() OVER ())::BIGINT AS _row,
            'u' AS _op FROM read_parquet('{landed}')) TO '{out}/bronze_{run}.parquet'\"\"\")
    elif layer == "silver":
        con.execute(f\"\"\"CREATE TEMP TABLE checked AS WITH typed AS (SELECT TRY_CAST(order_id AS BIGINT) AS order_id,
            TRY_CAST(customer_id AS BIGINT) AS customer_id, status, TRY_CAST(amount AS DECIMAL(10,2)) AS amount,
            TRY_CAST(updated_at AS TIMESTAMP) AS updated_at, _batch_id, _ingested_at, _row, _op,
            (amount IS NOT NULL AND TRY_CAST(amount AS DECIMAL(10,2)) IS NULL) AS _bad_cast
            FROM '{out}/bronze_{run}.parquet')
          SELECT *, _bad_cast OR order_id IS NULL OR customer_id IS NULL OR updated_at IS NULL
            OR coalesce(amount < 0, FALSE) OR coalesce(status NOT IN ('placed', 'shipped', 'returned'), FALSE)
            AS _rejected FROM typed\"\"\")
        con.execute(f"COPY (SELECT * FROM checked WHERE _rejected) TO '{out}/rejected_{run}.parquet'")
        con.execute(\"\"\"CREATE TEMP TABLE latest AS SELECT order_id, customer_id, status, amount, updated_at, _op
            FROM checked WHERE NOT _rejected QUALIFY row_number() OVER (PARTITION BY order_id
            ORDER BY updated_at DESC NULLS LAST, _ingested_at DESC, _batch_id DESC, _row DESC) = 1\"\"\")
        if run == 0:
            con.execute(f"COPY (SELECT * EXCLUDE (_op) FROM latest WHERE _op <> 'd') TO '{out}/silver_0.parquet'")
        else:  # merge by key: a newer change replaces (or deletes) the current row, an older one is ignored
            con.execute(f\"\"\"COPY (WITH cur AS (SELECT * FROM '{out}/silver_{run - 1}.parquet'),
                effective AS (SELECT l.* FROM latest l LEFT JOIN cur c USING (order_id)
                              WHERE c.order_id IS NULL OR l.updated_at >= c.updated_at)
              SELECT * FROM cur WHERE order_id NOT IN (SELECT order_id FROM effective)
              UNION ALL SELECT * EXCLUDE (_op) FROM effective WHERE _op <> 'd') TO '{out}/silver_{run}.parquet'\"\"\")
    else:
        con.execute(f\"\"\"COPY (SELECT customer_id, count(order_id) AS orders, coalesce(sum(amount), 0) AS revenue
            FROM '{out}/silver_{run}.parquet' WHERE status <> 'returned' GROUP BY 1) TO '{out}/gold.parquet'\"\"\")
    print(time.monotonic() - t)
    """
)

# After the runs, in the project, its own process: argv = "mart" (build the customer_revenue mart in the
# warehouse from the lake's silver, as dbt would: prints seconds), "floor" (a layer's process without its
# work: the imports and the silver table opened) or "counts" (rows of both sides, JSON).
TAIL = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb
    sys.path.insert(0, "")
    from pipeline import lake
    target, table = lake.CONFIG["targets"][0], lake.CONFIG["tables"][0]
    store = lake.FORMATS[target["format"]](target)
    if sys.argv[1] == "mart":
        t = time.monotonic()
        silver = store.read("silver", table["name"])
        with duckdb.connect("warehouse.duckdb") as con:
            con.register("orders", silver)
            con.execute("CREATE SCHEMA marts")
            con.execute("CREATE TABLE marts.customer_revenue AS SELECT customer_id, count(order_id) AS orders, "
                        "coalesce(sum(amount), 0) AS revenue FROM orders WHERE status <> 'returned' GROUP BY 1")
        print(time.monotonic() - t)
    elif sys.argv[1] == "floor":  # what every layer's process pays before its work: imports, the table opened
        import pyarrow.parquet  # noqa: F401
        if target["format"] == "iceberg":
            store.table("silver", table["name"])
        else:
            import deltalake
            deltalake.DeltaTable(str(store.path("silver", table["name"])))
    else:
        con, duck = duckdb.connect(), "duck"
        print(json.dumps({
            "job_silver_rows": store.read("silver", table["name"], ["order_id"]).num_rows,
            "job_rejected_rows": store.read("silver", table["name"] + "__rejected", ["order_id"]).num_rows,
            "job_gold_rows": store.read("gold", "customer_revenue", ["customer_id"]).num_rows,
            "duckdb_silver_rows": con.execute(f"SELECT count(*) FROM '{duck}/silver_1.parquet'").fetchone()[0],
            "duckdb_rejected_rows": con.execute(f"SELECT count(*) FROM '{duck}/rejected_*.parquet'").fetchone()[0],
            "duckdb_gold_rows": con.execute(f"SELECT count(*) FROM '{duck}/gold.parquet'").fetchone()[0],
        }))
    """
)

# The orchestrator, one fresh process of the lake env: argv = project, landed folder. Prints one JSON line.
MEASURE = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys, tempfile, time
    from pathlib import Path
    project, landed, duck_code, tail_code = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    landing = project / table["landing"]
    duck = project / "duck"
    duck.mkdir()
    out = {"format": target["format"]}

    def child(key, argv):
        with tempfile.TemporaryFile() as log:
            t = time.monotonic()
            proc = subprocess.Popen(argv, cwd=project, stdout=log, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - t
            log.seek(0)
            text = log.read().decode()
        if status != 0:
            raise SystemExit(f"{key} failed ({status}):\\n{text}")
        out[key] = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}
        return text

    for run in (0, 1):
        landing.mkdir(parents=True, exist_ok=True)
        shutil.copy(landed / f"batch_{run}.parquet", landing / f"batch_{run}.parquet")
        for layer in ("bronze", "silver"):
            child(f"job_{layer}_{run}", [sys.executable, "-m", "pipeline.lake", layer])
            text = child(f"duckdb_{layer}_{run}", [sys.executable, "-c", duck_code, layer, str(run),
                                                  str(landed / f"batch_{run}.parquet"), str(duck)])
            out[f"duckdb_{layer}_{run}"]["query_s"] = float(text.strip().splitlines()[-1])

    text = child("mart", [sys.executable, "-c", tail_code, "mart"])
    out["mart"]["query_s"] = float(text.strip().splitlines()[-1])
    child("job_gold", [sys.executable, "-m", "pipeline.lake", "gold"])
    text = child("duckdb_gold", [sys.executable, "-c", duck_code, "gold", "1", "", str(duck)])
    out["duckdb_gold"]["query_s"] = float(text.strip().splitlines()[-1])
    child("floor", [sys.executable, "-c", tail_code, "floor"])
    out.update(json.loads(child("counts", [sys.executable, "-c", tail_code, "counts"]).strip().splitlines()[-1]))
    print("@@" + json.dumps(out))
    """
)


def spec_for(fmt: str, folder: Path) -> Path:
    """spark_lakehouse as it is (Delta), or with its lake target on Iceberg."""
    if fmt == "delta":
        return SPEC
    spec = folder / "spark_lakehouse_iceberg.yaml"
    spec.write_text(SPEC.read_text(encoding="utf-8").replace("type: delta", f"type: {fmt}"), encoding="utf-8")
    return spec


def measure(rows: int, fmt: str, python: Path) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import offline_env

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        subprocess.run([sys.executable, "-m", "pipegen", "generate", str(spec_for(fmt, Path(tmp))), "-o",
                        str(project)], check=True, capture_output=True)  # fmt: skip
        landed = Path(tmp) / "landed"
        subprocess.run([str(python), "-c", LAND, str(rows), str(landed)], check=True, capture_output=True)
        env = {**offline_env(Path(tmp) / "home"), "PIPEGEN_LAKE_ROOT": "", "PIPEGEN_WAREHOUSE": ""}
        start = time.monotonic()
        proc = subprocess.run([str(python), "-c", MEASURE, str(project), str(landed), DUCK, TAIL], cwd=project,
                              check=False, capture_output=True, text=True, env=env)  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        result: dict[str, object] = json.loads(proc.stdout.split("@@", 1)[1])
        result.update({"rows": rows, "landed": rows + rows // 10, "process_s": time.monotonic() - start,
                       "load": os.getloadavg()})  # fmt: skip
        return result


def layer(r: dict[str, dict[str, float]], side: str, name: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one layer over both runs (gold: its one run)."""
    parts = [r[f"{side}_{name}"]] if name == "gold" else [r[f"{side}_{name}_0"], r[f"{side}_{name}_1"]]
    return (sum(p["wall_s"] for p in parts), sum(p["cpu_s"] for p in parts), max(p["peak_rss_mib"] for p in parts))


def row_of(r: dict[str, object]) -> str:
    m: dict[str, dict[str, float]] = r  # type: ignore[assignment]
    cells = [f"{r['format']}", f"{r['rows']:,}", f"{r['landed']:,}"]
    ratios = []
    for name in ("bronze", "silver", "gold"):
        job, duck = layer(m, "job", name), layer(m, "duckdb", name)
        extra = m["mart"]["wall_s"] if name == "gold" else 0.0  # type: ignore[arg-type]
        ratios.append((job[0] + extra) / duck[0])
        mart = f" (+{extra:.1f} mart)" if name == "gold" else ""
        cells.append(
            f"{job[0]:.1f}{mart} / {job[1]:.1f} / {job[2]:,.0f} vs {duck[0]:.1f} / {duck[1]:.1f} / {duck[2]:,.0f}"
        )
    job_total = sum(layer(m, "job", n)[0] for n in ("bronze", "silver", "gold")) + m["mart"]["wall_s"]
    duck_total = sum(layer(m, "duckdb", n)[0] for n in ("bronze", "silver", "gold"))
    cells.append(f"{job_total:.1f} ({int(r['landed']) / job_total:,.0f} rows/s)")  # type: ignore[call-overload]
    cells.append(f"{duck_total:.1f}")
    cells.append(f"{m['floor']['wall_s']:.1f}")
    cells.append(" / ".join(f"{x:.1f}x" for x in ratios))
    cells.append(f"{r['job_silver_rows']:,} = {r['duckdb_silver_rows']:,}")
    cells.append(f"{r['job_gold_rows']:,} = {r['duckdb_gold_rows']:,}")
    cells.append(" ".join(f"{x:.1f}" for x in r["load"]))  # type: ignore[attr-defined]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--formats", nargs="+", default=["delta"], choices=["delta", "iceberg"])
    args = parser.parse_args(argv)
    python = judge_python("lake")
    print("| format | orders | landed rows | bronze: job wall / CPU s / peak MiB vs DuckDB | silver: same | "
          "gold: same | job total s | DuckDB total s | a layer's floor s | job ÷ DuckDB per layer | "
          "silver rows (job = DuckDB) | gold rows (job = DuckDB) | load 1/5/15 min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows:
        for fmt in args.formats:
            r = measure(rows, fmt, python)
            print(row_of(r), flush=True)
            print(json.dumps(r), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
