"""Spec text cannot switch a dbt test off: with every name a reserved word and hostile values in
each rule's own fields (an accepted value shaped `x') and 1=0 and ('a' = 'a`, quotes, backslashes,
comment and Jinja markers; a regex with a quote and a backslash), dbt on DuckDB runs every test of
each dbt rule kind, each passes on the table holding good rows and fails on the one holding bad
rows; the same rules on a mart's outputs (cases.RULE_MARTS) pass on a mart over the good rows and
fail, exactly where the rows break them, on a mart over the bad rows. Expected outcomes come from
the rows in tests/hostile/cases.py, not from pipegen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pipegen.spec import rulekinds
from tests.conftest import generate
from tests.hostile import cases
from tests.judges import offline_env

DRIVER = Path(__file__).with_name("dbt_driver.py")
DUCK = {"bigint": "bigint", "string": "varchar", "decimal(12,2)": "decimal(12,2)", "timestamp": "timestamp"}
# the dbt test each column's rule becomes (dbt lowercases nothing: names as the staged columns)
EXPECTED_TESTS = {"select": {"not_null", "unique"}, "order": {"pipegen_accepted_values"}, "group": {"pipegen_range"},
                  "user": {"pipegen_regex"}, "from": {"relationships"}, "desc": {"not_null"}, "case": {"unique"},
                  "where": {"not_null"}}  # fmt: skip
# columns whose rule the bad rows break (select and where hold: staging keeps one row per key)
BROKEN = {"order", "group", "user", "from", "desc", "case"}


def raw_data() -> dict[str, Any]:
    columns = {c.lower(): DUCK[t] for c, (t, _) in cases.COLUMNS.items()}

    def rows(source: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k.lower(): v for k, v in r.items()} for r in source]

    return {
        "raw_select.limit": {"columns": {"all": "bigint"}, "rows": cases.PARENT_ROWS},
        "raw_select.order": {"columns": columns, "rows": rows(cases.GOOD_ROWS)},
        "raw_select.table": {"columns": columns, "rows": rows(cases.BAD_ROWS)},
        f"raw_select.{cases.RULE_MARTS['union']}": {"columns": columns, "rows": rows(cases.BAD_ROWS)},
    }


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory, batch_python: Path) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile_dbt")
    spec = tmp / "pipegen.yaml"
    YAML().dump(cases.spec(rule_marts=True), spec)
    project = tmp / "project"
    code, output = generate(spec, project)
    assert code == 0, output
    data = tmp / "raw.json"
    data.write_text(json.dumps(raw_data()))
    run = subprocess.run(
        [str(batch_python), str(DRIVER), str(project), str(data)],
        capture_output=True, text=True, timeout=900, check=False, env=offline_env(tmp / "home"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return {**json.loads(run.stdout), "project": str(project)}


def outcomes(result: dict[str, Any], model: str) -> dict[tuple[str, str], str]:
    return {(name, column.strip('"')): status for name, m, column, status in result["tests"] if m == model}


@pytest.mark.judge
def test_every_dbt_rule_kind_is_covered_by_the_hostile_columns() -> None:
    made = {name for names in EXPECTED_TESTS.values() for name in names}
    with_dbt = {k.name for k in rulekinds.column_kinds() if k.dbt is not None}
    assert with_dbt == {"not_null", "unique", "range", "accepted_values", "regex", "foreign_key"}
    assert {"not_null", "unique", "pipegen_range", "pipegen_accepted_values", "pipegen_regex", "relationships"} == made
    assert all(k.dbt is None for k in rulekinds.table_kinds())  # table kinds are judged in GX


@pytest.mark.judge
def test_models_with_reserved_names_build(result: dict[str, Any]) -> None:
    models = {u.split(".")[2]: s for u, s in result["results"].items() if u.startswith("model.")}
    assert models == {"stg_select__limit": "success", "stg_select__order": "success", "stg_select__table": "success",
                      "stg_select__values": "success", "group": "success", "window": "success",
                      "union": "success"}  # fmt: skip


@pytest.mark.judge
def test_the_mart_with_reserved_names_builds_and_its_test_passes(result: dict[str, Any]) -> None:
    assert outcomes(result, "group") == {("not_null", "limit"): "pass"}


READ_MART = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
schema = con.execute("select table_schema from information_schema.tables where table_name = 'group'").fetchone()[0]
rows = con.execute(f'select "order", "having", "limit", "count" from "{schema}"."group" order by 1').fetchall()
print(json.dumps([[r[0], float(r[1]), float(r[2]), r[3]] for r in rows]))
"""


@pytest.mark.judge
def test_the_mart_computes_what_its_spec_says_over_reserved_columns(result: dict[str, Any], batch_python: Path) -> None:
    """The reference is computed here from GOOD_ROWS: filter `"select" > 0 and "order" is not
    null`, keys order and group * 2, sum(group), count of rows with a user."""
    expected = sorted(
        [r["order"], float(r["group"]) * 2, float(r["group"]), int(r["user"] is not None)]
        for r in cases.GOOD_ROWS
        if r["select"] > 0 and r["order"] is not None
    )
    warehouse = str(Path(result["project"]) / "warehouse.duckdb")
    proc = subprocess.run([str(batch_python), "-c", READ_MART, warehouse], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected


@pytest.mark.judge
def test_each_rule_passes_on_good_rows(result: dict[str, Any]) -> None:
    got = outcomes(result, "stg_select__order")
    expected = {(name, column): "pass" for column, names in EXPECTED_TESTS.items() for name in names}
    assert got == expected, result["stdout"]


@pytest.mark.judge
def test_each_rule_fails_on_bad_rows_whatever_its_values_say(result: dict[str, Any]) -> None:
    got = outcomes(result, "stg_select__table")
    expected = {
        (name, column): "fail" if column in BROKEN else "pass"
        for column, names in EXPECTED_TESTS.items()
        for name in names
    }
    assert got == expected, result["stdout"]


@pytest.mark.judge
def test_each_mart_rule_passes_on_good_rows(result: dict[str, Any]) -> None:
    """A mart's output rules (cases.RULE_MARTS: the same hostile values as the columns') over the good table."""
    good = next(m for m, base in cases.RULE_MARTS.items() if base == "order")
    expected = {(name, column): "pass" for column, names in EXPECTED_TESTS.items() for name in names}
    assert outcomes(result, good) == expected, result["stdout"]


@pytest.mark.judge
def test_each_mart_rule_fails_on_bad_rows_whatever_its_values_say(result: dict[str, Any]) -> None:
    bad = next(m for m, base in cases.RULE_MARTS.items() if base != "order")
    expected = {
        (name, column): "fail" if column in BROKEN else "pass"
        for column, names in EXPECTED_TESTS.items()
        for name in names
    }
    assert outcomes(result, bad) == expected, result["stdout"]
