"""An accepted value means exactly its text in every dbt adapter pipegen writes for: the
`pipegen_string_literal` macro the generated accepted-values test writes each value with (dispatched
per adapter as dbt does), over hostile values (the spec generator's fragments and drawn texts, the
hostile spec's accepted values), is one string literal whose value is the text, in sqlglot's parse
of that adapter's dialect (the warehouses cannot run here; DuckDB runs the same test in
test_drawn_values.py and tests/families/test_hostile_dbt.py). A value that read as anything else
(a literal ended early, a backslash read as an escape) would let spec text change what the test
accepts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
import sqlglot
from sqlglot import exp

from tests.hostile import cases
from tests.hostile.test_drawn_values import drawn
from tests.specgen import hostile

MACRO = Path(__file__).parents[2] / "templates" / "dbt" / "static" / "macros" / "pipegen_string_literal.sql"
# dbt adapter -> sqlglot dialect (each adapter pipegen writes dbt profiles for)
ADAPTERS = {"duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake", "bigquery": "bigquery",
            "redshift": "redshift", "databricks": "databricks", "spark": "spark", "clickhouse": "clickhouse",
            "synapse": "tsql"}  # fmt: skip


def literal_macro(adapter: str) -> Any:
    """`pipegen_string_literal` as dbt renders it for `adapter` (dispatch to `<adapter>__` or `default__`)."""
    env = jinja2.Environment()
    module: Any = None

    def dispatch(name: str) -> Any:
        return getattr(module, f"{adapter}__{name}", None) or getattr(module, f"default__{name}")

    env.globals.update({"adapter": SimpleNamespace(dispatch=dispatch), "return": lambda value: value})
    module = env.from_string(MACRO.read_text(encoding="utf-8")).module
    return module.pipegen_string_literal


def values() -> list[str]:
    texts = [*hostile.FRAGMENTS, *cases.ACCEPTED, "a\nb", "tab\there", "\\\\", "\\'", "'\\"]
    texts += [t for case in drawn(40, 19) for t in (*case["values"], case["literal"])]
    return list(dict.fromkeys(texts))


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_each_accepted_value_is_one_literal_of_exactly_its_text(adapter: str) -> None:
    macro = literal_macro(adapter)
    checked = 0
    for value in values():
        sql = str(macro(value)).strip()
        tree = sqlglot.parse_one(f"SELECT {sql} AS v", read=ADAPTERS[adapter])
        literal = tree.expressions[0].this
        assert isinstance(literal, exp.Literal) and literal.is_string, (adapter, value, sql)
        assert literal.this == value, (adapter, value, sql)
        checked += 1
    assert checked >= 80


def test_every_adapter_pipegen_writes_a_profile_for_is_checked() -> None:
    from pipegen.generators.dbt.generator import ADAPTER_PACKAGES

    assert set(ADAPTERS) == {"duckdb", *ADAPTER_PACKAGES}
