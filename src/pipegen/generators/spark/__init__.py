"""The spark family: the pipeline's PySpark job over the bronze, silver and gold layers (and its
Structured Streaming layer where the stream engine is Spark); the databricks family's bundle runs
it on Databricks, submit.py's requests on EMR / Dataproc Serverless.

Its code is in `generator.py`, `config.py`, `marts.py`, `streams.py` and `submit.py`; its template in
`templates/spark/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="spark",
    description="PySpark job over the bronze, silver and gold layers (gold: the marts in Spark SQL), "
    "with a Structured Streaming layer (foreachBatch into bronze and silver, the stream jobs into gold) where the "
    "stream engine is Spark; "
    "EMR / Dataproc Serverless requests on aws / gcp without Databricks",
    needs=(Kind.SPARK_BATCH, Kind.SPARK_STREAMING),
    generator=Lazy("pipegen.generators.spark.generator"),
    judge=Judge(
        "PySpark local[2] runs the job (batch and stream) over the lakehouse judge's batches, equal to a DuckDB "
        "reference; botocore and dataproc_v1 load the submit requests",
        ("tests/families/test_spark_jobs.py",),
    ),
)
