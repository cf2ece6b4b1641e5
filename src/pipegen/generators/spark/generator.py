"""spark family: the pipeline's Spark job (PySpark, templates/spark/medallion/ joined, job.py:
the logic is there, driven by data) over the medallion layers, its data `spark/medallion.json`
(config.py: tables, lake layout and format, gold marts as Spark SQL), and where compute is
Databricks the databricks family's bundle runs it. Where the stream engine is Spark the same job
has a `stream` layer (Structured Streaming, foreachBatch into bronze and silver). Contributes `make spark-run`
(the job on a local[2] session over the landed files, into the local run's Spark lake under
`data/spark/` (local.py LOCAL_ROOT, medallion.json `local_root`), Parquet tables: Delta and Iceberg on
Spark need jars a local run does not have) and the pinned pyspark. Elsewhere on aws and gcp,
serverless submit requests (submit.py): EMR Serverless StartJobRun, Dataproc Serverless Batch."""

from __future__ import annotations

from pipegen.common.spark_stream import stream_env
from pipegen.generators.base import Contribution, EnvVar, Files, GenContext, MakeTarget
from pipegen.generators.spark.config import spark_config
from pipegen.generators.spark.job import job_source
from pipegen.generators.spark.local import (
    ENVIRONMENT,
    INSTALL,
    LOCAL_ROOT,
    STREAM_STEP,
    requirements_text,
    stream_local_config,
)
from pipegen.generators.spark.submit import submit_files
from pipegen.plan.components import Kind
from pipegen.plan.names import ENV
from pipegen.render.env import static
from pipegen.render.jsondoc import json_doc

# pinned as requirements/judges/spark.txt (the judge environment the Spark job runs in)
REQUIREMENTS = ("pyspark==4.3.0",)
LOCAL = ("env", "PIPEGEN_SPARK_FORMAT=parquet", "PYSPARK_SUBMIT_ARGS=--master local[2] pyspark-shell")
# the local stand-in for Kafka: a streamed table's change events from its landing directory
LOCAL_STREAM = ("PIPEGEN_SPARK_STREAM_SOURCE=files",)
KINDS = frozenset({Kind.SPARK_BATCH, Kind.SPARK_STREAMING})


def python(ctx: GenContext) -> str:
    """The interpreter of the Spark make targets: the step environment's where Spark streams
    (requirements-spark.txt, built by `pipegen run`), else the project's."""
    return "$(SPARK_PYTHON)" if Kind.SPARK_STREAMING in ctx.plan.graph.kinds else "$(PROJECT_PYTHON)"


def local_run(ctx: GenContext) -> tuple[str, ...]:
    """The layers `make spark-run` runs: the stream first (until caught up) where Spark streams."""
    streaming = Kind.SPARK_STREAMING in ctx.plan.graph.kinds
    batch = ("bronze", "silver", "gold") if Kind.SPARK_BATCH in ctx.plan.graph.kinds else ()
    return (*LOCAL, *(LOCAL_STREAM if streaming else ()), python(ctx), "spark/medallion.py",
            *(("stream",) if streaming else ()), *batch)  # fmt: skip


def stream_vars(ctx: GenContext) -> tuple[EnvVar, ...]:
    """Where Spark streams: what its stream layer reads from the environment (common.spark_stream:
    the project's cluster and the mutual TLS stores of the Spark stream's KafkaUser, an Event Hubs
    login), each saying where it comes from."""
    if Kind.SPARK_STREAMING not in ctx.plan.graph.kinds:
        return ()
    kafka = ctx.plan.names.kafka
    user, ca = (f"Secret {kafka.spark_user}", f"Secret {kafka.cluster_ca_secret}") if kafka else ("", "")
    use, ship = "spark/medallion.py stream", ENV.kafka_tls_root
    uses: dict[str, str] = {ENV.kafka_bootstrap: f"{use}: the project's Kafka cluster",
            ENV.kafka_truststore: f"{use}: the cluster CA (ca.p12 of {ca}; deployments ship it from {ship})",
            ENV.kafka_truststore_password: f"{use}: ca.password of {ca}",
            ENV.kafka_keystore: f"{use}: the Spark stream's certificate (user.p12 of {user}; shipped the same way)",
            ENV.kafka_keystore_password: f"{use}: user.password of {user}"}  # fmt: skip
    defaults: dict[str, str] = {ENV.kafka_bootstrap: "localhost:9092"}
    found = stream_env(ctx.spec, ctx.plan.names)
    return tuple(EnvVar(name, (uses.get(name, f"{use}: an Event Hubs source's login"),), secret=secret,
                        default=defaults.get(name)) for name, secret in found)  # fmt: skip


class SparkGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        if not KINDS & ctx.plan.graph.kinds:
            return Contribution()
        # where Spark streams, pyspark is the local stream step's own environment (spark/local.py)
        streaming = Kind.SPARK_STREAMING in ctx.plan.graph.kinds
        return Contribution(
            requirements=() if streaming else REQUIREMENTS,
            run_steps=(STREAM_STEP,) if streaming else (),
            python_modules=streaming,
            env=stream_vars(ctx),
            make_targets=(
                MakeTarget("spark-run", "run the Spark job locally (local[2], Parquet tables): bronze, silver, gold",
                           (local_run(ctx),)),
                MakeTarget("spark-maintain", "compact and expire the Spark job's local tables",
                           ((*LOCAL, python(ctx), "spark/medallion.py", "maintain"),)),
                *((INSTALL,) if streaming else ()),
            ),
        )  # fmt: skip

    def render(self, ctx: GenContext) -> Files:
        if not KINDS & ctx.plan.graph.kinds:
            return {}
        streaming = Kind.SPARK_STREAMING in ctx.plan.graph.kinds
        config = spark_config(ctx.spec, ctx.plan.names, ctx.plan.capacity, etl=ctx.plan.masks_pii, streaming=streaming)
        # the job's lake where no root is given (make spark-run, spark-maintain): the local run's
        config["target"]["local_root"] = LOCAL_ROOT
        if Kind.SPARK_BATCH not in ctx.plan.graph.kinds:  # the stream only: dbt builds the marts
            config |= {"marts": []}  # (the views stay: the stream jobs read them)
        for table in config["tables"]:  # Databricks runtimes shade the Kafka client (its login module)
            if (table.get("stream") or {}).get("sasl"):
                table["stream"]["shaded"] = Kind.DATABRICKS_JOBS in ctx.plan.graph.kinds
        files = {
            "spark/medallion.py": job_source(),
            "spark/medallion.json": json_doc(config) + "\n",
        }
        if streaming:  # the local stream step (pipegen run's `stream`) and its environment
            local = stream_local_config(ctx.spec, ctx.plan.names, config)
            files |= {"pipeline/spark_stream.py": static("spark/spark_stream.py"),
                      "pipeline/spark_stream.json": json_doc(local) + "\n",
                      ENVIRONMENT: requirements_text()}  # fmt: skip
        gold = any(m["sql"] is not None for m in config["marts"])
        if Kind.DATABRICKS_JOBS not in ctx.plan.graph.kinds:  # (Databricks: the databricks family's bundle)
            # EMR Serverless (aws) or Dataproc Serverless (gcp) requests, one per run step
            requests = submit_files(ctx, gold, streaming, Kind.SPARK_BATCH in ctx.plan.graph.kinds)
            files.update({path: json_doc(body) + "\n" for path, body in requests.items()})
        return files


GENERATOR = SparkGenerator()
