"""plan/layers.py's list of batch engines this version generates stays in step with the
registry: an engine in it has a generated family, and a batch engine the plan can choose
without a generated family (none today: dbt and spark are generated) is not in it, so its
marts would get R340 and run on dbt."""

from __future__ import annotations

from pipegen.generators.registry import REGISTRY
from pipegen.plan.layers import GENERATED_BATCH_ENGINES
from pipegen.spec.model import BatchEngine


def test_every_generated_batch_engine_is_a_generated_family_and_the_others_are_not() -> None:
    generated = set(REGISTRY.generators)
    choosable = {e.value for e in BatchEngine if e.value != "auto"}
    assert generated >= GENERATED_BATCH_ENGINES
    assert {e for e in choosable if e in generated} == set(GENERATED_BATCH_ENGINES)
