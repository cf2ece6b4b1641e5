"""Flink SQL rendering: identifiers and strings escaped, spec expressions in Flink's spelling,
types, and the lint that refuses legacy group-window syntax."""

from __future__ import annotations

import pytest

from pipegen.render.flinksql import flink_expr, flink_type, legacy_windows, quote, string
from pipegen.render.sqltypes import ENGINE_TYPES, sql_type
from pipegen.spec.types import CANONICAL_TYPES


def _plain(_qualifier: str, column: str) -> tuple[str | None, str]:
    return None, column


def test_identifiers_are_always_backticked_with_backticks_doubled() -> None:
    assert quote("user") == "`user`"
    assert quote("we`ird") == "`we``ird`"
    with pytest.raises(ValueError, match="identifier"):
        quote("")


def test_string_literals_double_quotes_and_keep_backslashes() -> None:
    assert string("it's") == "'it''s'"
    assert string("a\\b") == "'a\\b'"


def test_option_values_cannot_smuggle_a_runner_variable() -> None:
    with pytest.raises(ValueError, match=r"\$\{"):
        string("${SECRET}")


def test_expression_literals_with_a_runner_variable_become_a_concatenation() -> None:
    sql = flink_expr("note = 'x${SECRET}y'", _plain)
    assert "${" not in sql
    assert "'x$' || '{SECRET}y'" in sql


def test_expressions_use_flink_spelling() -> None:
    assert flink_expr("date(created_at)", _plain) == "CAST(`created_at` AS DATE)"
    assert flink_expr("current_timestamp", _plain) == "CURRENT_TIMESTAMP"
    assert flink_expr("name = 'O''Brien'", _plain) == "`name` = 'O''Brien'"


def test_computed_columns_are_inlined_where_flink_forbids_computed_over_computed() -> None:
    assert (
        flink_expr("ts_ms / 1000", _plain, {"ts_ms": "`m` * 1000"}) == "CAST((`m` * 1000) AS DOUBLE) / 1000"
    )  # true division (TYPED_DIVISION)


@pytest.mark.parametrize(
    ("portable", "flink"),
    [
        ("decimal(10,2)", "DECIMAL(10, 2)"),
        ("timestamp", "TIMESTAMP(3)"),
        ("timestamp(6)", "TIMESTAMP(6)"),
        ("timestamp_tz", "TIMESTAMP_LTZ(3)"),
        ("string", "STRING"),
        ("binary", "BYTES"),
        ("array<int>", "ARRAY<INT>"),
        ("struct<a: int, b: string>", "ROW<`a` INT, `b` STRING>"),
    ],
)
def test_portable_types_map_to_flink_types(portable: str, flink: str) -> None:
    assert flink_type(portable) == flink


def test_one_table_names_every_portable_type_for_every_engine() -> None:
    """render/sqltypes.py's ENGINE_TYPES is the one portable-type map (SQL through sqlglot, Flink):
    a row for every canonical type but decimal (built from its precision and scale)."""
    assert set(ENGINE_TYPES) == set(CANONICAL_TYPES) - {"decimal"}
    for portable in ENGINE_TYPES:
        assert flink_type(portable).startswith(ENGINE_TYPES[portable].flink)
        assert sql_type(portable, "duckdb")  # every row is a type sqlglot builds


@pytest.mark.parametrize(
    "legacy",
    [
        "SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE), COUNT(*) FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)",
        "SELECT k FROM t GROUP BY k, HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)",
        "SELECT SESSION_END(ts, INTERVAL '5' MINUTE) FROM t",
    ],
)
def test_lint_refuses_legacy_group_windows(legacy: str) -> None:
    assert legacy_windows(legacy)


def test_lint_accepts_window_tvfs_and_ignores_strings_and_comments() -> None:
    tvf = (
        "SELECT window_start, SUM(x) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))\n"
        "-- GROUP BY TUMBLE(ts, ...) is legacy\n"
        "WHERE note <> 'TUMBLE_START(' GROUP BY window_start, window_end"
    )
    assert legacy_windows(tvf) == []


def test_flink_filters_are_registered_for_templates() -> None:
    from pipegen.render.filters import FILTERS

    assert FILTERS["flink_ident"]("order") == "`order`"
    assert FILTERS["flink_str"]("it's") == "'it''s'"
