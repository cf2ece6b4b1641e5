"""The databricks family: where compute is Databricks, the Databricks Asset Bundle
(databricks.yml) with the jobs the plan runs there (the Spark job's, a continuous stream job,
a dbt job). Its code is in `generator.py` and `bundle.py`."""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="databricks",
    description="Databricks Asset Bundle (databricks.yml), where compute is Databricks: the Spark job's medallion, "
    "maintenance and continuous stream jobs, or a dbt job (dbt task on a SQL warehouse) for a dbt batch engine",
    needs=(Kind.DATABRICKS_JOBS,),
    generator=Lazy("pipegen.generators.databricks.generator"),
    judge=Judge(
        "databricks-bundles loads every bundle job (Job.from_dict refuses unknown and missing fields)",
        ("tests/families/test_spark_jobs.py",),
    ),
)
