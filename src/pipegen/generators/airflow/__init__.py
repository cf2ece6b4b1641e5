"""The airflow family: the Airflow DAG.

Its code is in `generator.py` (and its siblings); its templates in `templates/airflow/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="airflow",
    description="Airflow 3 DAG (a task group per source, then the run's steps), deadline callback, DagBag test",
    needs=(Kind.AIRFLOW_SCHEDULE,),
    generator=Lazy("pipegen.generators.airflow.generator"),
    judge=Judge("Airflow 3 DagBag (zero import errors) and dag.test()", ("tests/families/test_airflow_dags.py",)),
)
