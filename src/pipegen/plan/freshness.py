"""The batch layer's source freshness bounds (dbt's `freshness` block of every landed source) and
the one warning about them:

- warn after twice the latency (at least an hour: the batch layer's runs), error after
  `monitoring.freshness_sla` (default four times that latency), never before the warning;
- dbt counts a period in whole minutes, hours or days (`period: minute | hour | day`): a bound of
  whole minutes is written exactly in the largest unit that divides it, any other is rounded up
  to the next whole minute (a check never fails data that is still within the bound) and R488
  says so at the spec value the bound comes from.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from pipegen.plan.components import Graph, Kind
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Spec
from pipegen.spec.types import format_duration

MIN_LATENCY_S = 3600.0  # the batch layer's freshness counts at least hourly runs
DBT_PERIODS = (("day", 86400), ("hour", 3600), ("minute", 60))  # dbt's freshness periods, largest first


class Bound(NamedTuple):
    """A freshness bound in seconds and the spec value it comes from."""

    seconds: float
    path: tuple[str | int, ...]


def freshness_bounds(spec: Spec) -> tuple[Bound, Bound]:
    """(warn, error) of the landed sources' freshness. An SLA below the warning bound errors at the
    warning bound: the batch layer lands at most hourly (a Lambda plan's speed layer keeps the
    SLA; Prometheus' freshness alert holds it exactly)."""
    warn = Bound(2 * max(spec.latency, MIN_LATENCY_S), ("latency",))
    sla = spec.monitoring.freshness_sla
    if sla is None:
        return warn, Bound(2 * warn.seconds, ("latency",))
    if sla <= warn.seconds:
        return warn, warn
    return warn, Bound(sla, ("monitoring", "freshness_sla"))


def dbt_period(seconds: float) -> tuple[int, str]:
    """(count, period) of dbt's freshness: exact for whole minutes, else the next whole minute."""
    minutes = math.ceil(seconds / 60)
    for name, size in DBT_PERIODS:
        if (minutes * 60) % size == 0:
            return minutes * 60 // size, name
    raise AssertionError("unreachable: every whole minute is a count of minutes")


def freshness_findings(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R488 at each bound dbt's whole minutes cannot express (when dbt checks landed sources)."""
    if Kind.SQL_MODELS not in graph.kinds or not graph.batch_sources:
        return
    for level, bound in zip(("warn_after", "error_after"), freshness_bounds(spec), strict=True):
        count, period = dbt_period(bound.seconds)
        if bound.seconds % 60 == 0:
            continue
        yield Finding(
            bound.path, "R488",
            f"dbt's source freshness `{level}` of {format_duration(bound.seconds)} is checked as {count} {period}"
            f"{'s' if count > 1 else ''}: dbt counts freshness in whole minutes, hours or days, so the bound is "
            "rounded up to the next whole minute",
            "give the duration in whole minutes (e.g. 17m or 2h), or accept the rounding",
            severity="warning", on_key=True,
        )  # fmt: skip
