"""A fixed sample of drawn specs: the same seed, the same specs (Hypothesis, derandomized)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.specgen.invariant import Outcome, static
from tests.specgen.strategies import specs


def draw(count: int, seed_value: int) -> list[dict[str, Any]]:
    """`count` specs drawn with `seed` (the same pair, the same specs in the same order)."""
    drawn: list[dict[str, Any]] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        derandomize=False,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        if len(drawn) < count:
            drawn.append(data.draw(specs()))

    collect()
    return distinct_pipelines(drawn)


def distinct_pipelines(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each spec's pipeline under a name no earlier one has (`shop`, `shop_2`, ...): drawn projects'
    DAG ids differ, so Airflow's `dag.test()` judges many of them in one process (one round,
    tests/specgen/judges.py). Renamed after drawing: the random draws stay those of the seed."""
    seen: set[str] = set()
    for spec in specs:
        name = base = spec["pipeline"]["name"]
        n = 1
        while name.lower() in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name.lower())
        spec["pipeline"]["name"] = name
    return specs


def valid_sample(count: int, seed_value: int, pool: int | None = None) -> list[tuple[dict[str, Any], Outcome]]:
    """The first `count` drawn specs that validate, from a pool of `pool` draws."""
    out = []
    for spec in draw(pool or count * 2, seed_value):
        outcome = static(spec)
        if outcome.valid and outcome.failure is None:
            out.append((spec, outcome))
        if len(out) == count:
            break
    return out
