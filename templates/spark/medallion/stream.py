"""spark/medallion.py, part 4 of 5: the stream layer (Structured Streaming). The generated job is one file, these parts
joined in order (pipegen.generators.spark.job); only the text below the marker line reaches it."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import os
import shutil
from pathlib import Path
from typing import Any

from job import CONFIG, STREAMED, TARGET, bq, checkpoint_root, lake_root, resolved
from layers import as_bronze, checked, registered, silver, taken_rows

# pipegen: spark/medallion.py continues below this line (the lines above only let this part be linted alone)


# ---------------------------------------------------------------- the stream (Structured Streaming)


def stream_source() -> str:
    """Where a streamed table's change events come from: `kafka` (the table's topic, the
    default) or `files` (Parquet under <lake root>/events/<its landing directory>, where the local
    run writes its stand-in events: Kafka's stand-in)."""
    return os.environ.get("PIPEGEN_SPARK_STREAM_SOURCE") or "kafka"


def from_kafka(records: Any, table: dict[str, Any]) -> Any:
    """Kafka records (value, key, topic, partition, offset, timestamp, timestampType) as landed
    rows: a Debezium envelope's `after` (`before` for a delete) or a plain JSON value, `_op`
    'd' for a delete, record metadata columns from the envelope or the record, and `_batch_id` the
    record's position, `kafka:<partition>:<offset, 20 digits>` (the Flink bronze jobs' ids): what
    identifies it whatever the checkpoint (land_batch)."""
    from pyspark.sql import functions as F

    value = F.col("value").cast("string")
    cdc = table["stream"]["format"] == "debezium"
    record = {"timestamp": F.col("timestamp"), "timestamp_type": F.col("timestampType"), "partition": F.col("partition"),
              "offset": F.col("offset"), "key": F.col("key").cast("string"), "topic": F.col("topic"),
              "headers": F.lit(None)}  # fmt: skip
    cols = []
    for c in table["columns"]:
        path = c["name"] if "metadata" not in c else None
        if path is None:
            cols.append((F.get_json_object(value, "$." + c["metadata"]) if cdc else record[c["metadata"]]).alias(c["name"]))
        elif cdc:
            after, before = F.get_json_object(value, "$.after." + path), F.get_json_object(value, "$.before." + path)
            cols.append(F.coalesce(after, before).alias(c["name"]))
        else:
            cols.append(F.get_json_object(value, "$." + path).alias(c["name"]))
    op = F.when(F.get_json_object(value, "$.op") == "d", "d").otherwise("u") if cdc else F.lit("u")
    offset = F.lpad(F.col("offset").cast("string"), 20, "0")
    position = F.concat(F.lit(STREAMED), F.col("partition").cast("string"), F.lit(":"), offset)
    return records.where(value.isNotNull()).select(*cols, op.alias("_op"), position.alias("_batch_id"))


def stream_reader(spark: Any, table: dict[str, Any]) -> Any:
    """The table's change events as landed rows with their `_batch_id`: over Kafka each record's position
    (from_kafka), over files `file:<file name>` (the file source's `_metadata.file_name`: a file is read whole,
    in one micro-batch, and its name is what the batch bronze step lands once too)."""
    from pyspark.sql import functions as F

    if stream_source() == "files":
        schema = ", ".join([f"{bq(c['name'])} STRING" for c in table["columns"]] + ["`_op` STRING"])
        files = spark.readStream.schema(schema).parquet(str(Path(lake_root()) / "events" / table["landing"]))
        return files.select("*", F.concat(F.lit("file:"), F.col("_metadata.file_name")).alias("_batch_id"))
    reader = spark.readStream.format("kafka").options(**kafka_options(table["stream"]))
    return from_kafka(reader.option("startingOffsets", "earliest").load(), table)


def kafka_options(stream: dict[str, Any]) -> dict[str, str]:
    """The Kafka source's options (kafka_login) and the spec's client settings (`client`: `connection.options`, each
    the consumer's `kafka.<key>`, references resolved; as the Flink jobs pass them, after what the job derives)."""
    client = {f"kafka.{key}": resolved(str(value)) or "" for key, value in (stream.get("client") or {}).items()}
    return kafka_login(stream) | client


def kafka_login(stream: dict[str, Any]) -> dict[str, str]:
    """Where the Kafka source reads and how it signs in: its groups' prefix (its KafkaUser's ACL grants it); the
    project's cluster (KAFKA_BOOTSTRAP_SERVERS) with mutual TLS (`tls`: PKCS12 stores) or, on MSK (`aws_msk_iam`), SASL
    AWS_MSK_IAM signed with the job's IAM role (aws-msk-iam-auth, shipped with the job), on Google's Managed Kafka
    (`gcp_oauth`) SASL OAUTHBEARER with the batch's service account's token (Google's GcpLoginCallbackHandler, shipped
    with the job: managed-kafka-auth-login-handler); a Kafka source's own cluster (`bootstrap`, resolved: its
    sign-in is its client settings); or an Event Hubs namespace's Kafka
    endpoint with SASL PLAIN (the connection string as the password, else the config's JAAS line; `shaded`:
    Databricks' runtime relocates the Kafka client and the MSK IAM classes)."""
    group = {"groupIdPrefix": stream["group_prefix"]} if stream.get("group_prefix") else {}
    if stream.get("sasl") == "aws_msk_iam":
        iam = ("shadedmskiam." if stream.get("shaded") else "") + "software.amazon.msk.auth.iam."
        return {"kafka.bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9098"),
                "subscribe": stream["topic"], **group, "kafka.security.protocol": "SASL_SSL",
                "kafka.sasl.mechanism": "AWS_MSK_IAM", "kafka.sasl.jaas.config": f"{iam}IAMLoginModule required;",
                "kafka.sasl.client.callback.handler.class": f"{iam}IAMClientCallbackHandler"}  # fmt: skip
    if stream.get("sasl") == "gcp_oauth":  # Managed Kafka: OAUTHBEARER, a token of the batch's service account
        return {"kafka.bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                "subscribe": stream["topic"], **group, "kafka.security.protocol": "SASL_SSL",
                "kafka.sasl.mechanism": "OAUTHBEARER",
                "kafka.sasl.login.callback.handler.class": "com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler",
                "kafka.sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"}  # fmt: skip
    if stream.get("sasl") != "plain":
        tls = {f"kafka.ssl.{k.replace('_', '.')}": resolved(v) or "" for k, v in (stream.get("tls") or {}).items()}
        tls |= {k: shipped(v) for k, v in tls.items() if k.endswith(".location")}
        stores = {f"kafka.ssl.{s}.type": "PKCS12" for s in ("truststore", "keystore")}
        tls |= {"kafka.security.protocol": "SSL", **stores} if tls else {}
        return {"kafka.bootstrap.servers": own_brokers(stream) or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                "subscribe": stream["topic"], **group, **tls}  # fmt: skip
    secret = resolved(stream.get("connection_string"))
    module = ("kafkashaded." if stream.get("shaded") else "") + "org.apache.kafka.common.security.plain.PlainLoginModule"
    escaped = (secret or "").replace("\\", "\\\\").replace('"', '\\"')
    login = f'{module} required username="$ConnectionString" password="{escaped}";'
    return {"kafka.bootstrap.servers": resolved(stream.get("bootstrap")) or "", "subscribe": stream["topic"],
            "kafka.security.protocol": "SASL_SSL", "kafka.sasl.mechanism": "PLAIN", **group,
            "kafka.sasl.jaas.config": login if secret else resolved(stream.get("jaas")) or ""}  # fmt: skip


def own_brokers(stream: dict[str, Any]) -> str | None:
    """A Kafka source's own cluster (`bootstrap`, references resolved), None for the project's; a reference the
    environment leaves empty stops the job (never the project's cluster in its place)."""
    if not stream.get("bootstrap"):
        return None
    brokers = resolved(stream["bootstrap"])
    if not brokers:
        raise ValueError(f"{stream['bootstrap']}: the Kafka source's bootstrap_servers are empty in this environment")
    return brokers


def shipped(location: str) -> str:
    """A TLS store's path as the Kafka client opens it, on the driver and in every executor: a path
    with a folder (a Databricks volume, a local file) as given; a bare file name is a file the
    submission ships (EMR Serverless `--files`, Dataproc `fileUris`: spark.files), which Spark
    places in each executor's working directory and the driver fetches into SparkFiles' folder:
    copied from there into the driver's working directory, so the one relative name opens on both."""
    if not location or os.path.dirname(location) or os.path.exists(location):
        return location
    from pyspark import SparkFiles

    fetched = SparkFiles.get(location)
    if not os.path.exists(fetched):
        raise FileNotFoundError(f"{location}: a Kafka TLS store the submission ships (--files / fileUris from "
                                "KAFKA_TLS_ROOT) is not in the working directory nor in SparkFiles")  # fmt: skip
    shutil.copyfile(fetched, location)
    return location


def events(rows: Any, table: dict[str, Any]) -> Any:
    """Bronze rows as the stream jobs see them: typed, passing the table's rules, deletes left
    out, under the names transforms use (the gold views' SELECT). In the rows' own session: a
    micro-batch's is the stream's clone, whose temporary views the job's session does not see."""
    from pyspark.sql import functions as F

    good = checked(rows, table).where((F.size("_failures") == 0) & (F.col("_op") != "d"))
    good.select(*[bq(c["name"]) for c in table["columns"]]).createOrReplaceTempView("_silver")
    view = next(v for v in CONFIG["views"] if v["table"] == table["name"])
    return rows.sparkSession.sql(f"SELECT {view['select']} FROM _silver")


def stream_jobs(store: Any, table: dict[str, Any], landed: Any) -> dict[str, Any]:
    """The per-event stream jobs over this table into gold: each appends the micro-batch's
    results; each job's results count (its gold table's rows). Aggregations run as their own
    queries (aggregation)."""
    out: dict[str, Any] = {}
    for job in CONFIG.get("streams", []):
        if job["sql"] is None or job["input"] != table["name"] or job["mode"] != "append":
            continue
        if "gold" not in TARGET["layers"]:
            continue
        seen = events(landed, table).localCheckpoint()
        seen.createOrReplaceTempView(job["view"])
        store.append("gold", job["table"], seen.sparkSession.sql(job["sql"]))
        out[job["name"]] = store.read("gold", job["table"]).count()
    return out


def watermarked(events_: Any, job: dict[str, Any]) -> Any:
    """The job's input events behind the table's watermark (`withWatermark`: the event time
    less the spec's watermark_delay, zero without one, as Flink's WATERMARK): a window whose
    end the watermark has passed is final, its state dropped, and an event that arrives for it
    later is dropped too; an aggregation without a window keeps every group (no event-time key)."""
    if not job.get("event_time"):
        return events_
    return events_.withWatermark(job["event_time"], job.get("watermark_delay") or "0 seconds")


def unnumbered(raw: Any, table: dict[str, Any]) -> Any:
    """Streamed rows with the columns checked() takes, as bronze has them but for the row
    number, which a streaming query cannot draw (monotonically_increasing_id)."""
    from pyspark.sql import functions as F

    return raw.select(
        *[F.col(bq(c["name"])).cast("string").alias(c["name"]) for c in table["columns"]],
        F.lit("stream").alias("_batch_id"), F.lit(None).cast("timestamp").alias("_ingested_at"),
        F.lit(0).cast("bigint").alias("_row"), F.coalesce(F.col("_op").cast("string"), F.lit("u")).alias("_op"),
    )  # fmt: skip


def aggregation(spark: Any, store: Any, table: dict[str, Any], job: dict[str, Any]) -> Any:
    """A stream job with an aggregation as its own streaming query over the table's events:
    incremental (Spark keeps each open window's state, bounded by the watermark), its results
    merged into the gold table by the job's key (window and group columns) in every micro-batch:
    `update` output (a window's row as it changes; tumble, hop, no window) or `append` (a
    session window once the watermark closes it: Spark has no update mode for sessions)."""
    source = events(unnumbered(stream_reader(spark, table), table), table)
    watermarked(source, job).createOrReplaceTempView(job["view"])
    results = spark.sql(job["sql"])

    def merge(batch: Any, epoch: int) -> None:
        store.upsert("gold", job["table"], batch.localCheckpoint(), job["key"])

    checkpoint = f"{checkpoint_root()}/{TARGET['layers']['gold']}/{job['table']}"
    writer = results.writeStream.outputMode(job["output_mode"]).foreachBatch(merge)
    return writer.option("checkpointLocation", checkpoint).queryName(f"{CONFIG['pipeline']}_{job['name']}")


def started(writer: Any) -> Any:
    """A query started: until caught up (availableNow) over files, every minute over Kafka."""
    files = stream_source() == "files"
    return (writer.trigger(availableNow=True) if files else writer.trigger(processingTime="1 minute")).start()


def supervised(spark: Any, writers: list[Any], together: bool) -> None:
    """Runs the queries: one after the other until each has caught up (files), or all together
    until one stops (`together`: Kafka). A query that fails stops every other and fails the job
    with its error (StreamingQueryException: a non-zero exit, so EMR Serverless's streaming retry,
    Dataproc and the Databricks continuous job restart it from the checkpoints); one that stops
    cleanly stops the others too. A query that cannot start stops those already started."""
    queries: list[Any] = []
    try:
        if together:  # (awaitAnyTermination would return at once for a query that ended before)
            spark.streams.resetTerminated()
        for writer in writers:
            queries.append(started(writer))
            if not together:
                queries[-1].awaitTermination()
        if together and queries:
            spark.streams.awaitAnyTermination()
    finally:
        for query in queries:
            query.stop()


def table_writers(spark: Any, store: Any, table: dict[str, Any], counts: dict[str, Any]) -> list[Any]:
    """A streamed table's queries, not started: its landing (foreachBatch, land_batch: append the micro-batch's
    rows bronze does not hold yet, by source position, then merge into silver as the batch job does, and run the
    per-event jobs) first, then each of its aggregations (a query of its own: aggregation)."""
    name = table["name"]

    def land(batch: Any, epoch: int) -> None:  # (the epoch is the checkpoint's count, not the data's: unused)
        land_batch(spark, store, table, counts, batch)

    store.indexed("bronze", name)  # an older release's bronze: its `_batch_id` statistics whole from now on
    checkpoint = f"{checkpoint_root()}/{TARGET['layers']['bronze']}/{name}"
    writers = [stream_reader(spark, table).writeStream.foreachBatch(land).option("checkpointLocation", checkpoint)]
    return writers + [aggregation(spark, store, table, j) for j in aggregations(table) if "gold" in TARGET["layers"]]


def land_batch(spark: Any, store: Any, table: dict[str, Any], counts: dict[str, Any], batch: Any) -> None:
    """One micro-batch: its rows bronze does not hold yet (landed_marks: by source position, so a replay after a
    failure, or after the checkpoint was reset or moved, lands nothing twice and new rows are never taken for
    replays) appended, merged into silver as the batch job does, and the per-event jobs run over them."""
    batch = batch.localCheckpoint()  # (read once: the marks and the rows from the same data)
    marks = landed_marks(store, table["name"], batch)
    fresh = batch.where(~taken_rows(marks)) if marks else batch
    landed = as_bronze(fresh, table, None, dt.datetime.now(dt.UTC).replace(tzinfo=None)).localCheckpoint()
    if landed.isEmpty():
        return
    store.append("bronze", table["name"], landed)
    counts["batches"] += 1
    counts["rows"] += landed.count()
    silver(spark, store, table)
    registered(store, [table["name"]])  # a stream's first micro-batch creates silver: registered at once
    counts["jobs"] = stream_jobs(store, table, landed)


def landed_marks(store: Any, name: str, batch: Any) -> list[str]:
    """What bronze already holds of the micro-batch, as ids `taken_rows` reads: per Kafka partition in it, the
    highest landed id at or above the micro-batch's lowest of that partition (bronze holds a prefix of each
    partition: every row at or below it landed before), and each of its files already landed. Reads bronze's
    `_batch_id` in those ranges only, a filter pushed down to the files' statistics (each appended file holds
    one Kafka partition's rows, in order), never the whole table."""
    from pyspark.sql import functions as F

    existing = store.read("bronze", name)
    if existing is None:
        return []
    col = F.col("_batch_id")
    group = F.when(col.startswith(STREAMED), F.substring_index(col, ":", 2)).otherwise(col)
    lows = [r[1] for r in batch.groupBy(group.alias("_g")).agg(F.min(col)).collect() if r[1] is not None]
    files = [low for low in lows if not low.startswith(STREAMED)]
    ranges = [(col >= low) & (col <= low[: low.rindex(":") + 1] + "9" * 20) for low in lows if low not in files]
    ranges += [col.isin(files)] if files else []
    if not ranges:
        return []
    found = existing.select("_batch_id").where(functools.reduce(operator.or_, ranges))
    return [r[1] for r in found.groupBy(group.alias("_g")).agg(F.max(col)).collect()]


def aggregations(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [j for j in CONFIG.get("streams", []) if j["sql"] and j["input"] == table["name"] and j["mode"] == "aggregate"]


def stream(spark: Any, store: Any, tables: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Lands the streamed tables' change events in bronze, one micro-batch at a time, and runs
    their stream jobs (table_writers). Files: each query until caught up (availableNow), a table's
    landing first; Kafka: every table's queries together, every minute, until one stops
    (supervised: one failing fails the job). Per table: micro-batches and rows landed, the stream
    jobs' gold rows."""
    counts = {t["name"]: {"batches": 0, "rows": 0} for t in tables}
    writers = [w for t in tables for w in table_writers(spark, store, t, counts[t["name"]])]
    supervised(spark, writers, together=stream_source() != "files")
    for table in tables:
        jobs, got = aggregations(table), counts[table["name"]]
        aggregated = {j["name"]: store.read("gold", j["table"]).count() for j in jobs if store.exists("gold", j["table"])}
        if aggregated and got["batches"]:  # (nothing new landed: nothing to report)
            got["jobs"] = {**got.get("jobs", {}), **aggregated}
    return counts
