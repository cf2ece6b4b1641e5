"""The synthetic family: local stand-in source data, and the Faker streams' generators.

Its code is in `generator.py` (and its siblings); its templates in `templates/synthetic/`.
"""

from pipegen.generators.base import Declaration, Judge, Lazy
from pipegen.plan.components import Kind

FAMILY = Declaration(
    tag="synthetic",
    description="local stand-in source data (Faker) for the local run; the Faker streams' generators",
    needs=(Kind.SYNTHETIC_DATA, Kind.STREAM_GENERATORS),
    generator=Lazy("pipegen.generators.synthetic.generator"),
    judge=Judge(
        "the generated synthesizer run (Faker, pyarrow): rules and foreign keys hold, bad rows break them",
        (
            "tests/families/test_synthetic_step.py",
            "tests/runtime/test_synthetic.py",
            "tests/families/test_stream_generator.py",
        ),
    ),
)
