"""The spark family: the pipeline's PySpark job over the bronze, silver and gold layers and,
where compute is Databricks, the Databricks Asset Bundle that runs it.

Its code is in `generator.py`, `config.py`, `marts.py` and `bundle.py`; its template in
`templates/spark/`.
"""

from pipegen.generators.base import Declaration, Judge
from pipegen.generators.spark.generator import GENERATOR
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="spark",
    description="PySpark job over the bronze, silver and gold layers (gold: the marts in Spark SQL), "
    "with a Structured Streaming layer where the stream engine is Spark, and where compute is Databricks "
    "an Asset Bundle (databricks.yml) running it",
    needs=(Kind.SPARK_BATCH, Kind.SPARK_STREAMING),
    generator=GENERATOR,
    judge=Judge(
        "PySpark local[2] runs the job over the lakehouse judge's batches, equal to a DuckDB reference; "
        "databricks-bundles loads every bundle job",
        ("tests/families/test_spark_jobs.py",),
    ),
)
