"""The gx family: data-quality suites.

Its code is in `generator.py` (and its siblings); its templates in `templates/gx/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="gx",
    description="Great Expectations suites and checkpoint runner, validation events and their read model",
    needs=(Kind.QUALITY_CHECKS,),
    generator=Lazy("pipegen.generators.gx.generator"),
    judge=Judge(
        "GX Core 1.x checkpoints on DuckDB, PostgreSQL and MariaDB",
        (
            "tests/families/test_gx_quality.py",
            "tests/families/test_gx_warehouse.py",
            "tests/families/test_gx_quarantine.py",
            "tests/families/test_gx_warehouse_quarantine.py",
            "tests/families/test_gx_notify.py",
        ),
    ),
)
