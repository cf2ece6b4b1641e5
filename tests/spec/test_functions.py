"""The function catalogue (spec/functions.py): validate refuses what it does not hold (R300),
the wrong number of arguments or a unit it does not take (R301), a function without a
translation for a dialect the expression reaches (R302, naming the dialect); and every
translation for a dialect no engine here runs parses back in sqlglot's own dialect.
(Translations are proven by execution in tests/judges/test_function_catalogue.py.)"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlglot
from ruamel.yaml import YAML

from pipegen.spec import functions
from pipegen.spec.expr import check, parse
from pipegen.spec.model import Spec, TargetType
from pipegen.spec.reach import dbt_dialects
from pipegen.spec.scope import Input, Kind, Scope
from pipegen.spec.validate import check_bytes
from tests.conftest import BASE_SPEC, spec_data

EVENTS = Input("events", {"amount": "decimal(12,2)", "name": "string", "at": "timestamp"})


def problems(text: str, dialects: frozenset[str] = frozenset({"duckdb"})) -> list[tuple[str, str, str]]:
    return [(p.code, p.message, p.hint) for p in check(text, Kind.SCALAR, Scope((EVENTS,), dialects=dialects))]


@pytest.mark.parametrize(
    "text",
    ["upper(name)", "substr(name, 2)", "round(amount, 1)", "date_trunc('month', at)", "date_add(day, 3, at)",
     "date_diff(day, at, current_timestamp)", "coalesce(name, 'x')", "ifnull(name, 'x')", "dayofweek(at)",
     "to_timestamp(from_unixtime(amount))", "extract(quarter from at)", "cast(amount as int) % 7"],
)  # fmt: skip
def test_catalogue_calls_are_accepted(text: str) -> None:
    assert problems(text) == []


def test_an_unknown_function_is_refused_with_the_nearest_catalogue_function() -> None:
    [(code, message, hint)] = problems("uper(name)")
    assert code == "R300" and "'uper'" in message and "'upper'" in hint


def test_a_mysql_only_function_is_refused() -> None:
    [(code, message, _)] = problems("date_format(at, '%Y')")
    assert code == "R300" and "date_format" in message


@pytest.mark.parametrize(
    "text",
    [
        "concat(name)",
        "from_unixtime()",
        "to_timestamp(name, 'yyyy')",
        "date_add('day', at)",
        "nullif(name)",
        "lower(name, name)",
        "upper()",
        "abs(amount, 2)",
        "substring(name)",
        "round(amount, 1, 2)",
    ],
)
def test_a_wrong_argument_count_is_refused_with_the_signature(text: str) -> None:
    found = problems(text)
    assert [c for c, _, _ in found] == ["R301"], found
    name = functions.lookup(text.split("(", maxsplit=1)[0])
    assert name is not None and name.signature() in found[0][2]


def test_a_unit_outside_the_catalogue_is_refused_with_the_units() -> None:
    [(code, message, hint)] = problems("date_trunc('week', at)")
    assert code == "R301" and "'week'" in message and "month" in hint


def test_a_function_without_a_translation_names_the_dialect_and_what_to_write_instead() -> None:
    [(code, message, hint)] = problems("date_trunc('month', at)", frozenset({"duckdb", "mysql"}))
    assert code == "R302" and "mysql" in message and hint.startswith("instead:")


def _validate(data: dict[str, Any]) -> list[tuple[str, str]]:
    from io import StringIO

    buf = StringIO()
    YAML().dump(data, buf)
    checked = check_bytes(buf.getvalue().encode(), "spec.yaml")
    return [(d.code, d.path) for d in checked.diagnostics if d.code.startswith("R30")]


def test_validate_locates_an_unknown_function_in_a_derived_column() -> None:
    data = copy.deepcopy(BASE_SPEC)
    data["sources"][0]["tables"][0]["derived"] = [{"name": "big", "expr": "amount_squared(amount)", "type": "double"}]
    assert _validate(data) == [("R300", "sources[0].tables[0].derived[0].expr")]


def test_a_stream_job_expression_reaches_flink() -> None:
    data = copy.deepcopy(BASE_SPEC)
    data["latency"] = "1m"
    data["sources"][0]["ingestion"] = "cdc"
    data["sources"][0]["tables"][0]["derived"] = [{"name": "d", "expr": "dayofweek(updated_at)", "type": "int"}]
    assert _validate(data) == []
    reached = functions.CATALOGUE["date_trunc"]
    assert reached.supported("flink")


def _rendered_in(dialect: str) -> list[str]:
    out = []
    for entry in functions.CATALOGUE.values():
        if entry.templates.get(dialect) and entry.supported(dialect):
            args = [f"a{i}" if a.kind != functions.ArgKind.UNIT else (entry.units or ("day",))[0]
                    for i, a in enumerate(entry.args)]  # fmt: skip
            out.append(functions._fill(entry.templates[dialect], args, (entry.units or ("day",))[0]))
    return out


@pytest.mark.parametrize("dialect", [d for d in functions.DIALECTS if d not in functions.EXECUTED])
def test_templates_of_dialects_that_cannot_run_here_parse_back_in_sqlglot(dialect: str) -> None:
    texts = _rendered_in(dialect)
    for text in texts:
        sqlglot.parse_one(text, read="spark" if dialect == "databricks" else dialect)


@pytest.mark.parametrize("dialect", [d for d in functions.DIALECTS if d not in functions.EXECUTED])
def test_every_case_of_the_execution_test_renders_and_parses_back(dialect: str) -> None:
    from tests.judges.test_function_catalogue import CASES

    for expr, _ in CASES:
        tree = parse(expr).tree
        assert tree is not None
        names = {functions.called_name(n) for n in tree.walk() if functions.is_call(n)}
        if all(functions.supported(n, dialect) for n in names):
            sqlglot.parse_one(functions.translate(tree, dialect), read=dialect)


def test_every_entry_is_documented_data() -> None:
    for entry in functions.CATALOGUE.values():
        assert entry.summary and entry.result in functions.ArgKind
        assert set(entry.templates) <= set(functions.DIALECTS)
        assert set(entry.unsupported) <= set(functions.DIALECTS)
        assert all(a.kind != functions.ArgKind.UNIT for a in entry.args) or entry.units


@pytest.mark.parametrize("target", [t.value for t in TargetType])
def test_the_dialects_validate_checks_marts_against_are_those_dbt_writes(target: str) -> None:
    from pipegen.generators.dbt.generator import dialects_of

    spec = Spec.model_validate(spec_data(targets=[{"name": "wh", "type": "duckdb"}, {"name": "t", "type": target}]))
    assert dbt_dialects(spec.targets) == set(dialects_of(spec).dialect.values())


def test_a_mart_reaching_a_dialect_without_the_function_is_refused_there() -> None:
    data = copy.deepcopy(BASE_SPEC)
    data["targets"].append({"name": "syn", "type": "synapse"})
    data["transforms"] = {
        "marts": [{"name": "big_orders", "from": "orders", "filter": "regexp_like(cast(order_id as varchar), '^1')"}]
    }
    assert _validate(data) == [("R302", "transforms.marts[0].filter")]


@pytest.mark.parametrize(
    ("text", "duckdb"),
    [
        ("269 * kind", "CAST(269 AS INT) * kind"),
        ("kind + 1", "kind + CAST(1 AS INT)"),
        ("-5 * kind", "CAST(-5 AS INT) * kind"),
        ("kind * (7)", "kind * CAST((7) AS INT)"),  # parenthesized, as expr.py reads a literal
        ("kind - 3000000000", "kind - CAST(3000000000 AS BIGINT)"),
        ("kind * (2 + other)", "kind * (CAST(2 AS INT) + other)"),
        ("1 + 2", "1 + 2"),  # no column: both literals, nothing to type
        ("kind * 1.5", "kind * 1.5"),  # a decimal literal is a DECIMAL already
        ("kind / 2", "kind / 2"),  # a quotient is a double in DuckDB: no overflow
    ],
)
def test_duckdb_gets_integer_literals_typed_as_integer_where_other_dialects_keep_them_bare(
    text: str, duckdb: str
) -> None:
    # DuckDB types `269 * kind` with a SMALLINT kind as SMALLINT and overflows (the corpus fixture
    # integer_literal_times_smallint runs it); PostgreSQL, Flink, Spark, MySQL compute in INTEGER
    tree = functions.canonical(sqlglot.parse_one(text))
    assert functions.generate(tree, "duckdb") == duckdb
    assert " AS INT)" not in functions.generate(tree, "postgres")  # PostgreSQL types the literal INTEGER itself
    assert functions.generate(tree, "duckdb") == duckdb  # the tree itself was not changed
