"""`pipegen validate` makes the plan's findings without the rest of the plan
(pipeline.validate, plan.plan_findings): its diagnostics are check()'s, and its findings
make_plan()'s, on every example and every invalid fixture."""

from __future__ import annotations

from pathlib import Path

from pipegen.pipeline import check, validate
from pipegen.plan.plan import plan_findings
from tests.conftest import REPO

SPECS = sorted((REPO / "specs").glob("*.yaml")) + sorted((REPO / "tests" / "invalid" / "fixtures").glob("*.yaml"))


def test_validate_reports_what_check_reports_on_every_example_and_fixture() -> None:
    compared = 0
    for path in SPECS:
        assert validate(Path(path)).diagnostics == check(Path(path))[0].diagnostics, path.name
        compared += 1
    assert compared > 100


def test_plan_findings_are_the_plans_on_every_valid_example() -> None:
    planned = 0
    for path in sorted((REPO / "specs").glob("*.yaml")):
        checked, plan = check(path)
        if plan is None or checked.spec is None:
            continue
        assert plan_findings(checked.spec) == plan.findings, path.name
        planned += 1
    assert planned >= 5
