"""The invariant a drawn spec is held to, in stages (cheapest first):

1. static: `validate` refuses it with located errors (every error has a line and a column,
   a code and a hint or message), or it plans and renders every file without an exception;
2. the judges (tests/specgen/judges.py): the generated project's local run (dlt, dbt build on
   DuckDB, GX), Airflow's DagBag, PyFlink's planner over every statement, run in batches, one
   process per tool for many projects.

`Outcome.failure` is None when the spec met the invariant so far, else a short failure class
(what benchmarks/corpus.py counts) and its detail."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from ruamel.yaml import YAML

from pipegen.pipeline import render_tree
from pipegen.plan.plan import make_plan
from pipegen.spec.diagnostics import sort_diagnostics
from pipegen.spec.validate import check_bytes, locate


def to_yaml(spec: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    out = StringIO()
    yaml.dump(spec, out)
    return out.getvalue()


@dataclass
class Outcome:
    text: str
    valid: bool = False
    errors: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    failure: str | None = None
    detail: str = ""


def static(spec: dict[str, Any], render: bool = True) -> Outcome:
    """Validate, plan and render in memory; a crash anywhere, or an unlocated error, fails.
    Without `render`, a valid spec's files are left to the caller, which renders them itself
    (`pipegen generate`, the ledger's baseline): validate and plan only, `files` empty."""
    text = to_yaml(spec)
    outcome = Outcome(text)
    try:
        checked = check_bytes(text.encode(), "pipegen.yaml")
        diagnostics = list(checked.diagnostics)
        plan = None
        if checked.ok and checked.spec is not None:
            plan = make_plan(checked.spec)
            diagnostics = sort_diagnostics([*diagnostics, *locate(checked, list(plan.findings))])
        errors = [d for d in diagnostics if d.severity == "error"]
        outcome.errors = [d.format_text() for d in errors]
        unlocated = [d for d in errors if d.line < 1 or d.column < 1 or not d.code or not d.message]
        if unlocated:
            return _fail(outcome, "unlocated error", unlocated[0].format_text())
        if errors or plan is None or checked.spec is None:
            return outcome
        outcome.valid = True
        outcome.files = dict(render_tree(checked.spec, plan)) if render else {}
    except Exception as exc:  # the invariant: validate refuses or everything renders
        return _fail(outcome, f"crash: {type(exc).__name__}", traceback.format_exc(limit=-4))
    return outcome


def _fail(outcome: Outcome, failure: str, detail: str) -> Outcome:
    outcome.failure = failure
    outcome.detail = detail
    return outcome
