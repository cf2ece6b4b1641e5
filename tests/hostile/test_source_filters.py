"""A source table's `filter` cannot be switched off or widened by spec text, and its identifiers
reach each source's SQL quoted: a filter over columns named by reserved words (`select`, `from`,
`Group`) comparing them with hostile literals (an injection shape, a backslash, comment markers,
a quote, Unicode) is what the generated extract query (pipeline/sources.py's `where`) applies on
the source database. Run on throwaway PostgreSQL and MariaDB (standing in for MySQL, whose
literals read a backslash as an escape) over rows holding each literal and near misses, it keeps
exactly the rows Python selects here from the same rows; for SQL Server and Oracle (no server
here) every identifier of the condition is quoted in sqlglot's parse of it.

Rows reach the databases as literals written by each database's documented rule (PostgreSQL: a
quote doubled; MySQL: a quote and a backslash doubled), never by pipegen."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from pipegen.spec.reserved import is_reserved
from tests.servers import DatabaseServer
from tests.specgen.invariant import static

INJECTION = "x') and 1=0 and ('a' = 'a"
LISTED = [INJECTION, "back\\slash", "-- not a comment", "/* nor this */", "it's", "{{ x }}", "été ✓"]
NEAR = ["x", "back\\\\slash", "backslash", "it''s", "its", "", "' or '1'='1", "été"]
SOURCES = {"pg": "postgres", "my": "mysql", "ms": "sqlserver", "ora": "oracle"}  # source name -> type


def sql_text(value: str) -> str:
    """A literal of the spec's expression language (a quote doubled, nothing else escaped)."""
    return "'" + value.replace("'", "''") + "'"


FILTER = " or ".join([*(f'"from" = {sql_text(v)}' for v in LISTED), '"Group" > 5'])
# (select, from, Group): every listed value, each near miss, and one row kept by "Group" alone
ROWS = [
    *((i, v, 0) for i, v in enumerate(LISTED, 1)),
    *((i, v, 1) for i, v in enumerate(NEAR, 20)),
    (40, "none of them", 9),
    (41, None, 6),
    (42, None, None),
]
EXPECTED = sorted(k for k, value, group in ROWS if value in LISTED or (group is not None and group > 5))


def spec() -> dict[str, Any]:
    def source(name: str, kind: str) -> dict[str, Any]:
        columns = [
            {"name": "select", "type": "bigint", "not_null": True, "unique": True},
            {"name": "from", "type": "string"},
            {"name": "Group", "type": "bigint"},
        ]
        table = {"name": "order", "primary_key": "select", "filter": FILTER, "columns": columns}
        connection = {"host": "db", "database": "d", "user": "u", "password": "${secret:" + name.upper() + "}"}
        return {"name": name, "type": kind, "connection": connection, "tables": [table]}

    return {
        "version": 1,
        "pipeline": {"name": "filters"},
        "latency": "1h",
        "architecture": "elt",
        "sources": [source(name, kind) for name, kind in SOURCES.items()],
        "targets": [{"name": "wh", "type": "duckdb"}],
    }


@pytest.fixture(scope="module")
def conditions() -> dict[str, str]:
    """Source type -> the extract query's condition, read from the generated pipeline/sources.py."""
    outcome = static(spec())
    assert outcome.valid, outcome.errors
    tree = ast.parse(outcome.files["pipeline/sources.py"])
    found: dict[str, str] = {}
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Table":
            kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ("source", "where")}
            found[SOURCES[kw["source"]]] = kw["where"]
    assert set(found) == set(SOURCES.values()), found
    return found


def test_every_identifier_of_the_condition_is_quoted_in_each_source_dialect(conditions: dict[str, str]) -> None:
    dialects = {"postgres": "postgres", "mysql": "mysql", "sqlserver": "tsql", "oracle": "oracle"}
    for kind, condition in conditions.items():
        idents = list(sqlglot.parse_one(condition, read=dialects[kind]).find_all(exp.Identifier))
        assert {i.name for i in idents} == {"from", "Group"}, (kind, condition)
        assert all(i.quoted for i in idents), (kind, condition)
    assert is_reserved("from", "postgres") and is_reserved("from", "mysql")  # the quotes are needed there


def pg_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def mysql_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def number(value: int | None) -> str:
    return "NULL" if value is None else str(value)


def kept(server: DatabaseServer, condition: str, quote: str, text: Any, setup: tuple[str, ...] = (),
         charset: str = "") -> list[int]:  # fmt: skip
    q = quote
    table = f"{q}order{q}"
    setup = (
        *setup,
        f"DROP TABLE IF EXISTS {table}",
        f"CREATE TABLE {table} ({q}select{q} bigint, {q}from{q} varchar(200){charset}, {q}Group{q} bigint)",
        f"INSERT INTO {table} VALUES " + ", ".join(f"({k}, {text(v)}, {number(g)})" for k, v, g in ROWS),
    )
    server.query("; ".join(setup))
    assert server.query(f"SELECT count(*) FROM {table}") == str(len(ROWS))  # the rows landed as written
    out = server.query("; ".join((*setup[:-3], f"SELECT {q}select{q} FROM {table} WHERE ({condition}) ORDER BY 1")))
    return [int(line) for line in out.splitlines() if line.strip()]


@pytest.mark.judge
def test_the_filter_keeps_exactly_its_rows_on_postgres(conditions: dict[str, str], postgres_server: Any) -> None:
    server: DatabaseServer = postgres_server
    assert kept(server, conditions["postgres"], '"', pg_text, ("SET client_encoding = 'UTF8'",)) == EXPECTED


@pytest.mark.judge
def test_the_filter_keeps_exactly_its_rows_on_mariadb_for_mysql(
    conditions: dict[str, str], mariadb_server: Any
) -> None:
    server: DatabaseServer = mariadb_server
    # exact comparison (MySQL's default collation ignores case and accents: a database setting, not the spec's)
    charset = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    assert kept(server, conditions["mysql"], "`", mysql_text, ("SET NAMES utf8mb4",), charset) == EXPECTED


def test_the_rows_hold_every_listed_value_and_near_misses_the_filter_must_not_keep() -> None:
    assert len(EXPECTED) == len(LISTED) + 2 and all(v not in LISTED for v in NEAR)
