"""Helpers for the orchestrator tests: every batch example under each orchestrator, and
rendering with stand-in run steps for families that are not generated yet (so the DAG and
the flow are exercised with the ingestion split and a quality step)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipegen import __version__
from pipegen.generators.base import Contribution, Files, GenContext, RunStep, collect, merge
from pipegen.generators.registry import GENERATORS as REGISTRY
from pipegen.generators.registry import REGISTRY as DECLARATIONS
from pipegen.pipeline import families_for, prepare
from pipegen.plan.plan import Plan, make_plan
from pipegen.spec.model import Orchestrator, Spec
from tests.conftest import example_specs

# Run steps of families being built elsewhere, as their issue states them (ingestion: order
# 20, `pipeline.ingest`; synthetic data before it; quality after dbt).
SYNTHESIZE = RunStep(10, "synthesize", "make the local stand-in data", ("-m", "pipeline.synthesize"))
INGEST = RunStep(20, "ingest", "load every source into the local warehouse (dlt)", ("-m", "pipeline.ingest", "--local"))
QUALITY = RunStep(50, "quality", "Great Expectations checkpoint", ("-m", "pipeline.quality"))
STAND_INS = (SYNTHESIZE, INGEST, QUALITY)


def orchestrated(orchestrator: Orchestrator) -> list[tuple[str, Spec, Plan]]:
    """Every example spec whose plan has a batch layer, switched to `orchestrator`."""
    out = []
    for path in example_specs():
        spec = prepare(path).spec.model_copy(update={"orchestrator": orchestrator})
        plan = make_plan(spec)
        if plan.graph.batch_sources:
            out.append((path.stem, spec, plan))
    return out


def render_with(spec: Spec, plan: Plan, extra_steps: tuple[RunStep, ...] = ()) -> tuple[Files, GenContext]:
    """render_tree, plus run steps of not-yet-generated families (stand-ins)."""
    families = families_for(plan)
    ctx = DECLARATIONS.context(spec, plan, __version__)  # as pipeline.render_tree builds it
    parts = {f: REGISTRY[f].contribute(ctx) for f in families}
    contributed = {step.name for part in parts.values() for step in part.run_steps}
    missing = tuple(step for step in extra_steps if step.name not in contributed)  # a real step wins
    if missing:
        own = parts.get("ingestion", Contribution())
        parts["ingestion"] = replace(own, run_steps=(*own.run_steps, *missing))
    ctx = replace(ctx, shared=collect(parts))
    return merge({f: REGISTRY[f].render(ctx) for f in families}), ctx


def write(files: Files, root: Path) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
