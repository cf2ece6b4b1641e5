"""The one count of the plan's Flink jobs (common/stream_landing.flink_job_count), which compose's session
cluster sizes its slots by, equals the jobs the flink family builds: its stream, quality and bronze jobs.
Long run class 53 was the two drifting apart (compose counted no Lakehouse bronze jobs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipegen import __version__
from pipegen.common.stream_landing import flink_job_count
from pipegen.generators.flink.generator import bronze_jobs, build_jobs, quality_jobs
from pipegen.generators.registry import REGISTRY
from pipegen.pipeline import prepare
from pipegen.plan.components import Kind
from tests.conftest import REPO

SPECS = sorted([*(REPO / "specs").glob("*.yaml"), *(REPO / "tests" / "corpus").glob("*.yaml")])


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_count_equals_the_flink_familys_jobs(path: Path) -> None:
    ready = prepare(path)
    plan = ready.plan
    counted = flink_job_count(ready.spec, plan.architecture, plan.graph.kinds)
    if Kind.FLINK_JOBS not in plan.graph.kinds:
        assert counted == 0
        return
    ctx = REGISTRY.context(ready.spec, plan, __version__, None)
    built = build_jobs(ctx) + quality_jobs(ctx) + bronze_jobs(ctx)
    assert counted == len(built) > 0
