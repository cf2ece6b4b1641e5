"""The serving family: Lambda serving views over the batch and speed layers.

Its code is in `generator.py` and `config.py`; its templates in `templates/serving/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="serving",
    description="Lambda serving views: batch windows up to the batch high-water mark, speed windows past it",
    needs=(Kind.SERVING_VIEWS,),
    generator=Lazy("pipegen.generators.serving.generator"),
    judge=Judge(
        "the generated serving job in DuckDB: an event in both layers counted once, before and after the batch "
        "layer catches up",
        ("tests/families/test_lambda_serving.py",),
    ),
)
