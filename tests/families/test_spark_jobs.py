"""The spark family's judge: the generated PySpark job (spark/medallion.py) runs in the `spark`
judge environment on ONE local[2] session (tests/families/spark_driver.py) over the lakehouse
judge's raw batches as change events with record metadata (tests/families/test_lake_tables.py
`scenario`, plus `op` and `ts_ms`: duplicates, late updates,
late older rows, deletes, rows breaking a rule or not casting), on Parquet tables: Delta and
Iceberg on Spark need jars these machines cannot download, so those formats' statements
(MERGE INTO, the Iceberg procedures) are only parsed by Spark's own SQL parser. The expected
silver and gold come from DuckDB SQL written here over the raw batches, never from the job.
Two projects share the session: the aws one (Flink is the stream engine) lands the batches with
the batch job; the azure one on Databricks (Spark is the stream engine) streams the same table into
bronze and silver with Structured Streaming. Every job of the generated Databricks Asset Bundles
(the Spark jobs, the stream job, a dbt job) loads through databricks-bundles' models; the
EMR Serverless and Dataproc Serverless requests (aws, gcp) through botocore's and
google-cloud-dataproc's API models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import SPECS, generate
from tests.families.test_lake_tables import scenario
from tests.generators.test_spark_family import deployments
from tests.judges import offline_env
from tests.judges.spark_service import SparkService

DRIVER = Path(__file__).with_name("spark_driver.py")
PER_EVENT_STREAM = """\
    - name: big_orders
      from: orders
      filter: "amount > 50"
      columns: [order_id, customer, amount]
"""

SPEC = """\
version: 1
pipeline: {name: spark_judge}
latency: 1h
cloud: azure
engines: {batch: spark, compute: databricks}
sources:
  - name: shop
    type: postgres
    ingestion: cdc
    connection: {host: db, port: 5432, database: shop, user: cdc, password: "${secret:SHOP_PASSWORD}"}
    tables:
      - name: orders
        primary_key: order_id
        watermark: updated_at
        event_time: updated_at
        watermark_delay: 5m
        columns:
          - {name: order_id, type: bigint, not_null: true}
          - {name: customer, type: string}
          - {name: amount, type: "decimal(10,2)", range: {min: 0, severity: error}}
          - {name: updated_at, type: timestamp, not_null: true}
          - {name: op, type: string, metadata: op}
          - {name: ts_ms, type: bigint, metadata: source.ts_ms}
targets:
  - name: lake
    type: delta
    connection: {bucket: lake}
    layers:
      bronze: {bucket: raw}
      silver: {bucket: curated}
      gold: {bucket: serving}
transforms:
  marts:
    - name: customer_totals
      from: orders
      filter: "amount > 1"
      group_by: [customer]
      measures:
        - {name: orders, agg: count, column: order_id}
        - {name: revenue, agg: sum, column: amount}
        - {name: last_change, agg: max, column: ts_ms}
    - name: top_orders
      from: orders
      columns: [order_id, amount]
      order_by: amount desc
      limit: 3
  streams:
    - name: big_orders
      from: orders
      filter: "amount > 50"
      columns: [order_id, customer, amount]
    - name: orders_per_ten_minutes
      from: orders
      window: {type: tumble, size: 10m}
      group_by: [customer]
      measures:
        - {name: orders, agg: count, column: order_id}
        - {name: revenue, agg: sum, column: amount}
    - name: top_customer
      from: orders
      window: {type: tumble, size: 10m}
      group_by: [customer]
      measures: [{name: orders, agg: count}]
      top_n: {n: 1, order_by: orders}
"""
# Databricks compute with dbt as the batch engine (an ELT plan on a Databricks target): a dbt job
DBT_SPEC = """\
version: 1
pipeline: {name: dbt_on_databricks}
latency: 1d
cloud: azure
sources:
  - name: shop
    type: faker
    ingestion: batch
    tables:
      - name: orders
        primary_key: order_id
        synthetic: {rows: 10}
        columns:
          - {name: order_id, type: bigint, not_null: true}
          - {name: amount, type: "decimal(10,2)"}
targets:
  - name: dbx
    type: databricks
    connection: {host: "${env:DATABRICKS_HOST}", token: "${secret:DATABRICKS_TOKEN}", catalog: main, schema: sales,
                 warehouse: 1234567890abcdef}
transforms:
  marts:
    - {name: revenue, from: orders, measures: [{name: revenue, agg: sum, column: amount}]}
"""
# the lake as an Iceberg table in a REST catalog whose token is a spec secret the job reads
LAKE_REST = ("    type: delta\n    connection: {bucket: lake}\n",
             "    type: iceberg\n    lake: {catalog: rest}\n    connection: {bucket: lake, url: 'https://catalog.example.com',"
             " token: '${secret:LAKE_CATALOG_TOKEN}'}\n")  # fmt: skip
# DuckDB reference over every landed row (`raw`: the batch columns as text, `_op`, `arrival`):
# per key the latest valid row by (updated_at, arrival), deletes applied, bad rows rejected; a delete by the key alone
# (no updated_at) ranks at its key's latest updated_at so far: it removes the rows before it, not one made again after
SILVER = """
WITH typed AS (SELECT *, TRY_CAST(amount AS DECIMAL(10,2)) AS amt FROM raw),
valid AS (SELECT * FROM typed WHERE _op = 'd' OR (amt IS NOT NULL AND amt >= 0)),
ranked AS (SELECT *, coalesce(CAST(updated_at AS TIMESTAMP), max(CAST(updated_at AS TIMESTAMP)) OVER (
           PARTITION BY order_id ORDER BY arrival ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS _ranked
           FROM valid),
latest AS (SELECT * FROM ranked QUALIFY row_number() OVER (PARTITION BY order_id
           ORDER BY _ranked DESC NULLS LAST, arrival DESC) = 1)
SELECT CAST(order_id AS BIGINT) AS order_id, customer, amt AS amount, CAST(updated_at AS TIMESTAMP) AS updated_at,
       op, CAST(ts_ms AS BIGINT) AS ts_ms
FROM latest WHERE _op <> 'd'"""
# the stream jobs' input: every landed event that types and passes the rules, deletes left out
EVENTS = """
SELECT CAST(order_id AS BIGINT) AS order_id, customer, amt AS amount, CAST(updated_at AS TIMESTAMP) AS updated_at, step
FROM (SELECT *, TRY_CAST(amount AS DECIMAL(10,2)) AS amt FROM raw) WHERE _op <> 'd' AND amt IS NOT NULL AND amt >= 0"""
# Spark's watermark, as its docs define it: in each micro-batch (a step here), the latest event
# time of the batches before it less the watermark_delay (5m); an event whose window ended at or
# before it is dropped by the window aggregation (the per-event jobs keep it)
KEPT = f"""
WITH ev AS ({EVENTS}),
marks AS (SELECT s.step, (SELECT max(e.updated_at) FROM ev AS e WHERE e.step < s.step) - INTERVAL 5 minute AS wm
          FROM (SELECT DISTINCT step FROM ev) AS s)
SELECT ev.* FROM ev JOIN marks USING (step)
WHERE marks.wm IS NULL OR time_bucket(INTERVAL 10 minute, updated_at) + INTERVAL 10 minute > marks.wm"""
WINDOWS = "SELECT time_bucket(INTERVAL 10 minute, updated_at) AS w, w + INTERVAL 10 minute, customer, count(order_id), "
REFERENCE = {
    "big_orders": f"SELECT order_id, customer, amount FROM ({EVENTS}) WHERE amount > 50 ORDER BY ALL",
    "orders_per_ten_minutes": f"{WINDOWS} sum(amount) FROM ({KEPT}) GROUP BY ALL ORDER BY ALL",
    "orders_per_ten_minutes_unbounded": f"{WINDOWS} sum(amount) FROM ({EVENTS}) GROUP BY ALL ORDER BY ALL",
    "silver": f"SELECT * FROM ({SILVER}) ORDER BY ALL",
    "customer_totals": f"SELECT customer, count(order_id), sum(amount), max(ts_ms) FROM ({SILVER}) WHERE amount > 1 "
    "GROUP BY customer ORDER BY ALL",
}


def change_events() -> list[list[list[dict[str, object]]]]:
    """The lakehouse scenario as change events: each row with its record metadata (`op`: c on
    the first step, u or d after; `ts_ms`: the commit time, later for every row that arrives)."""
    steps = scenario()
    # a fourth step, after the watermark reached 00:16 (the latest event 00:21 less 5m): an event of
    # minute 18, late but in a window still open (it counts), and one of minute 3, whose window ended
    # at 00:10 (the window aggregation drops it; silver and the per-event jobs keep it)
    late = {"customer": "c1", "amount": "60.00", "_op": "u"}
    steps.append([[late | {"order_id": 23, "updated_at": "2026-01-01 00:18:00"},
                   late | {"order_id": 24, "updated_at": "2026-01-01 00:03:00", "customer": "c2"}]])  # fmt: skip
    # in step 2: key 5 deleted by the key alone (no updated_at) and made again after it in the same batch (it
    # stays), key 16 deleted by the key alone (it goes)
    alone = {"customer": None, "amount": None, "updated_at": None, "_op": "d"}
    again = {"order_id": 5, "customer": "c3", "amount": "12.34", "updated_at": "2026-01-01 00:20:00", "_op": "u"}
    steps[2][0] += [alone | {"order_id": 5}, again, alone | {"order_id": 16}]
    arrival = 0
    for i, batches in enumerate(steps):
        for batch in batches:
            for r in batch:
                arrival += 1
                r["op"] = "d" if r["_op"] == "d" else "c" if i == 0 else "u"
                r["ts_ms"] = 1_767_225_600_000 + arrival * 1000
    return steps


# Debezium envelopes as the job's Kafka source reads them (the table's topic): an insert, a delete
# (only `before`), a tombstone (no value); the landed rows expected of them, written here
KAFKA = [
    {"value": {"before": None, "after": {"order_id": 1, "customer": "c1", "amount": "5.00", "updated_at":
     "2026-01-01 00:01:00"}, "op": "c", "source": {"ts_ms": 1767225601000, "table": "orders"}, "ts_ms": 1767225602000}},
    {"value": {"before": {"order_id": 2, "customer": "c2", "amount": "7.50", "updated_at": "2026-01-01 00:02:00"},
     "after": None, "op": "d", "source": {"ts_ms": 1767225603000}, "ts_ms": 1767225604000}},
    {"value": None},
]  # fmt: skip
KAFKA_LANDED = [  # each with its position, `kafka:<partition>:<offset, 20 digits>` (the tombstone lands nothing)
    ["1", "c1", "5.00", "2026-01-01 00:01:00", "c", "1767225601000", "u", f"kafka:0:{0:020d}"],
    ["2", "c2", "7.50", "2026-01-01 00:02:00", "d", "1767225603000", "d", f"kafka:0:{1:020d}"],
]


@pytest.fixture(scope="module")
def judged(spark_service: SparkService, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One driver, one Spark session (the test session's shared one, tests/judges/spark_service.py, else
    a process of its own): the job over the scenario, the bundle loaded."""
    tmp = tmp_path_factory.mktemp("spark")
    (tmp / "pipegen.yaml").write_text(SPEC)
    project = tmp / "project"
    # the projects are generated in this process (`generate`: the CLI's Typer app, ~2.5 s of CPU less
    # than a `pipegen` process each); the output is the command's, warnings included
    code, output = generate(tmp / "pipegen.yaml", project)
    assert code == 0, output
    assert "R403" in output  # top_orders orders and limits: dbt only, said so
    assert "R406" in output  # top_customer's top-N: not run by the Spark stream, said so
    assert not (project / "flink").exists()  # one stream engine: Spark, no Flink jobs beside it
    (tmp / "scenario.json").write_text(json.dumps({"steps": change_events(), "kafka": KAFKA}))
    example = tmp / "example"  # the Spark example spec's bundle is judged in the same process
    code, output = generate(SPECS / "spark_lakehouse.yaml", example)
    assert code == 0, output
    (tmp / "dbt.yaml").write_text(DBT_SPEC)
    code, output = generate(tmp / "dbt.yaml", tmp / "dbt")
    assert code == 0, output
    assert not (tmp / "dbt" / "spark").exists()  # no Spark: the bundle runs dbt only
    assert (tmp / "dbt" / "dbt" / "requirements-dbx.txt").is_file()  # the dbt job's dependencies
    bundles = [YAML(typ="safe").load((p / "databricks.yml").read_text()) for p in (project, example, tmp / "dbt")]
    submit = {}  # the same spec on aws and gcp without Databricks: serverless submit requests
    for cloud in ("aws", "gcp"):
        # Flink streams there: its per-event job over the CDC changelog would append updates to the lake's
        # files, which Flink refuses (R498), so that variant leaves it out
        flink = SPEC.replace("cloud: azure", f"cloud: {cloud}").replace(", compute: databricks", "")
        (tmp / f"{cloud}.yaml").write_text(flink.replace(PER_EVENT_STREAM, ""))
        code, output = generate(tmp / f"{cloud}.yaml", tmp / cloud)
        assert code == 0, output
        assert not (tmp / cloud / "databricks.yml").exists()
        folder = tmp / cloud / "spark" / ("emr-serverless" if cloud == "aws" else "dataproc")
        submit[cloud] = [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))]
        # the same with Spark as the stream engine: a stream step too (generated, not run); on gcp its lake an
        # Iceberg REST catalog whose token is a spec secret (the batches' credential provider: `secrets`)
        streaming = SPEC.replace("cloud: azure", f"cloud: {cloud}").replace("compute: databricks", "stream: spark")
        (tmp / f"{cloud}_stream.yaml").write_text(streaming.replace(*LAKE_REST) if cloud == "gcp" else streaming)
        code, output = generate(tmp / f"{cloud}_stream.yaml", tmp / f"{cloud}_stream")
        assert code == 0, output
        folder = tmp / f"{cloud}_stream" / "spark" / ("emr-serverless" if cloud == "aws" else "dataproc")
        submit[cloud] += [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))]
    # aws (stream engine Flink): the batch job lands the files; azure on Databricks (stream engine
    # Spark): the same table streams into bronze and silver (Structured Streaming over the files)
    scenario_file = str(tmp / "scenario.json")
    # the aws project's batches land outside the project, its landing root a `file://` URL (a bucket URL's
    # stand-in: only Spark's file system layer opens it, a pathlib.Path of it is no folder)
    landing_url = (tmp / "landing-store").as_uri()
    (tmp / "scenario_url.json").write_text(json.dumps({"steps": change_events(), "landing_url": landing_url}))
    projects = [{"dir": str(tmp / "aws"), "scenario": str(tmp / "scenario_url.json")},
                {"dir": str(project), "scenario": scenario_file}]  # fmt: skip
    deployed = []  # each stream deployment's driver environment and shipped files (the Kafka TLS stores)
    for where, folder in (("aws", tmp / "aws_stream"), ("gcp", tmp / "gcp_stream"), ("azure", project)):
        files = {p.relative_to(folder).as_posix(): p.read_text() for p in (folder / "spark").rglob("*.json")}
        files |= {"databricks.yml": (folder / "databricks.yml").read_text()} if where == "azure" else {}
        deployed += [{"where": w, "driver": env, "shipped": shipped, "dir": str(folder)}
                     for w, env, shipped in deployments(files)]  # fmt: skip
    secrets = {
        "dir": str(tmp / "gcp_stream"),
        "batch": json.loads((tmp / "gcp_stream" / "spark" / "dataproc" / "stream-prod.json").read_text()),
    }
    work = {"projects": projects, "bundles": bundles, "registration": str(example),  # silver registered for dbt
            "stream_deployments": deployed, "secrets": secrets,
            "reference": REFERENCE, "emr": submit["aws"], "dataproc": submit["gcp"]}  # fmt: skip
    (tmp / "work.json").write_text(json.dumps(work))
    run = spark_service.run(DRIVER, [str(tmp / "work.json")], tmp, offline_env(tmp / "home"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return json.loads(run.stdout.split("@@JSON@@", 1)[1]) | {
        "example_dir": str(example),
        "landing_url": landing_url,
        "aws_dir": str(tmp / "aws"),
    }


def text(rows: list[list[object]]) -> list[list[str]]:
    return sorted([[str(v) for v in r] for r in rows])


@pytest.mark.judge
def test_silver_after_every_step_equals_the_duckdb_reference(judged: dict) -> None:
    got = judged["projects"][0]
    steps = change_events()
    for i, step in enumerate(got["steps"]):
        assert text(step["silver"]) == text(got["reference"][i]["silver"]), f"silver after step {i}"
    final = got["reference"][-1]["silver"]
    assert len(final) >= 15 and len({r[0] for r in final}) == len(final)  # one row per key: judged something
    kept = {int(r[0]): r for r in final}  # the deletes by the key alone: 5 made again after its delete, 16 gone
    assert 16 not in kept and kept[5][1] == "c3"
    landed = [r for batches in steps for batch in batches for r in batch]
    assert len(got["bronze"]) == len(landed)  # every landed row once, deletes and rejected rows included
    assert sorted(r[-2] for r in got["bronze"]) == sorted(str(r["_op"]) for r in landed)
    rejected = {int(r[0]): r[1] for r in got["rejected"]}
    assert set(rejected) == {12, 13} and "range" in rejected[12] and "not a DECIMAL" in rejected[13]
    before, after = got["rerun_silver_version"]
    assert before == after  # a re-run with nothing new writes no silver version
    assert got["layers"] == {"bronze": "raw/bronze", "silver": "curated/silver", "gold": "serving/gold"}
    # the batches were read from the `file://` landing root alone (none landed in the project)
    assert got["landing_root"] == judged["landing_url"] and judged["landing_url"].startswith("file:///")
    assert not (Path(judged["aws_dir"]) / "data" / "landing").exists()
    # with no root given (make spark-run, spark-maintain) the job's lake is the local run's Spark lake
    assert [p["lake_root"] for p in judged["projects"]] == ["data/spark", "data/spark"]


@pytest.mark.judge
def test_silver_over_a_flink_bronze_keeps_each_partitions_highest_offset_taken(judged: dict) -> None:
    """A Flink bronze job's events (one `kafka:<partition>:<offset>` batch id each: spark_driver.FLINK_ROUNDS) in
    the same bronze: silver's batch table keeps per partition only the highest offset taken (bounded, as the lake
    step's state), the landed files' ids as they were, and each event is merged once, the latest per key."""
    got = judged["projects"][0]["flink_bronze"]
    files = [b for b in got["batches"][0] if b.startswith("file:")]
    assert files and all(b.startswith(("file:", "kafka:")) for b in got["batches"][0])
    kafka = [[b for b in batches if b.startswith("kafka:")] for batches in got["batches"]]
    assert kafka == [[f"kafka:0:{1:020d}", f"kafka:1:{0:020d}"], [f"kafka:0:{2:020d}", f"kafka:1:{2:020d}"]]
    assert [b for b in got["batches"][1] if b.startswith("file:")] == files
    want = [["101", "c9", "4.00", "2026-01-02 00:05:00"], ["102", "c9", "5.00", "2026-01-02 00:01:00"],
            ["103", "c9", "3.00", "2026-01-02 00:00:00"], ["104", "c9", "6.00", "2026-01-02 00:00:00"]]  # fmt: skip
    assert [r[:4] for r in text(got["silver"])] == want


@pytest.mark.judge
def test_gold_marts_equal_the_duckdb_reference_and_the_rest_are_left_to_dbt(judged: dict) -> None:
    got = judged["projects"][0]
    expected = got["reference"][-1]["customer_totals"]
    assert expected and text(got["gold"]["customer_totals"]) == text(expected)
    # record metadata reaches gold (the commit time of each customer's latest change), never NULL
    assert all(r[-1] is not None for r in got["gold"]["customer_totals"])
    assert got["gold_skipped"] == {"top_orders": "it orders or limits its rows"}


@pytest.mark.judge
def test_the_stream_lands_change_events_in_bronze_and_merges_them_into_silver(judged: dict) -> None:
    batch, got = judged["projects"]
    assert not batch["streamed"] and got["streamed"]  # Spark streams only where it is the stream engine
    for i, step in enumerate(got["steps"]):
        assert text(step["silver"]) == text(got["reference"][i]["silver"]), f"streamed silver after step {i}"
    assert [s[f"stream.{'shop__orders'}"]["batches"] for s in got["step_summaries"]] == [1, 1, 1, 1]
    assert got["summary"]["stream.shop__orders"] == {"batches": 0, "rows": 0}  # caught up: nothing new
    before, after = got["rerun_silver_version"]
    assert before == after
    # landed by the stream, each row with its events file's name (not as landing files too)
    files = {f"file:step{i}_batch{b}.parquet" for i, step in enumerate(change_events()) for b in range(len(step))}
    assert {r[-1] for r in got["bronze"]} == files
    assert len(got["bronze"]) == len(batch["bronze"])
    assert text(got["gold"]["customer_totals"]) == text(got["reference"][-1]["customer_totals"])
    assert text(got["kafka"]) == text(KAFKA_LANDED)


@pytest.mark.judge
def test_a_reset_stream_checkpoint_lands_new_events_and_replays_nothing(judged: dict) -> None:
    """The landing checkpoint deleted, 3 new events in 2 files, the stream run again: its file source reads every
    file from scratch, bronze takes the new files only (by file name, whatever the epoch: the epoch-numbered
    micro-batch of before was taken for a replay and dropped, the 3 events lost); deleted again over the same
    files: nothing lands twice."""
    got = judged["projects"][1]["reset"]
    new, again = got["runs"]
    assert (new["landed"]["batches"], new["landed"]["rows"]) == (1, 3)
    assert len(new["bronze_ids"]) == got["before"] + 3 == got["events"]  # N + M, each once
    assert {301, 302, 303} <= set(new["silver_keys"])
    assert again["landed"] == {"batches": 0, "rows": 0}
    assert again["bronze_ids"] == new["bronze_ids"] and again["silver_keys"] == new["silver_keys"]


@pytest.mark.judge
def test_kafka_micro_batches_land_by_position_after_a_reset_and_a_replay(judged: dict) -> None:
    """Kafka micro-batches (static frames with the source's columns) through the job's landing: after a checkpoint
    reset the source re-reads from the earliest offsets; only the rows past each partition's landed offset land,
    and a replay of the same micro-batch lands nothing. Silver keeps one mark per partition."""
    got = judged["projects"][1]["kafka_replays"]
    assert got["landed"] == [5, 2, 0]
    ids = [f"kafka:0:{o:020d}" for o in range(5)] + [f"kafka:1:{o:020d}" for o in range(2)]
    assert sorted(got["bronze"]) == ids  # every record once
    marks = [[f"kafka:0:{2:020d}", f"kafka:1:{1:020d}"]] + [[f"kafka:0:{4:020d}", f"kafka:1:{1:020d}"]] * 2
    assert got["batches"] == marks  # silver's taken ids: one mark per partition, raised by the new rows only
    assert got["silver_keys"] == [400, 401, 402, 403, 404, 410, 411]


@pytest.mark.judge
def test_silver_per_micro_batch_reads_only_the_bronze_rows_it_has_not_taken(judged: dict) -> None:
    """s46 issue 20: the silver step after each landed micro-batch reads bronze where its `_batch_id` is past
    silver's marks; Spark pushes that filter to the files (per partition `_batch_id < 'kafka:<p>:' OR > mark`), so
    of a bronze of many micro-batches the scan gives only the new micro-batch's rows (the row groups of taken
    ones skipped by their statistics). Plain Parquet has no table index: every file is listed and its footer
    read; Delta and Iceberg skip whole files from their metadata once `_batch_id` has whole statistics there
    (batch_id_stats: Iceberg's `truncate(16)` default and Delta's first 32 columns would keep every file)."""
    got = judged["projects"][1]["silver_scan"]
    assert got["new"] == 40, got  # the one micro-batch silver has not taken
    [scan] = got["scan"]
    mark = f"kafka:0:{1000 + 3 * 40 + 39:020d}"  # partition 0's mark: its 4th micro-batch's last offset
    assert f"GreaterThan(_batch_id,{mark})" in scan["pushed"], scan  # the marks pushed down to the files
    # the new micro-batch's rows, and at most kafka_replays' 7 (its files mix both partitions: their range spans
    # the marks), of a bronze of 10 times as many rows: every taken micro-batch's row groups skipped
    assert got["new"] <= scan["numOutputRows"] <= got["new"] + 7 and got["bronze_rows"] >= 10 * got["new"], got
    assert scan["numFiles"] == got["bronze_files"] >= 9, got
    indexed = ",".join(f"`c{i}`" for i in range(31)) + ",`_batch_id`"
    assert got["stats"] == {
        "parquet": {}, "delta": {}, "iceberg": {"write.metadata.metrics.column._batch_id": "full"},
        "delta_wide": {"delta.dataSkippingStatsColumns": indexed},
    }  # fmt: skip


@pytest.mark.judge
def test_the_spark_stream_runs_the_stream_jobs_into_gold_equal_to_the_duckdb_reference(judged: dict) -> None:
    got = judged["projects"][1]
    final = got["reference"][-1]
    assert len(final["big_orders"]) >= 5 and len(final["orders_per_ten_minutes"]) >= 5  # judged something
    assert text(got["streams"]["big_orders"]) == text(final["big_orders"])  # every event once, appended
    assert {23, 24} <= {int(r[0]) for r in got["streams"]["big_orders"]}  # a per-event job drops no late event
    # windows computed incrementally behind the watermark, merged into gold by window and customer:
    # the late rows of minutes 0, 5 and 18 counted in their open windows, minute 3's (order 24) dropped
    assert text(got["streams"]["orders_per_ten_minutes"]) == text(final["orders_per_ten_minutes"])
    dropped = [r for r in final["orders_per_ten_minutes_unbounded"] if r not in final["orders_per_ten_minutes"]]
    assert len(dropped) == 1 and [str(v) for v in dropped[0][:3]] == [
        "2026-01-01 00:00:00",
        "2026-01-01 00:10:00",
        "c2",
    ]
    assert got["streams_skipped"] == {"top_customer": "it keeps the top N per window"}  # and R406 said so


@pytest.mark.judge
def test_maintenance_keeps_the_rows_and_drops_old_versions(judged: dict) -> None:
    got = judged["projects"][0]
    assert text(got["silver_after_maintenance"]) == text(got["reference"][-1]["silver"])
    assert len(got["silver_versions_after"]) == 1, got["silver_versions_after"]
    # Delta and Iceberg statements: MERGE and the Iceberg procedures parse in Spark's own parser;
    # OPTIMIZE / VACUUM are Delta's SQL extensions (no jars here): checked as text
    assert got["parsed"] == 5  # and the stream aggregations' upsert, by a key and by none
    assert got["delta_sql"] == [
        "OPTIMIZE delta.`/lake/t` ZORDER BY (`order_id`)",
        "VACUUM delta.`/lake/t` RETAIN 0 HOURS",
    ]


@pytest.mark.judge
def test_silver_is_registered_where_dbts_production_sources_read_it(judged: dict) -> None:
    """spark_lakehouse (Delta): dbt's production target (`lake`, dbt-spark: a schema, no catalog of its
    own) reads `<schema>.<table>` of its _sources.yml in the session catalog; the job registers exactly those
    names there after silver (Spark's catalog lists them), each reading silver's latest version (Parquet
    here; the Delta statements through Spark's parser)."""
    example = Path(judged["example_dir"])
    sources = YAML(typ="safe").load((example / "dbt" / "models" / "staging" / "_sources.yml").read_text())
    read = {(s["schema"], t["name"]) for s in sources["sources"] for t in s["tables"]}
    profile = YAML(typ="safe").load((example / "dbt" / "profiles.yml").read_text())["spark_lakehouse"]["outputs"]
    dag = (example / "dags" / "spark_lakehouse.py").read_text()
    assert 'DBT_TARGET = "lake"' in dag and profile["lake"]["type"] == "spark"  # production dbt: dbt-spark
    assert not {"database", "catalog"} & set(profile["lake"])  # two-part names: the session's catalog
    got = judged["registration"]
    for step in got["steps"]:
        schema = next(s for s in step["schemas"] if s != "default")
        assert {(schema, t) for t in step["listed"]} == read
        assert step["registered"] == step["silver"]  # the registered table is silver's latest version
        assert list(step["summary"]) == ["registered.shop__orders"]
    # order 1's later row wins; order 2 broke the range rule: rejected, not in silver
    assert [r[:3] for r in got["steps"][0]["registered"]] == [["1", "7", "shipped"], ["3", "7", "placed"]]
    assert got["catalog_dir"]  # the local catalog under the lake root, not the working directory
    assert got["delta_plans"] == ["CreateNamespace", "CreateTable"]
    assert got["delta_sql"] == [
        "CREATE SCHEMA IF NOT EXISTS `spark_lakehouse_silver`",
        "CREATE TABLE IF NOT EXISTS `spark_lakehouse_silver`.`shop__orders` USING DELTA LOCATION "
        "'s3://acme-lake/silver/shop__orders'",
    ]


@pytest.mark.judge
def test_every_bundle_job_loads_through_databricks_bundles(judged: dict) -> None:
    bundle, example, _ = judged["bundles"]
    assert bundle["bundle"] == "spark_judge" and example["bundle"] == "spark_lakehouse"
    assert bundle["jobs"]["spark_judge_stream"] == {"tasks": ["stream"], "python_files": ["./spark/medallion.py"],
                                                    "continuous": "UNPAUSED"}  # fmt: skip
    assert example["jobs"]["spark_lakehouse_medallion"]["tasks"] == ["bronze_silver", "gold"]
    jobs = bundle["jobs"]
    assert jobs["spark_judge_medallion"]["tasks"] == ["bronze_silver", "gold"]
    assert jobs["spark_judge_lake_maintenance"]["tasks"] == ["maintain"]
    assert {f for j in jobs.values() for f in j["python_files"]} == {"./spark/medallion.py"}


@pytest.mark.judge
def test_a_dbt_batch_engine_on_databricks_gets_a_dbt_job_that_loads_through_databricks_bundles(judged: dict) -> None:
    bundle = judged["bundles"][2]
    assert bundle["bundle"] == "dbt_on_databricks" and list(bundle["jobs"]) == ["dbt_on_databricks_dbt"]
    job = bundle["jobs"]["dbt_on_databricks_dbt"]
    assert job["tasks"] == ["dbt_build"] and job["python_files"] == []
    # the warehouse, catalog and schema of the spec's Databricks target; Databricks writes the profile
    assert job["dbt"] == [{"project_directory": "./dbt", "commands": ["dbt deps", "dbt build"],
                           "warehouse_id": "${var.warehouse_id}", "catalog": "main", "schema": "sales"}]  # fmt: skip
    assert job["environments"][0]["spec"]["dependencies"] == ["-r ${workspace.file_path}/dbt/requirements-dbx.txt"]


@pytest.mark.judge
def test_emr_and_dataproc_serverless_requests_load_through_their_api_models(judged: dict) -> None:
    got = judged["submissions"]
    roots = ["--lake-root", "${PIPEGEN_LAKE_ROOT}", "--landing-root", "${PIPEGEN_LANDING_ROOT}"]
    batch = [["bronze", "silver", *roots], ["gold", *roots], ["maintain", *roots]]
    # then the stream-engine-Spark project's, one stream per environment last (stream-dev, -prod, -staging), its
    # checkpoints in the environment's checkpoints bucket (Terraform's `<pipeline>-<env>-checkpoints`)
    for key, scheme in (("emr", "s3"), ("dataproc", "gs")):  # sorted file names: bronze_silver, gold, maintain
        stream = [["stream", *roots, "--checkpoint-root", f"{scheme}://spark-judge-{env}-checkpoints/spark-stream"]
                  for env in ("dev", "prod", "staging")]  # fmt: skip
        assert got[key] == [*batch, *batch, *stream], got[key]
    # the stream runs as an EMR Serverless STREAMING job run; a Dataproc batch for the longest TTL (14 days)
    assert got["emr_modes"] == ["BATCH"] * 6 + ["STREAMING"] * 3
    # the stream ships aws-msk-iam-auth (Maven coordinates, resolved by EMR Serverless: no download here)
    assert got["emr_packages"] == ["${SPARK_KAFKA_PACKAGE},software.amazon.msk:aws-msk-iam-auth:2.3.9"] * 3
    assert got["dataproc_ttl_s"] == [0.0] * 6 + [14 * 24 * 3600.0] * 3
    # the Dataproc stream ships Google's Managed Kafka login handler (Maven Central's coordinates, resolved by the
    # batch: no download here), without its pom's Confluent schema registry client (not on Maven Central, unused)
    login = "com.google.cloud.hosted.kafka:managed-kafka-auth-login-handler:1.0.6"
    jars = {"spark.jars.packages": f"${{SPARK_KAFKA_PACKAGE}},{login}",
            "spark.jars.excludes": "io.confluent:kafka-schema-registry-client"}  # fmt: skip
    assert got["dataproc_packages"] == [jars] * 3


@pytest.mark.judge
def test_every_stream_deployment_ships_the_tls_stores_its_kafka_source_opens(judged: dict) -> None:
    """EMR Serverless reads MSK with IAM (AWS_MSK_IAM: no store, the job's role); Dataproc reads Managed Kafka
    with OAUTHBEARER (Google's login handler: no store, the batch's service account); Databricks names Strimzi's
    ca.p12 and user.p12 in the `kafka_tls_root` volume. Each path the job's kafka_options gives opens the file
    in the volume (its bytes, written by the driver)."""
    got = {d["where"]: d["opened"] for d in judged["tls"]}
    assert set(got) == {"emr", "dataproc", "databricks"}
    # on AWS the project's cluster is MSK, IAM authentication only: no TLS store, the job signs in as its role
    assert got.pop("emr") == {}
    iam = "software.amazon.msk.auth.iam."
    msk = [d["security"] for d in judged["tls"] if d["where"] == "emr"]
    assert len(msk) == 3 and all(s == {  # one stream request per environment
        "kafka.security.protocol": "SASL_SSL", "kafka.sasl.mechanism": "AWS_MSK_IAM",
        "kafka.sasl.jaas.config": f"{iam}IAMLoginModule required;",
        "kafka.sasl.client.callback.handler.class": f"{iam}IAMClientCallbackHandler"} for s in msk)  # fmt: skip
    # on GCP the project's cluster is Google's Managed Kafka (no client certificates): no TLS store, the batch signs
    # in with SASL OAUTHBEARER as its service account through Google's login handler
    assert got.pop("dataproc") == {}
    oauth = [d["security"] for d in judged["tls"] if d["where"] == "dataproc"]
    assert len(oauth) == 3 and all(s == {
        "kafka.security.protocol": "SASL_SSL", "kafka.sasl.mechanism": "OAUTHBEARER",
        "kafka.sasl.login.callback.handler.class": "com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler",
        "kafka.sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
    } for s in oauth)  # fmt: skip
    assert all(d["security"]["kafka.security.protocol"] == "SSL" for d in judged["tls"] if d["where"] == "databricks")
    for where, opened in got.items():
        assert {k: v[1] for k, v in opened.items()} == {
            "kafka.ssl.truststore.location": "store ca.p12",
            "kafka.ssl.keystore.location": "store user.p12",
        }, where
        assert where == "databricks" and all(Path(v[0]).parent.name == "tls_root" for v in opened.values()), opened


@pytest.mark.judge
def test_one_failing_stream_query_stops_the_others_and_fails_the_job(judged: dict) -> None:
    got = judged["supervision"]
    # together (as over Kafka): the failing micro-batch's error reaches the caller, the endless query is stopped
    assert got["together"] == {"error": "StreamingQueryException", "cause": True}, got
    assert "judge_forever" not in got["active_after_together"] and got["together_s"] < 60  # not the next trigger
    # the job's own main over events it cannot read: raises (a non-zero exit), nothing left running
    assert got["main"]["error"] == "StreamingQueryException" and got["main"]["cause"], got["main"]
    assert got["active_after_main"] == []


@pytest.mark.judge
def test_a_dataproc_batch_delivers_the_jobs_secrets_through_a_hadoop_credential_provider(judged: dict) -> None:
    # the gcp stream batch names Secret Manager's provider for the project and the secret ids of the catalog token
    # and the Kafka cluster's TLS store passwords; with a JCEKS store in its place (Hadoop's API, no Google) the
    # job reads each value with its variable unset, and its Kafka source gets the stores' passwords from there
    got = judged["secrets"]
    assert got["provider"] == "gsm://projects/${DATAPROC_PROJECT}"
    assert got["hadoop_key"] == "hadoop.security.credential.provider.path"
    # (no Kafka password: on GCP the stream signs in to Managed Kafka as its service account, no TLS store)
    names = ("LAKE_CATALOG_TOKEN",)
    assert got["aliases"] == {n: f"pipegen-secret-{n.lower().replace('_', '-')}-id" for n in names}
    assert got["read"] == {n: f"stored {n}" for n in names}
    assert got["kafka_passwords"] == {}
    assert got["catalog_token"] == got["session_token"] == "stored LAKE_CATALOG_TOKEN"
    assert "no-such-secret" in got["missing"]["error"]  # an alias no provider holds fails the job, named
    assert got["no_alias"] == "from the environment"  # no alias named (EMR, Databricks, local): the environment
