"""dbt source freshness states the spec's bounds exactly in dbt's periods (minute, hour, day), or
rounds a bound of seconds up to the next whole minute and says so at the spec value (R488).
Expected blocks are written by hand from the spec's durations, not from pipegen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen import __version__
from pipegen.generators.base import collect
from pipegen.generators.registry import REGISTRY
from pipegen.plan.plan import make_plan
from pipegen.spec.model import Spec
from tests.conftest import spec_data


def freshness(**overrides: Any) -> tuple[dict[str, Any], list[tuple[str, tuple[str | int, ...], str]]]:
    """(the freshness block of the landed source in dbt's _sources.yml, the plan's R488 findings)."""
    spec = Spec.model_validate(spec_data(**overrides))
    plan = make_plan(spec)
    ctx = REGISTRY.context(spec, plan, __version__, None)
    generators = REGISTRY.generators
    shared = collect({f: generators[f].contribute(ctx) for f in generators if f in ctx.families})
    files = generators["dbt"].render(replace(ctx, shared=shared))  # the dbt family only
    sources = YAML(typ="safe").load(files["dbt/models/staging/_sources.yml"])["sources"]
    assert len(sources) == 1  # judged the one landed source
    found = [(f.code, tuple(f.path), f.message) for f in plan.findings if f.code == "R488"]
    return sources[0]["config"]["freshness"], found


def minutes(n: int) -> dict[str, Any]:
    return {"count": n, "period": "minute"}


@pytest.mark.parametrize(
    ("sla", "error_after"),
    [
        ("25h", {"count": 25, "period": "hour"}),
        ("2d", {"count": 2, "period": "day"}),
        ("1w", {"count": 7, "period": "day"}),
        ("125m", minutes(125)),
        ("7500s", minutes(125)),  # whole minutes given in seconds
    ],
)
def test_an_sla_of_whole_minutes_is_the_error_bound_exactly(sla: str, error_after: dict[str, Any]) -> None:
    block, found = freshness(monitoring={"freshness_sla": sla})
    assert block == {"warn_after": {"count": 2, "period": "hour"}, "error_after": error_after}  # warn: 2 x 1h
    assert found == []


def test_an_sla_of_seconds_is_rounded_up_to_the_next_minute_with_a_warning_at_the_sla() -> None:
    block, found = freshness(monitoring={"freshness_sla": "10025s"})  # 167 min 5 s
    assert block["error_after"] == minutes(168)  # never before the SLA (rounding to nearest gave 167: 5 s early)
    assert [(code, path) for code, path, _ in found] == [("R488", ("monitoring", "freshness_sla"))]
    assert "is checked as 168 minutes" in found[0][2]


def test_an_sla_below_the_warning_bound_errors_at_the_warning_bound() -> None:
    block, found = freshness(monitoring={"freshness_sla": "90m"})  # latency 1h: the warning bound is 2h
    assert block == {"warn_after": {"count": 2, "period": "hour"}, "error_after": {"count": 2, "period": "hour"}}
    assert found == []  # the rounding warning only: R443 speaks of an SLA below the latency


def test_a_latency_of_seconds_warns_at_the_latency_for_both_bounds() -> None:
    block, found = freshness(latency="3601s")  # warn 7202 s, error 14404 s: neither whole minutes
    assert block == {"warn_after": minutes(121), "error_after": minutes(241)}
    assert [(code, path) for code, path, _ in found] == [("R488", ("latency",)), ("R488", ("latency",))]
