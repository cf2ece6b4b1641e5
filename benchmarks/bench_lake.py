"""The generated local lake job beside DuckDB doing the same transforms. Not a test: a measurement.

Run (from the repo root, in pipegen's dev environment; the measurement runs in the lake judge env):
    python -m benchmarks.bench_lake [--rows 100000 1000000] [--formats delta iceberg] [--partitioned]

--partitioned: the spec with a volume the plan partitions orders by day for (VOLUME: bronze by day of
arrival, silver by day of updated_at, as `pipegen plan` says) and the orders' updated_at over DAYS days;
DuckDB writes its bronze and silver in the same day partitions (PARTITION_BY a stored day column).

The spark_lakehouse example (a Delta target; for Iceberg the same spec with `type: iceberg`) is
generated, and its local lake job (pipeline/lake.py: deltalake, or pyiceberg on a SQLite SQL
catalog) is run as the local run runs it. N order rows are landed as bench_spark lands them (seeded:
text columns, ~1% with a negative amount that silver rejects, statuses placed / shipped /
returned) in the table's landing directory, in two runs of the job, as two days would land them:
run 1 lands all N keys, run 2 lands ~10% of the keys updated again (a newer watermark), so run 2's
silver is a merge into the existing table. Then, in one fresh process of the lake judge env, the
job's processes as the local run starts them (its steps, generators/lakehouse: `lake` runs
`pipeline.lake bronze silver` in one process, `lake_gold` runs `gold` in another, after dbt):
- per run, one child process for bronze then silver (lake.run of each layer in turn, as
  `python -m pipeline.lake bronze silver` does); after both runs one child for gold;
- gold publishes the marts dbt built in the warehouse, and the mart is built as the local run's
  `transform` step builds it: dbt-duckdb runs the generated dbt models (the staging view over
  silver's copy in the warehouse, which the job's silver layer publishes, the mart table over it)
  in warehouse.duckdb.
  Here the models' SQL as `dbt compile` (the batch judge env) writes it into the manifest runs in
  DuckDB with dbt's materializations (a view, a table), in a child of its own counted in gold;
  dbt's own process (its imports, parsing: ~10 s of CPU) is not counted. The raw table holds what
  the ingest step (dlt) would have loaded by then: the two runs' landed rows with `_extracted_at`,
  `_source` and `_batch_id` (one load per run), written after both lake runs (so bronze lands the
  files once, not the warehouse's loads too) by an untimed child;
- DuckDB doing the same over the same landed files in the same process shape (bronze then silver
  in one child per run, gold in one): bronze (the batch with the metadata columns, appended as a
  Parquet file), silver (TRY_CAST, the spec's rules with the rejected rows written apart, the
  latest row per key, merged by key into the current silver: a new Parquet file), gold (the same
  dbt models over the same raw table in a warehouse file of its own, then the mart written as
  Parquet, timed apart: the write beside the job's publish).
Each child imports first what its work imports (the floor: interpreter, lake.py and WARM's
modules for the job, `import duckdb` for DuckDB), then times each layer inside the process
(wall and `time.process_time()`): a layer's figure is its own work; a process's floor is its
time minus its layers'. Whole-process wall seconds, CPU seconds (user + sys) and peak RSS come
from `os.wait4` (that child's own rusage; it starts from the orchestrator's high-water mark at
the fork, so the orchestrator imports nothing heavy); the whole run is the sum of a side's
processes. silver's copy into the warehouse (the job's `publish_silver`, inside its silver layer, each
run; DuckDB's the same CREATE TABLE from its last silver file, inside its mart) is also timed apart, as
"copy". Silver, rejected and gold row counts and gold's revenue total of both sides are returned
side by side (values: tests/families/test_lake_tables.py proves the job's tables).
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
from typing import Any

from benchmarks.bench_spark import LAND, SPEC, judge_python  # the Spark job's benchmark's spec and landed orders

REPO = Path(__file__).resolve().parents[1]

# DuckDB doing the layers of one run in one process, as the job's local run does (bronze and silver in
# the `lake` step; mart then gold alone): argv = layers (comma-separated), run, landed file, output folder,
# the models' file (mart, gold). Prints {layer: {"wall_s", "cpu_s"}} measured inside the process, after
# `import duckdb` (the floor).
DUCK = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    import duckdb
    layers, run, landed, out = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    PART = os.environ.get("BENCH_PARTITIONED") == "1"  # bronze by day of arrival, silver by day of updated_at

    def src(name):  # a written table: one Parquet file, or (partitioned) a folder of day partitions
        if PART:
            return f"read_parquet('{out}/{name}/**/*.parquet', hive_partitioning = false)"
        return f"'{out}/{name}.parquet'"

    def dest(select, name, day):  # COPY a query to a table, partitioned by day of `day` (a stored column)
        if not PART:
            return f"COPY ({select}) TO '{out}/{name}.parquet'"
        return (f"COPY (SELECT *, strftime({day}, '%Y-%m-%d') AS _pipegen_day FROM ({select})) TO '{out}/{name}' "
                "(FORMAT parquet, PARTITION_BY (_pipegen_day))")
    times = {}
    for layer in layers:
        t, c = time.monotonic(), time.process_time()
        con = duckdb.connect()
        if layer == "bronze":
            con.execute(dest(f\"\"\"SELECT CAST(order_id AS VARCHAR) AS order_id,
                CAST(customer_id AS VARCHAR) AS customer_id, CAST(status AS VARCHAR) AS status,
                CAST(amount AS VARCHAR) AS amount, CAST(updated_at AS VARCHAR) AS updated_at,
                'file:batch_{run}.parquet' AS _batch_id, now() AS _ingested_at, (row_number() OVER ())::BIGINT AS _row,
                'u' AS _op FROM read_parquet('{landed}')\"\"\", f"bronze_{run}", "_ingested_at AT TIME ZONE 'UTC'"))
        elif layer == "silver":
            con.execute(f\"\"\"CREATE TEMP TABLE checked AS WITH typed AS (SELECT TRY_CAST(order_id AS BIGINT)
                AS order_id, TRY_CAST(customer_id AS BIGINT) AS customer_id, status,
                TRY_CAST(amount AS DECIMAL(10,2)) AS amount,
                TRY_CAST(updated_at AS TIMESTAMP) AS updated_at, _batch_id, _ingested_at, _row, _op,
                (amount IS NOT NULL AND TRY_CAST(amount AS DECIMAL(10,2)) IS NULL) AS _bad_cast
                FROM {src(f"bronze_{run}")})
              SELECT *, _bad_cast OR order_id IS NULL OR customer_id IS NULL OR updated_at IS NULL
                OR coalesce(amount < 0, FALSE) OR coalesce(status NOT IN ('placed', 'shipped', 'returned'), FALSE)
                AS _rejected FROM typed\"\"\")
            con.execute(f"COPY (SELECT * FROM checked WHERE _rejected) TO '{out}/rejected_{run}.parquet'")
            con.execute(\"\"\"CREATE TEMP TABLE latest AS SELECT order_id, customer_id, status, amount, updated_at, _op
                FROM checked WHERE NOT _rejected QUALIFY row_number() OVER (PARTITION BY order_id
                ORDER BY updated_at DESC NULLS LAST, _ingested_at DESC, _batch_id DESC, _row DESC) = 1\"\"\")
            if run == 0:
                con.execute(dest("SELECT * EXCLUDE (_op) FROM latest WHERE _op <> 'd'", "silver_0", "updated_at"))
            else:  # merge by key: a newer change replaces (or deletes) the current row, an older one is ignored
                con.execute(dest(f\"\"\"WITH cur AS (SELECT * FROM {src(f"silver_{run - 1}")}),
                    effective AS (SELECT l.* FROM latest l LEFT JOIN cur c USING (order_id)
                                  WHERE c.order_id IS NULL OR l.updated_at >= c.updated_at)
                  SELECT * FROM cur WHERE order_id NOT IN (SELECT order_id FROM effective)
                  UNION ALL SELECT * EXCLUDE (_op) FROM effective WHERE _op <> 'd'
                  \"\"\", f"silver_{run}", "updated_at"))
        else:  # mart: silver's copy and the dbt models over it, as the job's mart reads it; gold: the mart written
            con.close()
            con = duckdb.connect(str(out / "warehouse.duckdb"))
            models = json.loads(Path(sys.argv[5]).read_text())
            tc, cc = time.monotonic(), time.process_time()
            for rel in models["sources"] if layer == "mart" else []:  # silver's copy, as the job's lake step makes it
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {rel.rsplit('.', 1)[0]}")
                con.execute(f"CREATE OR REPLACE TABLE {rel} AS SELECT *, now() AS _extracted_at, "
                            f"'silver' AS _source, 'silver' AS _batch_id FROM {src('silver_1')}")
            if layer == "mart":  # the copy alone, inside the mart's time (not a layer: "copy" is not summed)
                times["copy"] = {"wall_s": time.monotonic() - tc, "cpu_s": time.process_time() - cc}
            for sql in models["statements"] if layer == "mart" else []:
                con.execute(sql)
            if layer == "gold":
                con.execute(f"COPY (SELECT * FROM {models['marts'][0]}) TO '{out}/gold.parquet'")
        con.close()
        times[layer] = {"wall_s": time.monotonic() - t, "cpu_s": time.process_time() - c}
    print("@@" + json.dumps(times))
    """
)

# What a process of the job imports before any layer's work (the floor), made first so that a layer's
# time inside the process is its own work: what lake.py imports lazily for the format; a writer opens
# the SQL catalog module (pyiceberg + SQLAlchemy) and rich, which pyiceberg imports at every write's
# schema check (pyiceberg.schema._SchemaCompatibilityVisitor); a reader only pyiceberg's table (StaticTable).
WARM = textwrap.dedent(
    """
    import duckdb, pyarrow, pyarrow.compute, pyarrow.dataset, pyarrow.parquet  # noqa
    if lake.CONFIG["targets"][0]["format"] == "iceberg":
        import pyiceberg.expressions, pyiceberg.io.pyarrow, pyiceberg.table  # noqa
        if WRITES:
            import pyiceberg.catalog.sql, rich.console, rich.table  # noqa
    else:
        import deltalake  # noqa
    """
)

# One process of the job as the local run starts it (`python -m pipeline.lake bronze silver`: the `lake`
# step; `gold`: the `lake_gold` step): argv = layers. The floor (interpreter, lake.py, WARM), then each
# layer by lake.run, timed inside the process. Prints {layer: {"wall_s", "cpu_s"}}.
JOB = (
    "import json, sys, time\nsys.path.insert(0, '')\nfrom pipeline import lake\nWRITES = True\n"
    + WARM
    + textwrap.dedent(
        """
        times = {}
        # silver's copy into the warehouse (publish_silver), timed apart inside silver's time ("copy": not summed)
        copy, publish = {"wall_s": 0.0, "cpu_s": 0.0}, lake.publish_silver

        def timed_publish(*args, **kwargs):
            t, c = time.monotonic(), time.process_time()
            try:
                return publish(*args, **kwargs)
            finally:
                copy["wall_s"] += time.monotonic() - t
                copy["cpu_s"] += time.process_time() - c

        lake.publish_silver = timed_publish
        for layer in sys.argv[1:]:
            t, c = time.monotonic(), time.process_time()
            lake.run((layer,))
            times[layer] = {"wall_s": time.monotonic() - t, "cpu_s": time.process_time() - c}
        if "silver" in times:
            times["copy"] = copy
        print("@@" + json.dumps(times))
        """
    )
)

# After the runs, in the project, its own process: argv = "mart", the models' file (build the marts in the
# warehouse as dbt-duckdb builds them: the compiled models' statements over the raw table, in their own
# process after the floor of a reader, printed as {"mart": {"wall_s", "cpu_s"}}) or "counts" (rows of
# both sides, JSON).
TAIL = (
    "import json, sys, time\nfrom pathlib import Path\nsys.path.insert(0, '')\n"
    "from pipeline import lake\nWRITES = False\n"
    + WARM
    + textwrap.dedent(
        """
        target, table = lake.CONFIG["targets"][0], lake.CONFIG["tables"][0]
        store = lake.FORMATS[target["format"]](target)
        if sys.argv[1] == "mart":
            statements = json.loads(Path(sys.argv[2]).read_text())["statements"]
            t, c = time.monotonic(), time.process_time()
            with duckdb.connect("warehouse.duckdb") as con:
                for sql in statements:
                    con.execute(sql)
            print("@@" + json.dumps({"mart": {"wall_s": time.monotonic() - t, "cpu_s": time.process_time() - c}}))
        else:
            con, duck = duckdb.connect(), "duck"
            partitioned = Path(duck, "silver_1").is_dir()
            silver = (f"read_parquet('{duck}/silver_1/**/*.parquet', hive_partitioning = false)" if partitioned
                      else f"'{duck}/silver_1.parquet'")
            print("@@" + json.dumps({
                "job_silver_rows": store.read("silver", table["name"], ["order_id"]).num_rows,
                "job_rejected_rows": store.read("silver", table["name"] + "__rejected", ["order_id"]).num_rows,
                "job_gold_rows": store.read("gold", "customer_revenue", ["customer_id"]).num_rows,
                "job_gold_revenue": str(pyarrow.compute.sum(store.read("gold", "customer_revenue", ["revenue"])
                                                            .column("revenue")).as_py()),
                "duckdb_gold_revenue": str(con.sql(f"SELECT sum(revenue) FROM '{duck}/gold.parquet'").fetchone()[0]),
                "duckdb_silver_rows": con.execute(f"SELECT count(*) FROM {silver}").fetchone()[0],
                "duckdb_rejected_rows": con.execute(f"SELECT count(*) FROM '{duck}/rejected_*.parquet'").fetchone()[0],
                # partitions: the job's silver directories of one day (Delta `_pipegen_day=`, Iceberg `<col>_day=`)
                "job_silver_partitions": len({p.name for p in Path("lake").rglob("*_day=*") if p.is_dir()
                                              and table["name"] in p.parts and "silver" in str(p)}),
                "duckdb_silver_partitions": len(list(Path(duck, "silver_1").glob("_pipegen_day=*"))),
                "duckdb_gold_rows": con.execute(f"SELECT count(*) FROM '{duck}/gold.parquet'").fetchone()[0],
            }))
        """
    )
)

# Untimed (the ingest step's work, not a lake layer): the raw table the ingest step (dlt) would have
# loaded by the end of both runs, in each side's warehouse file: argv = landed folder, raw schema, raw
# table, warehouse files. One load per run: `_batch_id`, `_extracted_at` (run 1 the later), `_source`.
INGEST = textwrap.dedent(
    """
    import sys
    import duckdb
    landed, schema, table, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    loads = " UNION ALL ".join(
        f"SELECT *, 'load_{run}' AS _batch_id, TIMESTAMP '2026-01-02 00:00:00' + INTERVAL {run} HOUR AS _extracted_at, "
        f"'shop' AS _source FROM read_parquet('{landed}/batch_{run}.parquet')" for run in (0, 1))
    for path in files:
        with duckdb.connect(path) as con:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE TABLE "{schema}"."{table}" AS {loads}')
    print("@@{}")
    """
)

# The orchestrator, one fresh process of the lake env: argv = project, landed folder, the three programs.
# Each child: the process's wall / CPU s / peak RSS from os.wait4, its layers' own times from inside it
# (its floor: the process's time minus its layers'). Prints one JSON line.
MEASURE = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys, tempfile, time
    from pathlib import Path
    project, landed, duck_code, job_code, tail_code, ingest_code, models = (Path(sys.argv[1]), Path(sys.argv[2]),
                                                                            *sys.argv[3:8])
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    landing = project / table["landing"]
    duck = project / "duck"
    duck.mkdir()
    out = {"format": target["format"], "processes": {}, "layers": {}}

    def child(side, key, argv):
        with tempfile.TemporaryFile() as log:
            t = time.monotonic()
            proc = subprocess.Popen(argv, cwd=project, stdout=log, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - t
            log.seek(0)
            text = log.read().decode()
        if status != 0:
            raise SystemExit(f"{key} failed ({status}):\\n{text}")
        inner = json.loads(text.split("@@", 1)[1].strip().splitlines()[0])
        if side is None:
            return inner
        process = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}
        layers = [v for k, v in inner.items() if k != "copy"]  # "copy" is inside silver's (job) or mart's (DuckDB)
        process["floor_wall_s"] = wall - sum(v["wall_s"] for v in layers)
        process["floor_cpu_s"] = process["cpu_s"] - sum(v["cpu_s"] for v in layers)
        out["processes"][f"{side}:{key}"] = process
        for layer, times in inner.items():
            out["layers"][f"{side}:{layer}:{key}"] = times
        return inner

    for run in (0, 1):
        landing.mkdir(parents=True, exist_ok=True)
        shutil.copy(landed / f"batch_{run}.parquet", landing / f"batch_{run}.parquet")
        child("job", f"lake_{run}", [sys.executable, "-c", job_code, "bronze", "silver"])
        child("duckdb", f"lake_{run}", [sys.executable, "-c", duck_code, "bronze,silver", str(run),
                                        str(landed / f"batch_{run}.parquet"), str(duck)])
    child(None, "ingest", [sys.executable, "-c", ingest_code, str(landed), table["raw_schema"], table["raw_table"],
                           str(project / "warehouse.duckdb"), str(duck / "warehouse.duckdb")])
    child("job", "mart", [sys.executable, "-c", tail_code, "mart", models])
    child("job", "gold", [sys.executable, "-c", job_code, "gold"])
    child("duckdb", "gold", [sys.executable, "-c", duck_code, "mart,gold", "1", "", str(duck), models])
    out.update(child(None, "counts", [sys.executable, "-c", tail_code, "counts"]))
    print("@@" + json.dumps(out))
    """
)


# --partitioned: a volume for which the plan partitions orders by day (by hand, as
# tests/families/test_lake_partitions.py: 50M rows x 200 B / 4 = 2.5e9 B a day, 30 days retained, keyed and
# above 16 GiB: a day's partition >= 1 GiB), so bronze is partitioned by day of arrival and silver by day of
# updated_at; the landed rows' updated_at spread over DAYS days (a key's day: its number mod DAYS), so silver
# has DAYS partitions. The gold mart (per customer) has no time output: not partitioned (`pipegen plan`).
VOLUME = "volume: {rows_per_day: 50000000, avg_row_bytes: 200, retention_days: 30}\n"
DAYS = 30
FIRST_DAY = 'f"2026-01-01 00:{minute:02d}:{k % 60:02d}"'
PARTITIONED_LAND = LAND.replace(FIRST_DAY, f'f"2026-01-{{1 + k % {DAYS}:02d}} 00:{{minute:02d}}:{{k % 60:02d}}"')


def spec_for(fmt: str, folder: Path, partitioned: bool = False) -> Path:
    """spark_lakehouse as it is (Delta), or with its lake target on Iceberg; `partitioned`: with VOLUME."""
    if fmt == "delta" and not partitioned:
        return SPEC
    text = SPEC.read_text(encoding="utf-8").replace("type: delta", f"type: {fmt}")
    text = text.replace("\nsources:\n", f"\n{VOLUME}sources:\n", 1) if partitioned else text
    spec = folder / f"spark_lakehouse_{fmt}.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def dbt_models(project: Path, folder: Path) -> Path:
    """The generated dbt models as dbt-duckdb runs them locally, in dependency order: `dbt compile`
    (the batch judge env) against a warehouse file named as the local one (its name is the relations'
    database), each compiled model in its materialization (a view, a table) in its schema. Written to
    a JSON file: {"statements": [...], "marts": [the tables' relation names], "sources": [the sources']}."""
    from tests.judges.envs import judge_bin, offline_env

    compiled = folder / "dbt_compile"
    compiled.mkdir()
    env = offline_env(folder / "home", PIPEGEN_WAREHOUSE=str(compiled / "warehouse.duckdb"),
                      DBT_SEND_ANONYMOUS_USAGE_STATS="false")  # fmt: skip
    dbt = project / "dbt"
    subprocess.run([str(judge_bin("batch", "dbt")), "compile", "--project-dir", str(dbt), "--profiles-dir", str(dbt),
                    "--target", "local", "--target-path", str(compiled / "target")], check=True, capture_output=True,
                   env=env)  # fmt: skip
    manifest = json.loads((compiled / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    # the sources staging reads: in a Lakehouse silver's copy in the warehouse (`<pipeline>_silver.<table>`)
    sources = sorted(n["relation_name"] for n in manifest["sources"].values())
    models = {k: n for k, n in nodes.items() if n["resource_type"] == "model"}
    statements, marts, done = [], [], set()
    while len(done) < len(models):
        ready = sorted(
            k for k, n in models.items() if k not in done and set(n["depends_on"]["nodes"]) & set(models) <= done
        )
        if not ready:
            raise SystemExit(f"dbt models in a cycle: {sorted(set(models) - done)}")
        for key in ready:
            node, kind = models[key], models[key]["config"]["materialized"]
            if kind not in ("view", "table"):
                raise SystemExit(f"{key}: materialized {kind!r}, which this benchmark does not run")
            statements.append(f'CREATE SCHEMA IF NOT EXISTS "{node["database"]}"."{node["schema"]}"')
            statements.append(f"CREATE {kind.upper()} {node['relation_name']} AS (\n{node['compiled_code']}\n)")
            marts += [node["relation_name"]] if kind == "table" else []
            done.add(key)
    out = folder / "models.json"
    out.write_text(json.dumps({"statements": statements, "marts": marts, "sources": sources}), encoding="utf-8")
    return out


def measure(rows: int, fmt: str, python: Path, partitioned: bool = False) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import offline_env

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        subprocess.run([sys.executable, "-m", "pipegen", "generate", str(spec_for(fmt, Path(tmp), partitioned)), "-o",
                        str(project)], check=True, capture_output=True)  # fmt: skip
        layout = json.loads((project / "pipeline" / "lake.json").read_text(encoding="utf-8"))["tables"][0]["partition"]
        if partitioned and not (layout["bronze"] and layout["silver"]):
            raise SystemExit(f"the plan did not partition orders: {layout}")
        models = dbt_models(project, Path(tmp))
        landed = Path(tmp) / "landed"
        land = PARTITIONED_LAND if partitioned else LAND
        subprocess.run([str(python), "-c", land, str(rows), str(landed)], check=True, capture_output=True)
        env = {**offline_env(Path(tmp) / "home"), "PIPEGEN_LAKE_ROOT": "", "PIPEGEN_WAREHOUSE": "",
               "BENCH_PARTITIONED": "1" if partitioned else ""}  # fmt: skip
        start = time.monotonic()
        proc = subprocess.run([str(python), "-c", MEASURE, str(project), str(landed), DUCK, JOB, TAIL, INGEST,
                               str(models)], cwd=project,
                              check=False, capture_output=True, text=True, env=env)  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        result: dict[str, object] = json.loads(proc.stdout.split("@@", 1)[1])
        result.update({"rows": rows, "landed": rows + rows // 10, "process_s": time.monotonic() - start,
                       "load": os.getloadavg(), "partitioned": partitioned})  # fmt: skip
        return result


def work(r: dict[str, Any], side: str, name: str) -> tuple[float, float]:
    """(wall s, CPU s) of one layer's own work inside its processes, over both runs (gold: its one run;
    gold counts the mart, dbt's models run in DuckDB, on both sides; "publish": gold without the mart)."""
    layers: dict[str, dict[str, float]] = r["layers"]
    names = {"gold": ("gold", "mart"), "publish": ("gold",)}.get(name, (name,))
    parts = [v for k, v in layers.items() if k.split(":")[0] == side and k.split(":")[1] in names]
    return sum(p["wall_s"] for p in parts), sum(p["cpu_s"] for p in parts)


def processes(r: dict[str, Any], side: str) -> list[dict[str, float]]:
    return [v for k, v in r["processes"].items() if k.startswith(side + ":")]


def row_of(r: dict[str, Any]) -> str:
    parts = (
        f" ({r['job_silver_partitions']} / {r['duckdb_silver_partitions']} silver days)" if r.get("partitioned") else ""
    )
    cells = [f"{r['format']}{parts}", f"{r['rows']:,}"]
    ratios = []
    for name in ("bronze", "silver", "gold"):
        job, duck = work(r, "job", name), work(r, "duckdb", name)
        ratios.append(f"{job[0] / duck[0]:.1f}× / {job[1] / duck[1]:.1f}×")
        cells.append(f"{job[0]:.2f} / {job[1]:.2f} vs {duck[0]:.2f} / {duck[1]:.2f}")
    cells.append(" · ".join(ratios))
    publish, duck_write = work(r, "job", "publish"), work(r, "duckdb", "publish")
    cells.append(f"{publish[0] / duck_write[0]:.1f}× / {publish[1] / duck_write[1]:.1f}×")
    job_copy, duck_copy = work(r, "job", "copy"), work(r, "duckdb", "copy")
    cells.append(f"{job_copy[0]:.2f} / {job_copy[1]:.2f} vs {duck_copy[0]:.2f} / {duck_copy[1]:.2f}")
    for side in ("job", "duckdb"):
        procs = processes(r, side)
        low, high = min(p["floor_wall_s"] for p in procs), max(p["floor_wall_s"] for p in procs)
        cells.append(f"{len(procs)} × {low:.2f}–{high:.2f}")
    job_total, duck_total = (sum(p["wall_s"] for p in processes(r, s)) for s in ("job", "duckdb"))
    job_cpu, duck_cpu = (sum(p["cpu_s"] for p in processes(r, s)) for s in ("job", "duckdb"))
    cells.append(f"**{job_total:.1f}** / {job_cpu:.1f} ({int(r['landed']) / job_total:,.0f} rows/s)")
    cells.append(f"{duck_total:.1f} / {duck_cpu:.1f}")
    cells.append(" / ".join(f"{max(p['peak_rss_mib'] for p in processes(r, s)):,.0f}" for s in ("job", "duckdb")))
    cells.append(
        f"{r['job_silver_rows']:,} = {r['duckdb_silver_rows']:,}; {r['job_gold_rows']:,} = {r['duckdb_gold_rows']:,}; "
        f"{r['job_gold_revenue']} = {r['duckdb_gold_revenue']}"
    )
    cells.append(" ".join(f"{x:.1f}" for x in r["load"]))
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--formats", nargs="+", default=["delta"], choices=["delta", "iceberg"])
    parser.add_argument("--partitioned", action="store_true",
                        help="a volume the plan partitions by day, rows over 30 days; DuckDB the same")  # fmt: skip
    args = parser.parse_args(argv)
    python = judge_python("lake")
    print("| format | orders | bronze: job work wall / CPU s vs DuckDB | silver: same | gold (+ mart): same | "
          "job ÷ DuckDB per layer, work (wall / CPU) | gold publish alone ÷ DuckDB's write of the mart | "
          "silver's warehouse copy: job (in silver, both runs) vs DuckDB (in gold's mart) | "
          "job processes × floor s | DuckDB processes × floor s | "
          "job whole run: wall / CPU s | DuckDB whole run | peak RSS MiB job / DuckDB | silver; gold rows; "
          "gold revenue (job = DuckDB) | load 1/5/15 min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows:
        for fmt in args.formats:
            r = measure(rows, fmt, python, args.partitioned)
            print(row_of(r), flush=True)
            print(json.dumps(r), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
