"""Spec text cannot switch a GX expectation off: the hostile spec of tests/hostile/cases.py (every
name a reserved word, accepted values shaped like SQL injection, a regex with a quote and a
backslash, table rules on a column named `where`) landed in DuckDB, built by dbt, then validated by
the generated GX runner: every expectation of the good table passes, and on the bad table exactly
the rules its rows break fail, for every rule kind GX checks per run. Expected outcomes come from
the rows in cases.py, not from pipegen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.spec import rulekinds
from tests.conftest import generate
from tests.families.test_hostile_dbt import DRIVER, raw_data
from tests.hostile import cases
from tests.judges import offline_env

NOW = "2026-01-31T00:00:00+00:00"
COLUMNS = list(cases.COLUMNS)
# (column or "table", rule) every table's suite checks
CHECKED = {("select", "not_null"), ("select", "unique"), ("order", "accepted_values"), ("group", "range"),
           ("user", "regex"), ("from", "foreign_key"), ("Desc", "not_null"), ("case", "unique"),
           ("where", "not_null"), ("table", "row_count"), ("table", "freshness"),
           ("table", "expected_columns")}  # fmt: skip
# what the bad rows break (select and where hold; the columns are the declared ones)
BROKEN = {("order", "accepted_values"), ("group", "range"), ("user", "regex"), ("from", "foreign_key"),
          ("Desc", "not_null"), ("case", "unique"), ("table", "row_count"), ("table", "freshness")}  # fmt: skip


def rule_of(spec_path: str) -> tuple[int, str, str]:
    """'sources[0].tables[2].columns[3].range' -> (2, 'regex'...); table rules -> (2, 'table', kind)."""
    parts = spec_path.split(".")
    table = int(parts[1].split("[")[1].rstrip("]"))
    if parts[2].startswith("columns["):
        return table, COLUMNS[int(parts[2].split("[")[1].rstrip("]"))], parts[3]
    return table, "table", parts[3]


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory, batch_python: Path) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("hostile_gx")
    spec = tmp / "pipegen.yaml"
    YAML().dump(cases.spec(), spec)
    project = tmp / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    data = tmp / "raw.json"
    data.write_text(json.dumps(raw_data()))
    env = {**offline_env(tmp / "home"), "PIPEGEN_QUALITY_NOW": NOW}
    built = subprocess.run([str(batch_python), str(DRIVER), str(project), str(data)],
                           capture_output=True, text=True, timeout=900, check=False, env=env)  # fmt: skip
    assert built.returncode == 0, built.stderr
    models = {u for u, s in json.loads(built.stdout)["results"].items() if u.startswith("model.") and s == "success"}
    assert len(models) == 4, built.stdout  # the staged tables and the mart exist, whatever their tests said
    run = subprocess.run([str(batch_python), "-m", "pipeline.quality", "--on-failure", "warn"], cwd=project,
                         capture_output=True, text=True, timeout=900, check=False, env=env)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    log = project / "quality" / "events.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


def checks(emitted: list[dict[str, Any]], table: int, event_type: str) -> set[tuple[str, str]]:
    out = set()
    for e in emitted:
        if e["event_type"] == event_type:
            for f in e.get("failed_expectations", []):
                t, column, rule = rule_of(f["spec_path"])
                if t == table:
                    out.add((column, rule))
    return out


@pytest.mark.judge
def test_the_hostile_columns_cover_every_rule_kind_gx_checks_per_run() -> None:
    judged = {rule for _, rule in CHECKED}
    with_gx = {k.name for k in rulekinds.kinds() if k.gx is not None}
    assert with_gx == judged  # drift has no GX expectation: the runner compares runs (rulekinds REASONS)


@pytest.mark.judge
def test_the_good_table_passes_every_expectation(emitted: list[dict[str, Any]]) -> None:
    passed = [e for e in emitted if e["event_type"] == "ValidationPassed"]
    assert any("order" in e["suite"] for e in passed), [e["suite"] for e in emitted]
    assert checks(emitted, 1, "ValidationFailed") == set()


@pytest.mark.judge
def test_the_bad_table_fails_exactly_the_rules_its_rows_break(emitted: list[dict[str, Any]]) -> None:
    assert checks(emitted, 2, "ValidationFailed") == BROKEN
    assert BROKEN < CHECKED
