"""Runs inside the `spark` judge environment, ONE local[2] Spark session for every project it
is given: for each, lands the scenario's raw batches one step at a time as Parquet files, runs
the generated job (spark/medallion.py, imported, on that session, Parquet tables) after each —
its `stream` layer too where a table is streamed (Structured Streaming over the landing files,
availableNow, Kafka's stand-in) — and reads silver, rejected and gold back with DuckDB
(read_parquet, the independent reader). A streamed project's Kafka reading (from_kafka) runs over
hand-built Kafka records on a static frame (no Kafka connector jars here). Also parses the job's
MERGE / CALL statements with Spark's own SQL parser and loads every job of a generated
databricks.yml through databricks-bundles' models; reads a Dataproc batch's secrets through a Hadoop
credential provider (credential_provider). Prints JSON.

Usage: python spark_driver.py WORK.json   ({"projects": [{"dir", "scenario"}], "bundles": [databricks.yml as data],
                                    "emr": [request], "dataproc": [batch], "secrets": {"dir", "batch"}})"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def load_job(project: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"medallion_{abs(hash(project))}", project / "spark" / "medallion.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def land(project: Path, landing: str, name: str, batch: list[dict], columns: list[str]) -> None:
    folder = project / landing
    folder.mkdir(parents=True, exist_ok=True)
    data = {c: pa.array([None if r.get(c) is None else str(r[c]) for r in batch], pa.string()) for c in columns}
    data["_op"] = pa.array([r.get("_op", "u") for r in batch], pa.string())
    pq.write_table(pa.table(data), folder / f"{name}.parquet")


def rows(job, layer: str, table: str, columns: str) -> list[list]:  # type: ignore[no-untyped-def]
    store = job.Parquet(None)
    folder = store.path(layer, table) / f"v={store.version(layer, table)}"
    sql = f"SELECT {columns} FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = false) ORDER BY ALL"
    return [list(r) for r in duckdb.sql(sql).fetchall()]


def reference(landed: list[dict], columns: list[str], queries: dict[str, str]) -> dict[str, list[list]]:
    """The test's DuckDB queries over every row landed so far (`raw`: text columns, _op, arrival)."""
    con = duckdb.connect()
    data = {c: pa.array([None if r.get(c) is None else str(r[c]) for r in landed], pa.string()) for c in columns}
    data["_op"] = pa.array([r.get("_op", "u") for r in landed], pa.string())
    data["arrival"] = pa.array(range(len(landed)), pa.int64())
    data["step"] = pa.array([r["_step"] for r in landed], pa.int64())  # the step (one micro-batch) it arrived in
    con.register("raw", pa.table(data))
    return {name: [list(r) for r in con.execute(sql).fetchall()] for name, sql in queries.items()}


def run_project(spark, project: Path, scenario: dict, work_reference: dict) -> dict:  # type: ignore[no-untyped-def]
    import os

    os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    os.environ.pop("PIPEGEN_LAKE_ROOT", None)
    os.environ.pop("PIPEGEN_LANDING_ROOT", None)
    landing = project  # where the batches land: the project (the local run), else a `file://` URL's folder
    if scenario_landing := scenario.get("landing_url"):  # a URL only Spark's file system layer opens
        os.environ["PIPEGEN_LANDING_ROOT"] = scenario_landing
        landing = Path(scenario_landing.removeprefix("file://"))
    job = load_job(project)
    table = job.CONFIG["tables"][0]
    streamed = bool(table.get("stream"))
    if streamed:  # Structured Streaming over the landing directory's files, Kafka's stand-in
        os.environ["PIPEGEN_SPARK_STREAM_SOURCE"] = "files"
    columns = [c["name"] for c in table["columns"]]
    payload = ", ".join(f'"{c}"' for c in columns)
    out: dict = {
        "steps": [],
        "layers": job.TARGET["layers"],
        "reference": [],
        "streamed": streamed,
        "lake_root": Path(job.lake_root()).relative_to(project).as_posix(),
    }  # no root given: make spark-run's
    landed: list[dict] = []
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            # a streamed table's files: its events directory under the lake root (Kafka's stand-in)
            land(Path(job.lake_root()) / "events" if streamed else landing, table["landing"], f"step{step}_batch{b}",
                 batch, columns)  # fmt: skip
            landed += [r | {"_step": step} for r in batch]
        out["step_summaries"] = [*out.get("step_summaries", []), job.run(spark, ("stream", "bronze", "silver"))]
        out["steps"].append({"silver": rows(job, "silver", table["name"], payload)})
        out["reference"].append(reference(landed, columns, work_reference))
    store = job.Parquet(spark)
    before = store.version("silver", table["name"])
    summary = job.run(spark, ("stream", "bronze", "silver", "gold"))  # nothing new: silver unchanged
    out["rerun_silver_version"] = [before, store.version("silver", table["name"])]
    out["summary"] = summary
    out["landing_root"] = job.landing_root()  # the root the job read the batches from
    os.environ.pop("PIPEGEN_LANDING_ROOT", None)
    out["bronze"] = rows(job, "bronze", table["name"], f"{payload}, _op, _batch_id")
    out["rejected"] = rows(job, "silver", f"{table['name']}__rejected", f'"{columns[0]}", _failures')
    out["gold"] = {m["name"]: rows(job, "gold", m["table"], "*") for m in job.CONFIG["marts"] if m["sql"]}
    out["gold_skipped"] = {m["name"]: m["skipped"] for m in job.CONFIG["marts"] if not m["sql"]}
    streams = job.CONFIG.get("streams", [])
    out["streams"] = {s["name"]: rows(job, "gold", s["table"], "*") for s in streams if s["sql"]}
    out["streams_skipped"] = {s["name"]: s["skipped"] for s in streams if not s["sql"]}
    if streamed:
        start = time.monotonic()
        out["reset"] = checkpoint_reset(spark, job, table, landed, columns)
        os.environ.pop("PIPEGEN_SPARK_STREAM_SOURCE")
        out["kafka"] = kafka_records(spark, job, table, scenario["kafka"])
        out["kafka_replays"] = kafka_replays(spark, job, table)
        out["silver_scan"] = silver_scan(spark, job, table)
        out["reset"]["reset_and_replays_s"] = round(time.monotonic() - start, 1)  # what these scenarios cost
        return out
    job.TARGET["retention_hours"] = 0
    out["maintain"] = job.run(spark, ("maintain",))
    out["silver_after_maintenance"] = rows(job, "silver", table["name"], payload)
    out["silver_versions_after"] = sorted(p.name for p in store.path("silver", table["name"]).glob("v=*"))
    parser = spark._jsparkSession.sessionState().sqlParser()
    statements = [job.merge_sql("lake.`silver`.`t`", columns, table["key"], table["watermark"])]
    statements += job.maintenance_sql("iceberg", "lake.`silver`.`t`", "silver.t", table["key"])
    statements += [
        job.upsert_sql("lake.`gold`.`t`", columns, table["key"]),
        job.upsert_sql("lake.`gold`.`t`", columns, []),
    ]
    for sql in statements:
        parser.parsePlan(sql)  # raises ParseException on a syntax error
    out["parsed"] = len(statements)
    out["delta_sql"] = job.maintenance_sql("delta", "delta.`/lake/t`", "silver.t", table["key"])
    out["flink_bronze"] = flink_bronze(spark, job, table, payload)
    return out


# a Flink bronze job's events in the same bronze table, as it writes them (one `kafka:<partition>:<offset, 20
# digits>` batch id per event): (partition, offset, order_id, amount, updated_at), silver run after each round
FLINK_ROUNDS = [
    [(0, 0, 101, "1.00", "2026-01-02 00:00:00"), (1, 0, 102, "2.00", "2026-01-02 00:00:00"),
     (0, 1, 103, "3.00", "2026-01-02 00:00:00")],
    [(0, 2, 101, "4.00", "2026-01-02 00:05:00"), (1, 1, 102, "5.00", "2026-01-02 00:01:00"),
     (1, 2, 104, "6.00", "2026-01-02 00:00:00")],
]  # fmt: skip


def flink_bronze(spark, job, table: dict, payload: str) -> dict:  # type: ignore[no-untyped-def]
    """The Flink bronze job's rounds appended to bronze, silver run after each: what silver's batch table holds
    for the table after each run, and silver's rows of the rounds' keys at the end."""
    import datetime as dt

    store, name = job.Parquet(spark), table["name"]
    schema = store.read("bronze", name).schema
    out: dict = {"batches": []}
    for n, events in enumerate(FLINK_ROUNDS):
        rows_ = []
        for part, offset, key, amount, at in events:
            values = {"order_id": str(key), "customer": "c9", "amount": amount, "updated_at": at,
                      "_batch_id": f"kafka:{part}:{offset:020d}", "_ingested_at": dt.datetime(2026, 1, 2, 1, n),
                      "_row": offset, "_op": "u"}  # fmt: skip
            rows_.append(tuple(values.get(f.name) for f in schema.fields))
        store.append("bronze", name, spark.createDataFrame(rows_, schema))
        job.run(spark, ("silver",))
        taken = rows(job, "silver", job.BATCHES, '"table", _batch_id')
        out["batches"].append(sorted(b for t, b in taken if t == name))
    out["silver"] = [r for r in rows(job, "silver", name, payload) if int(r[0]) > 100]
    return out


def registration(spark, project: Path) -> dict:  # type: ignore[no-untyped-def]
    """The example's job (a Delta target whose silver dbt's staging reads) over one landed batch on
    Parquet (one step: ~7 s of the warm session's CPU): what it registered in the session's catalog
    (listed by Spark's catalog, read with spark.table) and silver's latest version read by DuckDB; its
    Delta registration statements through Spark's parser (no Delta jars: parsed, not run)."""
    import os

    os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    job = load_job(project)
    table = job.CONFIG["tables"][0]
    columns = [c["name"] for c in table["columns"]]
    schema = job.CONFIG["register"]["schema"]
    row = {"customer_id": 7, "status": "placed", "amount": "10.00", "updated_at": "2026-01-01 00:00:00"}
    update = {"order_id": 1, "status": "shipped", "updated_at": "2026-01-02 00:00:00"}
    # order 1 twice (the later row wins), order 2 breaks the range rule (rejected), order 3
    batches = [[row | {"order_id": 1}, row | {"order_id": 2, "amount": "-1"}, row | update, row | {"order_id": 3}]]
    out: dict = {"steps": []}
    for step, batch in enumerate(batches):
        land(project, table["landing"], f"registration{step}", batch, columns)
        summary = job.run(spark, ("bronze", "silver"))
        listed = sorted(t.name for t in spark.catalog.listTables(schema) if not t.isTemporary)  # (gold's views)
        read = spark.table(f"`{schema}`.`{table['name']}`").select(*columns).collect()
        out["steps"].append({
            "summary": {k: v for k, v in summary.items() if k.startswith("registered.")},
            "listed": listed, "schemas": sorted(d.name for d in spark.catalog.listDatabases()),
            "registered": sorted([[None if v is None else str(v) for v in r] for r in read]),
            "silver": sorted([[None if v is None else str(v) for v in r]
                              for r in rows(job, "silver", table["name"], ", ".join(f'"{c}"' for c in columns))]),
        })  # fmt: skip
    delta = job.register_sql("delta", schema, table["name"], "s3://acme-lake/silver/shop__orders", "unused")
    parser = spark._jsparkSession.sessionState().sqlParser()
    out["delta_plans"] = [parser.parsePlan(sql).nodeName() for sql in delta]  # raises ParseException on a syntax error
    out["delta_sql"] = delta
    out["catalog_dir"] = (Path(job.lake_root()) / "_catalog" / f"{schema}.db").is_dir()
    return out


# events landed after the stream's checkpoint was deleted (a reset): new keys, valid, two files
RESET_EVENTS = [
    [{"order_id": 301, "customer": "c7", "amount": "1.50", "updated_at": "2026-01-01 00:30:00"},
     {"order_id": 302, "customer": "c7", "amount": "2.50", "updated_at": "2026-01-01 00:31:00"}],
    [{"order_id": 303, "customer": "c8", "amount": "3.50", "updated_at": "2026-01-01 00:32:00"}],
]  # fmt: skip


def checkpoint_reset(spark, job, table: dict, landed: list[dict], columns: list[str]) -> dict:  # type: ignore[no-untyped-def]
    """The streamed table's landing checkpoint deleted (an operator's reset), new events landed, the stream run
    again (its file source reads every file again from scratch); then deleted once more and run over the same
    files (a pure replay): bronze's rows and silver's keys after each, and what each run says it landed."""
    import shutil

    checkpoint = Path(f"{job.checkpoint_root()}/{job.TARGET['layers']['bronze']}/{table['name']}")
    events = Path(job.lake_root()) / "events"
    payload = ", ".join(f'"{c}"' for c in columns)
    out: dict = {"before": len(rows(job, "bronze", table["name"], "_batch_id")), "runs": []}
    for n, batches in enumerate([RESET_EVENTS, []]):
        assert checkpoint.is_dir(), checkpoint  # (the checkpoint the reset deletes is there)
        shutil.rmtree(checkpoint)
        for b, batch in enumerate(batches):
            land(events, table["landing"], f"reset{n}_batch{b}", [r | {"_op": "u"} for r in batch], columns)
        summary = job.run(spark, ("stream",))
        out["runs"].append({
            "landed": summary[f"stream.{table['name']}"],
            "bronze_ids": [r[0] for r in rows(job, "bronze", table["name"], "_batch_id")],
            "silver_keys": [int(r[0]) for r in rows(job, "silver", table["name"], payload)],
        })  # fmt: skip
    out["events"] = len(landed) + sum(map(len, RESET_EVENTS))
    return out


def kafka_replays(spark, job, table: dict) -> dict:  # type: ignore[no-untyped-def]
    """The job's landing of Kafka micro-batches (from_kafka, land_batch) over static frames with the source's
    columns (no Kafka connector jars here): (1) partitions 0 (offsets 0-2) and 1 (0-1); (2) after a checkpoint
    reset the source starts over at the earliest offsets: partition 0's 0-4, partition 1's 0-1 again; (3) the
    same micro-batch replayed. What each lands, and bronze's Kafka ids."""
    import datetime as dt

    schema = ("key BINARY, value BINARY, topic STRING, `partition` INT, `offset` BIGINT, "
              "`timestamp` TIMESTAMP, timestampType INT")  # fmt: skip

    def record(part: int, offset: int) -> tuple:
        key = 400 + part * 10 + offset
        after = {"order_id": key, "customer": f"k{part}", "amount": "1.00", "updated_at": "2026-01-03 00:00:00"}
        value = {"before": None, "after": after, "op": "c", "source": {"ts_ms": 1767398400000 + offset}}
        return (None, json.dumps(value).encode(), table["stream"]["topic"], part, offset, dt.datetime(2026, 1, 3), 0)

    rounds = [[(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)], [(0, o) for o in range(5)] + [(1, 0), (1, 1)]]
    rounds.append(rounds[1])
    store, out = job.Parquet(spark), {"landed": [], "batches": []}
    for positions in rounds:
        frame = job.from_kafka(spark.createDataFrame([record(p, o) for p, o in positions], schema), table)
        counts = {"batches": 0, "rows": 0}
        job.land_batch(spark, store, table, counts, frame)
        out["landed"].append(counts["rows"])
        taken = rows(job, "silver", job.BATCHES, '"table", _batch_id')
        out["batches"].append(sorted(b for t, b in taken if t == table["name"] and b.startswith("kafka:")))
    out["bronze"] = [r[0] for r in rows(job, "bronze", table["name"], "_batch_id") if r[0].startswith("kafka:")]
    out["silver_keys"] = [int(r[0]) for r in rows(job, "silver", table["name"], '"order_id"') if int(r[0]) >= 400]
    return out


def scan_metrics(df) -> list[dict]:  # type: ignore[no-untyped-def]
    """The file scans of a collected DataFrame's executed plan: files listed, rows the reader gave (row groups
    its pushed filters did not skip), and the filters pushed to the files."""
    plan, scans = df._jdf.queryExecution().executedPlan(), []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        if node.nodeName() == "AdaptiveSparkPlan":
            node = node.executedPlan()
        if node.nodeName().startswith("Scan"):
            metrics = node.metrics()
            names = ("numFiles", "numOutputRows")
            value = {k: metrics.get(k).get().value() for k in names if metrics.get(k).isDefined()}
            lines = node.toString().splitlines()
            pushed = [line.split("PushedFilters: ", 1)[1] for line in lines if "PushedFilters: " in line]
            scans.append(value | {"pushed": pushed[0] if pushed else ""})
        children = node.children().iterator()
        while children.hasNext():
            walk(children.next())

    walk(plan)
    return scans


def silver_scan(spark, job, table: dict) -> dict:  # type: ignore[no-untyped-def]
    """What a silver step per micro-batch reads of bronze (s46 issue 20): SCAN_BATCHES Kafka micro-batches of
    SCAN_ROWS records each (partitions 0 and 1 in turn) in bronze, the last landed through the job's land_batch
    (its silver takes them all), then one more appended to bronze alone; the bronze read silver() makes of it (the
    same expression: bronze where not taken_rows(reduced(taken))) collected: its scan's files and rows. Plus the
    table properties batch_id_stats asks of Iceberg and Delta bronze tables, their ALTER TABLE parsed by Spark's
    parser."""
    import datetime as dt

    schema = ("key BINARY, value BINARY, topic STRING, `partition` INT, `offset` BIGINT, "
              "`timestamp` TIMESTAMP, timestampType INT")  # fmt: skip

    def frame(part: int, start: int):  # type: ignore[no-untyped-def]
        records = []
        for offset in range(start, start + SCAN_ROWS):
            after = {"order_id": 900000 + part * 10000 + offset, "customer": "s", "amount": "1.00",
                     "updated_at": "2026-01-04 00:00:00"}  # fmt: skip
            value = json.dumps({"before": None, "after": after, "op": "c", "source": {"ts_ms": 1767484800000}})
            records.append((None, value.encode(), table["stream"]["topic"], part, offset, dt.datetime(2026, 1, 4), 0))
        return job.from_kafka(spark.createDataFrame(records, schema).coalesce(1), table)

    store, base = job.Parquet(spark), 1000  # past the offsets kafka_replays landed
    # bronze's history: the first micro-batches appended as bronze rows (a file each, as land_batch appends them),
    # the last through land_batch, whose silver takes them all (one per-partition mark each, as after a silver per
    # micro-batch: kafka_replays judges that; a silver run per micro-batch here cost ~7 rewrites of silver)
    for b in range(SCAN_BATCHES - 1):
        landed = job.as_bronze(frame(b % 2, base + (b // 2) * SCAN_ROWS), table, None, dt.datetime(2026, 1, 4))
        store.append("bronze", table["name"], landed)
    b = SCAN_BATCHES - 1
    job.land_batch(spark, store, table, {"batches": 0, "rows": 0}, frame(b % 2, base + (b // 2) * SCAN_ROWS))
    last = frame(0, base + SCAN_BATCHES * SCAN_ROWS)
    store.append("bronze", table["name"], job.as_bronze(last, table, None, dt.datetime(2026, 1, 4)))
    taken = [b for t, b in rows(job, "silver", job.BATCHES, '"table", _batch_id') if t == table["name"]]
    spark.conf.set("spark.sql.maxMetadataStringLength", "1000000")  # the plan's PushedFilters whole (put back after)
    bronze = store.read("bronze", table["name"])
    read = bronze.where(~job.taken_rows(job.reduced(taken))).select("_batch_id")
    new = read.collect()
    files = len(bronze.inputFiles())
    columns = [c["name"] for c in table["columns"]]
    wide = [f"c{i}" for i in range(40)] + ["_batch_id", "_ingested_at", "_row", "_op"]
    stats = {fmt: job.batch_id_stats(fmt, cols) for fmt in ("parquet", "delta", "iceberg")
             for cols in ([*columns, "_batch_id", "_ingested_at", "_row", "_op"],)}  # fmt: skip
    stats["delta_wide"] = job.batch_id_stats("delta", wide)
    parser = spark._jsparkSession.sessionState().sqlParser()
    for props in stats.values():
        if props:
            parser.parsePlan(job.properties_sql("delta.`/lake/bronze/t`", props))
    return {"new": len(new), "bronze_rows": bronze.count(), "bronze_files": files, "scan": scan_metrics(read),
            "stats": stats}  # fmt: skip


SCAN_BATCHES, SCAN_ROWS = 8, 40


def kafka_records(spark, job, table: dict, records: list[dict]) -> list[list]:  # type: ignore[no-untyped-def]
    """The job's Kafka reading (from_kafka) over records as the Kafka source gives them (no
    Kafka connector jars here: a static DataFrame with the source's columns), as landed rows."""
    import datetime as dt

    schema = ("key BINARY, value BINARY, topic STRING, `partition` INT, `offset` BIGINT, "
              "`timestamp` TIMESTAMP, timestampType INT")  # fmt: skip
    data = [(None, None if r["value"] is None else json.dumps(r["value"]).encode(), table["stream"]["topic"], 0, i,
             dt.datetime(2026, 1, 1), 0) for i, r in enumerate(records)]  # fmt: skip
    landed = job.from_kafka(spark.createDataFrame(data, schema), table)
    return [list(r) for r in landed.collect()]


def put(value: str, root: Path, job_root: str) -> str:
    """The deploy step's substitution of a deployment's value, with stand-ins (a secret: `stand-in`)."""
    for var, to in (
        ("${var.kafka_tls_root}", str(root)),
        ("${PIPEGEN_JOB_ROOT}", job_root),
    ):
        value = value.replace(var, to)
    return "stand-in" if "${" in value else value


def tls_stores(spark, deployments: list[dict], tmp: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each stream deployment's Kafka TLS stores as the generated job opens them: the store files
    written under a stand-in for the Databricks volume (`kafka_tls_root`) with their own bytes (EMR
    Serverless and Dataproc ship none: their clusters sign the job in as its identity); its driver
    environment set; then the job's kafka_options in a fresh working directory. Returns, per
    deployment, each location option with the file it opened and its security options."""
    import os

    root = tmp / "tls_root"
    root.mkdir(exist_ok=True)
    for name in ("ca.p12", "user.p12"):
        (root / name).write_bytes(f"store {name}".encode())
    home, out = Path.cwd(), []
    for d in deployments:
        assert d["where"] == "databricks" or d["shipped"] == ["${PIPEGEN_JOB_ROOT}/spark/medallion.json"], d
        cwd = tmp / f"driver_cwd_{d['where']}"
        cwd.mkdir(exist_ok=True)
        saved = {k: os.environ.get(k) for k in d["driver"]}
        os.environ.update({k: put(v, root, d["dir"]) for k, v in d["driver"].items()})
        os.chdir(cwd)
        try:
            job = load_job(Path(d["dir"]))
            options = job.kafka_options(next(t["stream"] for t in job.CONFIG["tables"] if t.get("stream")))
            opened = {k: [v, Path(v).read_text()] for k, v in options.items() if k.endswith(".location")}
            security = {k: v for k, v in options.items() if k.startswith(("kafka.security", "kafka.sasl"))}
        finally:
            os.chdir(home)
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        out.append({"where": d["where"], "opened": opened, "security": security})
    return out


ALIAS = "spark.pipegen.secret."  # + NAME: a spec secret's alias as a Dataproc batch names it


def credential_provider(spark, project: Path, batch: dict, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    """Dataproc's delivery of the job's spec secrets, without Google: the batch's credential provider path
    (a `spark.hadoop.` property: Secret Manager's gsm://projects/<project>) pointed at a JCEKS store this
    test writes through Hadoop's own API (CredentialProviderFactory, the lookup gsm:// plugs into), holding
    each alias the batch names (its `${PIPEGEN_SECRET_<NAME>_ID}` filled with a stand-in secret id); the
    batch's properties set on the session as Spark would (spark.hadoop.* into the Hadoop configuration);
    then, with each NAME unset in the environment, the job's secret(), the Kafka TLS store passwords its
    kafka_options give the stream's source, its catalog configuration and its session()'s catalog token; an
    alias no provider holds; and with no alias named, the environment's value."""
    import os

    props = batch["runtimeConfig"]["properties"]
    [key] = [k for k in props if k.endswith(".hadoop.security.credential.provider.path")]
    hadoop_key = key.removeprefix("spark.hadoop.")
    aliases = {k.removeprefix(ALIAS): v.replace("${", "").replace("}", "").lower().replace("_", "-")
               for k, v in props.items() if k.startswith(ALIAS)}  # fmt: skip
    store = f"jceks://file{tmp / 'creds.jceks'}"
    jvm = spark._jvm
    conf = jvm.org.apache.hadoop.conf.Configuration(False)
    conf.set(hadoop_key, store)
    [provider] = list(jvm.org.apache.hadoop.security.alias.CredentialProviderFactory.getProviders(conf))
    for name, alias in aliases.items():
        value = f"stored {name}"  # a Java char[] (py4j hands a java.lang.String back as a str)
        provider.createCredentialEntry(alias, jvm.java.nio.CharBuffer.allocate(len(value)).put(value).array())
    provider.flush()
    hadoop = spark._jsc.hadoopConfiguration()
    saved = {n: os.environ.pop(n, None) for n in aliases}
    out: dict = {"provider": props[key], "hadoop_key": hadoop_key, "aliases": aliases}
    try:
        hadoop.set(hadoop_key, store)
        for name, alias in aliases.items():
            spark.conf.set(ALIAS + name, alias)
        job = load_job(project)
        out["read"] = {n: job.secret(n) for n in aliases}
        # the stream's Kafka TLS store passwords, as its kafka_options give them to the Kafka source
        stream = next((t["stream"] for t in job.CONFIG["tables"] if (t.get("stream") or {}).get("tls")), None)
        options = job.kafka_options(stream) if stream else {}
        out["kafka_passwords"] = {k: v for k, v in options.items() if k.endswith(".password")}
        out["catalog_token"] = job.catalog_conf(job.TARGET.get("catalog")).get("spark.sql.catalog.lake.token")
        os.environ["PIPEGEN_SPARK_FORMAT"] = "iceberg"
        out["session_token"] = job.session().conf.get("spark.sql.catalog.lake.token", None)
        name = next(iter(aliases))
        spark.conf.set(ALIAS + name, "no-such-secret")
        try:
            out["missing"] = {"returned": job.secret(name)}
        except RuntimeError as e:
            out["missing"] = {"error": str(e)}
        spark.conf.unset(ALIAS + name)
        os.environ[name] = "from the environment"
        out["no_alias"] = job.secret(name)
    finally:
        hadoop.unset(hadoop_key)
        for name, value in saved.items():
            spark.conf.unset(ALIAS + name)
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        os.environ["PIPEGEN_SPARK_FORMAT"] = "parquet"
    return out


def supervision(spark, project: Path, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    """A failing query fails the job: (1) the job's supervised() as the Kafka stream runs its
    queries (together, every minute, awaitAnyTermination) over a query whose micro-batch raises
    beside one that would run forever (a `rate` source, no Kafka jars needed): the failure stops the
    other and reaches the caller; (2) the job's main over the files source with an events file
    that is not Parquet: main raises (the process exits non-zero) and no query is left running."""
    import os

    job = load_job(project)
    os.environ.pop("PIPEGEN_SPARK_STREAM_SOURCE", None)  # Kafka's triggers: every minute, first batch at once
    events = tmp / "bad_events"
    events.mkdir(exist_ok=True)
    pq.write_table(pa.table({"x": ["a"]}), events / "a.parquet")

    def boom(batch, epoch: int) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("a micro-batch failed")

    bad = (spark.readStream.schema("x STRING").parquet(str(events)).writeStream.foreachBatch(boom)
           .option("checkpointLocation", str(tmp / "ck_bad")).queryName("judge_failing"))  # fmt: skip
    forever = (spark.readStream.format("rate").load().writeStream.format("noop")
               .option("checkpointLocation", str(tmp / "ck_rate")).queryName("judge_forever"))  # fmt: skip
    out: dict = {}
    start = time.monotonic()
    try:
        job.supervised(spark, [forever, bad], together=True)
    except Exception as e:  # StreamingQueryException
        out["together"] = {"error": type(e).__name__, "cause": "a micro-batch failed" in str(e)}
    out["together_s"] = round(time.monotonic() - start, 1)
    out["active_after_together"] = [q.name for q in spark.streams.active]
    table = next(t for t in job.CONFIG["tables"] if t.get("stream"))
    broken = tmp / "broken_lake"
    (broken / "events" / table["landing"]).mkdir(parents=True)
    (broken / "events" / table["landing"] / "bad.parquet").write_bytes(b"not a parquet file")
    os.environ["PIPEGEN_SPARK_STREAM_SOURCE"] = "files"
    try:
        out["main"] = {"returned": job.main(["stream", "--lake-root", str(broken)])}
    except Exception as e:
        out["main"] = {"error": type(e).__name__, "cause": "bad.parquet" in str(e), "message": str(e)[:300]}
    finally:
        os.environ.pop("PIPEGEN_SPARK_STREAM_SOURCE")
        os.environ.pop("PIPEGEN_LAKE_ROOT", None)
    out["active_after_main"] = [q.name for q in spark.streams.active]
    return out


def load_bundle(doc: dict) -> dict:
    """Every job of a bundle (databricks.yml, parsed by the test) through Job.from_dict."""
    from databricks.bundles.jobs import Job

    loaded = {}
    for key, job in doc["resources"]["jobs"].items():
        model = Job.from_dict(job)
        loaded[key] = {
            "tasks": [t.task_key for t in model.tasks],
            "python_files": [t.spark_python_task.python_file for t in model.tasks if t.spark_python_task],
        }
        dbt = [t.dbt_task for t in model.tasks if t.dbt_task]
        if dbt:
            loaded[key]["dbt"] = [{k: v for k, v in d.as_dict().items() if k != "source"} for d in dbt]
            loaded[key]["environments"] = [e.as_dict() for e in model.environments]
        if model.continuous:
            pause = model.continuous.pause_status
            loaded[key]["continuous"] = str(getattr(pause, "value", pause))
    return {"bundle": doc["bundle"]["name"], "jobs": loaded}


def check_submissions(emr: list[dict], dataproc: list[dict]) -> dict:
    """EMR Serverless StartJobRun inputs against botocore's service model (the CLI fills the
    idempotency token clientToken itself), Dataproc Serverless batches as dataproc_v1.Batch
    (JSON parsing refuses unknown fields). Returns what was checked; raises on a refusal."""
    import botocore.session
    from botocore.validate import ParamValidator
    from google.cloud import dataproc_v1

    shape = botocore.session.get_session().get_service_model("emr-serverless").operation_model("StartJobRun")
    for body in emr:
        report = ParamValidator().validate({**body, "clientToken": "judge"}, shape.input_shape)
        if report.has_errors():
            raise SystemExit(f"EMR Serverless StartJobRun refused {body['name']}: {report.generate_report()}")
    batches = [dataproc_v1.Batch.from_json(json.dumps(b)) for b in dataproc]
    submitted = [b["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"] for b in emr]
    return {"emr": [b["jobDriver"]["sparkSubmit"]["entryPointArguments"] for b in emr],
            "emr_modes": [b.get("mode", "BATCH") for b in emr],
            "emr_packages": [p.split("--packages ")[1].split(" ")[0] for p in submitted if "--packages " in p],
            "dataproc": [list(b.pyspark_batch.args) for b in batches],
            "dataproc_ttl_s": [b.environment_config.execution_config.ttl.total_seconds() for b in batches],
            "dataproc_packages": [{k: v for k, v in b.runtime_config.properties.items() if k.startswith("spark.jars.")}
                                  for b in batches if "spark.jars.packages" in b.runtime_config.properties],
            }  # fmt: skip


def session():  # type: ignore[no-untyped-def]
    """A local[2] session of this process's own (tests/judges/spark_server.py's configuration)."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName("pipegen-spark-judge")
            .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2").getOrCreate())  # fmt: skip


def main(argv: list[str] | None = None, shared=None) -> None:  # type: ignore[no-untyped-def]
    """`shared`: the Spark judge server's session (tests/judges/spark_server.py), else one of its own."""
    work_file = Path((sys.argv[1:] if argv is None else argv)[0])
    work = json.loads(work_file.read_text())
    start = time.monotonic()
    spark = shared or session()
    started = time.monotonic() - start
    out = {"session_start_s": round(started, 1), "projects": [], "bundles": []}
    for item in work["projects"]:
        out["projects"].append(
            run_project(spark, Path(item["dir"]), json.loads(Path(item["scenario"]).read_text()), work["reference"])
        )
    out["registration"] = registration(spark, Path(work["registration"]))
    tmp = work_file.parent
    start = time.monotonic()
    out["tls"] = tls_stores(spark, work["stream_deployments"], tmp)
    out["supervision"] = supervision(spark, Path(work["projects"][1]["dir"]), tmp)
    out["supervision"]["tls_and_supervision_s"] = round(time.monotonic() - start, 1)
    out["bundles"] = [load_bundle(doc) for doc in work["bundles"]]
    out["submissions"] = check_submissions(work["emr"], work["dataproc"])
    secrets = work["secrets"]  # last: the session's catalog `lake` configured after it
    out["secrets"] = credential_provider(spark, Path(secrets["dir"]), secrets["batch"], tmp)
    if shared is None:
        spark.stop()
    print("@@JSON@@" + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
