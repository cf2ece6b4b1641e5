"""The dbt family: the dbt project.

Its code is in `generator.py` (and its siblings); its templates in `templates/dbt/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="dbt",
    description="dbt project: sources, staging and mart models, data tests, profiles",
    needs=(Kind.SQL_MODELS,),
    generator=Lazy("pipegen.generators.dbt.generator"),
    judge=Judge(
        "dbt build on dbt-duckdb (and dbt parse per warehouse adapter)",
        (
            "tests/families/test_dbt_build.py",
            "tests/families/test_dbt_warehouse_parse.py",
            "tests/families/test_jaffle_oracle.py",
        ),
    ),
)
