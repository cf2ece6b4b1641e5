"""`pipegen validate` makes the plan's findings without the rest of the plan
(pipeline.validate, plan.plan_findings): its diagnostics are check()'s, and its findings
make_plan()'s, on every example. (tests/invalid runs every invalid fixture through validate
against expected.txt.)"""

from __future__ import annotations

from pathlib import Path

from pipegen.pipeline import check, validate
from pipegen.plan.plan import plan_findings
from tests.conftest import REPO

EXAMPLES = sorted((REPO / "specs").glob("*.yaml"))


def test_validate_reports_what_check_reports_and_the_plans_findings_on_every_example() -> None:
    planned = 0
    for path in EXAMPLES:
        checked, plan = check(path)
        assert validate(Path(path)).diagnostics == checked.diagnostics, path.name
        if plan is not None and checked.spec is not None:
            assert plan_findings(checked.spec) == plan.findings, path.name
            planned += 1
    assert planned >= 5
