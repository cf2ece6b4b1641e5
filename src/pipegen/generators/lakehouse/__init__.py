"""The lakehouse family: bronze, silver and gold lake tables (Delta Lake / Iceberg) and their
maintenance.

Its code is in `generator.py` and `config.py`; its templates in `templates/lakehouse/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="lakehouse",
    description="Delta Lake / Iceberg bronze, silver and gold tables and their maintenance, "
    "partitioned and with files sized from the plan",
    needs=(Kind.LAKE_TABLES,),
    generator=Lazy("pipegen.generators.lakehouse.generator"),
    judge=Judge(
        "the generated lake job on deltalake and pyiceberg, read back by DuckDB's delta_scan/iceberg_scan",
        ("tests/families/test_lake_tables.py",),
    ),
)
