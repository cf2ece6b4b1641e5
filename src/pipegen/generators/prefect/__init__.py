"""The prefect family: the Prefect flow.

Its code is in `generator.py` (and its siblings); its templates in `templates/prefect/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="prefect",
    description="Prefect 3 flow (parallel extraction, retries, run-summary artifact) and prefect.yaml deployment",
    needs=(Kind.PREFECT_SCHEDULE,),
    generator=Lazy("pipegen.generators.prefect.generator"),
    judge=Judge("a Prefect 3 flow run on synthetic data", ("tests/families/test_prefect_flows.py",)),
)
