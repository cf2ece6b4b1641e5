"""Hostile names at validate time: reserved words of every dialect, any case, are legal names (and
plain references to them are columns); an unquoted reserved word that SQL reads as syntax inside an
expression is R320 with the fix; a derived name longer than a system allows is R321 on the name that
makes it, at exactly one byte past the limit (never exit 3 later); plan and render never crash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipegen.pipeline import check
from pipegen.spec.reserved import DIALECTS, RESERVED, reserved_in
from pipegen.spec.validate import check_bytes
from tests.hostile import cases


def spec_with(table: str, source: str = "app", target: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": 1,
        "pipeline": {"name": "shop"},
        "latency": "1h",
        "sources": [{"name": source, "type": "faker", "tables": [{"name": table, "columns": [
            {"name": "id", "type": "bigint"}]}]}],
        "targets": [target or {"name": "pg", "type": "postgres", "connection": {
            "host": "h", "database": "d", "user": "u", "password": "${secret:PG}"}}],
    }  # fmt: skip


def codes(doc: dict[str, Any]) -> list[tuple[str, str]]:
    checked = check_bytes(json.dumps(doc).encode())
    return [(d.code, d.path) for d in checked.diagnostics if d.severity == "error"]


def test_the_published_lists_cover_every_dialect_pipegen_writes() -> None:
    assert set(DIALECTS) == {"duckdb", "postgres", "mysql", "snowflake", "bigquery", "spark", "clickhouse", "flink"}
    assert all(w == w.lower() and w.isascii() for words in RESERVED.values() for w in words)
    for word in ("select", "from", "where", "order", "group"):
        assert set(reserved_in(word.upper())) >= {"duckdb", "postgres", "flink"}


def test_a_derived_table_name_at_postgres_limit_is_valid_and_one_byte_more_is_r321() -> None:
    at_limit = "t" * (63 - len("__dead_letter"))  # the longest table name derived from it, in the warehouse
    assert codes(spec_with(at_limit)) == []
    assert codes(spec_with(at_limit + "x")) == [("R321", "sources[0].tables[0].name")]


def test_a_derived_name_past_pipegens_own_bound_is_r321_not_a_crash() -> None:
    doc = spec_with("t" * 60, source="s" * 200, target={"name": "wh", "type": "duckdb"})
    assert codes(doc) == [("R321", "sources[0].tables[0].name")]


@pytest.mark.parametrize("word", ["select", "FROM", "Where", "order", "GROUP", "user", "table", "limit"])
def test_a_reserved_word_in_any_case_names_a_column_a_table_and_a_mart(word: str, tmp_path: Any) -> None:
    from pipegen.pipeline import render_tree

    doc = spec_with(word, target={"name": "wh", "type": "duckdb"})
    doc["sources"][0]["tables"][0]["columns"].append({"name": word, "type": "string"})
    # marts are snake_case by design (their names are file and model names): the word in lowercase
    doc["transforms"] = {"marts": [{"name": word.lower(), "from": word, "group_by": [word],
                                    "measures": [{"name": f"{word}_n", "agg": "count"}]}]}  # fmt: skip
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(doc))
    checked, plan = check(path)
    assert checked.ok and plan is not None, [d.message for d in checked.diagnostics]
    assert checked.spec is not None
    tree = render_tree(checked.spec, plan)
    assert any(f'"{word.lower()}"' in text for name, text in tree.items() if name.endswith(".sql"))


def test_an_unquoted_reserved_word_that_sql_reads_as_syntax_is_r320_with_the_fix() -> None:
    doc = spec_with("items", target={"name": "wh", "type": "duckdb"})
    doc["sources"][0]["tables"][0]["columns"].append({"name": "select", "type": "double"})
    doc["transforms"] = {"marts": [{"name": "m", "from": "items", "filter": "select > 0",
                                    "columns": ["id"]}]}  # fmt: skip
    checked = check_bytes(json.dumps(doc).encode())
    found = [d for d in checked.diagnostics if d.code == "R320"]
    assert [d.path for d in found] == ["transforms.marts[0].filter"]
    assert 'write it as "select"' in (found[0].hint or "")
    doc["transforms"]["marts"][0]["filter"] = '"select" > 0'
    assert codes(doc) == []


def test_the_hostile_case_spec_validates() -> None:
    assert codes(cases.spec()) == []


def test_a_python_keyword_as_pipeline_name_is_r322_and_other_names_may_be_keywords() -> None:
    doc = spec_with("def", source="class", target={"name": "wh", "type": "duckdb"})
    doc["sources"][0]["tables"][0]["columns"].append({"name": "lambda", "type": "string"})
    assert codes(doc) == []
    doc["pipeline"]["name"] = "import"
    assert codes(doc) == [("R322", "pipeline.name")]
