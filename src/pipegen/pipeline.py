"""The one-way flow, end to end: load -> validate -> plan -> render. `validate`, `plan`
and `generate` all go through `check`, so what validates clean also generates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipegen import __version__
from pipegen.errors import SpecError
from pipegen.plan.plan import Plan, make_plan
from pipegen.spec.diagnostics import Diagnostic, sort_diagnostics
from pipegen.spec.model import Spec
from pipegen.spec.validate import Checked, check_file, locate

if TYPE_CHECKING:
    from pipegen.generators.base import Files


@dataclass(frozen=True)
class Ready:
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


def prepare(path: Path) -> Ready:
    """check(), raising SpecError when anything is an error."""
    checked, plan = check(path)
    if not checked.ok or plan is None or checked.spec is None:
        raise SpecError(checked.diagnostics)
    return Ready(checked.spec, plan, checked.diagnostics)


def families_for(spec: Spec, plan: Plan) -> list[str]:
    from pipegen.generators.registry import REGISTRY

    return [name for name, gen in REGISTRY.items() if gen.applies(spec, plan)]


def render_tree(spec: Spec, plan: Plan) -> Files:
    """Every generated file, in memory (generator modules are imported only here)."""
    from pipegen.generators.base import GenContext, merge
    from pipegen.generators.registry import REGISTRY

    families = families_for(spec, plan)
    ctx = GenContext(spec, plan, frozenset(families), __version__)
    return merge({name: REGISTRY[name].render(ctx) for name in families})


def spec_hash(spec: Spec) -> str:
    canonical = json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
