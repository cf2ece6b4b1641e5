"""The one-way flow, end to end: load -> validate -> plan -> render. `validate`, `plan`
and `generate` all go through `check`, so what validates clean also generates."""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable

from pipegen import __version__
from pipegen.plan.plan import Plan, make_plan, plan_findings
from pipegen.spec.diagnostics import Diagnostic, SpecError, sort_diagnostics
from pipegen.spec.index import forget
from pipegen.spec.model import Spec
from pipegen.spec.validate import Checked, check_file, locate

if TYPE_CHECKING:
    from pipegen.generators.base import Declaration, Family, Files


class Ready(NamedTuple):
    """A spec that validated, its plan, and its warnings."""

    spec: Spec
    plan: Plan
    diagnostics: list[Diagnostic]


def check(path: Path) -> tuple[Checked, Plan | None]:
    """Validate a spec file and, when its structure is sound, plan it (plan findings included)."""
    checked = check_file(path)
    if checked.spec is None or not checked.ok:
        return checked, None
    plan = make_plan(checked.spec)
    checked.diagnostics = sort_diagnostics([*checked.diagnostics, *locate(checked, list(plan.findings))])
    return checked, plan


def validate(path: Path) -> Checked:
    """check() for `validate`: the same diagnostics, the plan's findings made without building
    the rest of the plan (its naming layer is for generation)."""
    checked = check_file(path)
    if checked.spec is None or not checked.ok:
        return checked
    findings = plan_findings(checked.spec)
    checked.diagnostics = sort_diagnostics([*checked.diagnostics, *locate(checked, list(findings))])
    return checked


def prepare(path: Path) -> Ready:
    """check(), raising SpecError when anything is an error."""
    checked, plan = check(path)
    if not checked.ok or plan is None or checked.spec is None:
        raise SpecError(checked.diagnostics)
    return Ready(checked.spec, plan, checked.diagnostics)


def families_for(plan: Plan) -> list[Family]:
    """The families generated for a plan: those its component graph needs that this version
    generates (the rest are reported as planned in the generated docs)."""
    from pipegen.generators.registry import REGISTRY

    return REGISTRY.generated(plan)


def needed_families(plan: Plan) -> list[Declaration]:
    """Every family the plan needs, generated or planned, in registry order."""
    from pipegen.generators.registry import REGISTRY

    return REGISTRY.needed(plan)


def render_tree(spec: Spec, plan: Plan, previous: Callable[[str], str | None] | None = None) -> Files:
    """Every generated file, in memory (generator modules are imported only here).

    Two passes: every family contributes to the shared files, then every family renders
    with the merged contributions in its context. `previous` reads the last generated copy
    of a file (`.pipegen/base/`), for families that report what changed since (gx)."""
    from pipegen.generators.base import collect, merge
    from pipegen.generators.registry import REGISTRY

    ctx = REGISTRY.context(spec, plan, __version__, previous)
    generators = REGISTRY.generators
    families = [f for f in generators if f in ctx.families]  # registry order
    shared = collect({f: generators[f].contribute(ctx) for f in families})
    ctx = replace(ctx, shared=shared)
    return merge({f: generators[f].render(ctx) for f in families})


def renderer(ready: Ready) -> Callable[[Callable[[str], str | None]], Files]:
    """render_tree for this spec, given the reader of the last generated copies: what the write
    stage calls under the output's lock (generate, --check and status all render through it).

    It renders once and then lets go of the spec and its plan (and the spec's shared index), so
    the validated models are freed before the write stage decides and writes: at 5,000 tables
    they are ~100 MiB beside the rendered tree (docs/benchmarks.md). A caller that passes
    `ready` here keeps no other reference to it."""
    held = [ready]

    def render(previous: Callable[[str], str | None]) -> Files:
        if not held:
            raise RuntimeError("a renderer renders once (it lets go of its spec after rendering)")
        spec, plan, _ = held.pop()
        # The heap alive now (the spec's models, its index, the plan) lives through the rendering: frozen,
        # the collector leaves it alone (reference counting still frees it), where the middle generation's
        # collection the rendering sets off rescanned it all to find nothing (docs/benchmarks.md, s49).
        # A caller that froze objects itself keeps its own: then nothing is frozen or unfrozen here.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            return render_tree(spec, plan, previous)
        finally:
            if freeze:
                gc.unfreeze()
            forget(spec)

    return render


def spec_hash(spec: Spec) -> str:
    import hashlib  # not at import: `validate` never hashes (~3 ms of its start)

    canonical = json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
