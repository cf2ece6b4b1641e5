"""Spec text cannot switch a rule off or change a literal's meaning, over drawn values: for accepted
values and string literals drawn from the spec generator's hostile vocabulary (tests/specgen/
hostile.py: quotes, backslashes, comment markers, Jinja and other template markers, injection
shapes, Unicode), what pipegen generates for a column named by a reserved word still means what the
spec says, judged by DuckDB (one process for every drawn case):

- the dbt accepted-values test as dbt gets it (the generated staging properties YAML, its
  Jinja-inert strings rendered back by Jinja, the `pipegen_accepted_values` test and
  `pipegen_string_literal` macros rendered by Jinja for DuckDB) returns exactly the one row whose
  value is not listed, over rows holding every listed value;
- a derived column comparing the column with a drawn literal, as the generated staging model
  writes it for DuckDB (rendered by Jinja, as dbt renders models), is true on the row holding
  that text and false on the row holding another.

Expected outcomes come from the drawn values themselves, never from pipegen; the rows reach DuckDB
as literals written by DuckDB's documented rule (a quote doubled, nothing else escaped)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pipegen.render.sqlexpr import to_sql
from tests.specgen import hostile
from tests.specgen.invariant import static

ROOT = Path(__file__).parents[2]
MACROS = ROOT / "templates" / "dbt" / "static"
DRIVER = ROOT / "tests" / "judges" / "sql_driver.py"
COLUMN = "select"  # reserved in every dialect pipegen writes
EXAMPLES = 40


def duck(value: str) -> str:
    """A DuckDB string literal, by DuckDB's rule (independent of pipegen's escaping)."""
    return "'" + value.replace("'", "''") + "'"


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    values = list(dict.fromkeys(hostile.text(draw, refusable=False) for _ in range(draw(st.integers(1, 4)))))
    first = values[0]
    near = [first + "x", "x" + first, first[:-1], first.replace("'", "''"), first.replace("\\", "\\\\"),
            first.replace('"', "'"), first.upper(), "' or '1'='1", "", "%"]  # fmt: skip
    bad = next(v for v in (hostile.pick(draw, near), *near, "not listed") if v not in values)
    literal = hostile.text(draw, refusable=False)
    other = next(v for v in (literal + " ", literal[1:], "x") if v != literal)
    return {"values": values, "bad": bad, "literal": literal, "other": other}


def drawn(count: int, seed_value: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    @seed(seed_value)
    @settings(max_examples=count, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(cases())
    def collect(case: dict[str, Any]) -> None:
        if len(out) < count:
            out.append(case)

    collect()
    return out


def spec(case: dict[str, Any]) -> dict[str, Any]:
    column = {"name": COLUMN, "type": "string", "accepted_values": case["values"]}
    table = {
        "name": "order",
        "primary_key": "id",
        "columns": [{"name": "id", "type": "bigint", "not_null": True, "unique": True}, column],
        "derived": [{"name": "hit", "expr": f'"{COLUMN}" = {duck(case["literal"])}', "type": "boolean"}],
    }
    return {
        "version": 1,
        "pipeline": {"name": "drawn"},
        "latency": "1h",
        "architecture": "elt",
        "sources": [{"name": "app", "type": "postgres", "tables": [table],
                     "connection": {"host": "db", "password": "${secret:APP_PASSWORD}"}}],
        "targets": [{"name": "wh", "type": "duckdb"}],
    }  # fmt: skip


def _find(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, list):
        return next((found for item in node if (found := _find(item, key)) is not None), None)
    return None


def macros() -> Any:
    """The accepted-values test and string-literal macros as dbt-duckdb renders them (dispatch to
    `duckdb__` or `default__`, `return` hands back the value)."""
    text = (MACROS / "macros" / "pipegen_string_literal.sql").read_text(encoding="utf-8")
    test = (MACROS / "tests" / "generic" / "pipegen_accepted_values.sql").read_text(encoding="utf-8")
    test = test.replace("{% test ", "{% macro ").replace("{% endtest %}", "{% endmacro %}")
    env = jinja2.Environment()
    module: Any = None

    def dispatch(name: str) -> Any:
        return getattr(module, f"duckdb__{name}", None) or getattr(module, f"default__{name}")

    env.globals.update({"adapter": SimpleNamespace(dispatch=dispatch), "return": lambda value: value})
    module = env.from_string(text + test).module
    return module


def statements(case: dict[str, Any], files: dict[str, str], module: Any) -> list[str]:
    staging = next(t for path, t in files.items() if path.startswith("dbt/models/") and "pipegen_accepted" in t)
    test = _find(YAML(typ="safe").load(staging), "pipegen_accepted_values")
    values = [jinja2.Environment().from_string(v).render() if isinstance(v, str) else v for v in _find(test, "values")]
    rows = ", ".join(f"({duck(v)})" for v in [*case["values"], case["bad"]])
    model = f'(SELECT * FROM (VALUES {rows}) AS t("{COLUMN}"))'
    check = str(module.pipegen_accepted_values(model=model, column_name=f'"{COLUMN}"', values=values))
    expr = to_sql(f'"{COLUMN}" = {duck(case["literal"])}', "duckdb", lambda _q, c: (None, c))
    model_sql = next(text for path, text in files.items() if path.endswith("stg_app__order.sql"))
    assert expr in model_sql, f"{expr} is not what the staging model writes:\n{model_sql}"
    hit = jinja2.Environment().from_string(expr).render()
    literals = f"VALUES (1, {duck(case['literal'])}), (2, {duck(case['other'])})"
    return [
        f"SELECT to_json(list(value_field)) FROM ({check})",
        f'SELECT to_json(list({hit} ORDER BY k)) FROM ({literals}) AS t(k, "{COLUMN}")',
    ]


@pytest.fixture(scope="module")
def judged(batch_python: Path) -> list[tuple[dict[str, Any], list[Any]]]:
    module = macros()
    drawn_cases = drawn(EXAMPLES, 19)
    sql: list[str] = []
    for case in drawn_cases:
        outcome = static(spec(case))
        assert outcome.valid, (case, outcome.errors)
        sql += statements(case, outcome.files, module)
    proc = subprocess.run(
        [str(batch_python), str(DRIVER), "duckdb"], input=json.dumps(sql), capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) == 2 * len(drawn_cases) == 2 * EXAMPLES
    return [(case, results[2 * i : 2 * i + 2]) for i, case in enumerate(drawn_cases)]


@pytest.mark.judge
def test_the_accepted_values_test_fails_exactly_on_the_unlisted_row_whatever_the_values_say(
    judged: list[tuple[dict[str, Any], list[Any]]],
) -> None:
    for case, ((ok, found), _) in judged:
        assert ok, (case, found)
        assert json.loads(found) == [case["bad"]], case


@pytest.mark.judge
def test_a_drawn_literal_in_an_expression_means_exactly_its_text(
    judged: list[tuple[dict[str, Any], list[Any]]],
) -> None:
    for case, (_, (ok, found)) in judged:
        assert ok, (case, found)
        assert json.loads(found) == [True, False], case


def test_the_drawn_cases_hold_every_kind_of_hostile_text() -> None:
    """The draws reach quotes, backslashes, comment and Jinja markers and non-ASCII text."""
    texts = [v for case in drawn(EXAMPLES, 19) for v in (*case["values"], case["literal"])]
    for marker in ("'", "\\", "--", "/*", "{{", "{%"):
        assert any(marker in t for t in texts), marker
    assert any(not t.isascii() for t in texts)
