"""Runs inside a judge env: evaluates SELECT statements and prints one JSON list on the last
line, one [ok, text] per statement (the value as text, None for NULL; the error when not ok).

    python sql_driver.py duckdb < statements.json
    python sql_driver.py flink < statements.json   (one PyFlink batch TableEnvironment, UTC)

statements.json: a list whose items are either a whole statement (a string, run alone) or
[select list, FROM clause or null], one expression each. DuckDB runs each alone; Flink runs the
expressions that share a FROM clause as the columns of one query (each query is a Flink job, ~1 s
of JVM time), and a group Flink refuses runs again one by one so the refusal is reported against
its own statement.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _duckdb() -> Callable[[str], list[Any]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return lambda sql: list(con.execute(sql).fetchone())


def _flink() -> Callable[[str], list[Any]]:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("parallelism.default", "1")

    def run(sql: str) -> list[Any]:
        with env.execute_sql(sql).collect() as rows:
            row = next(iter(rows))
            return [row[i] for i in range(len(row))]

    return run


def _query(selects: list[str], source: str | None) -> str:
    columns = ", ".join(f"({select}) AS c{i}" for i, select in enumerate(selects))
    return f"SELECT {columns}" + (f" FROM {source}" if source else "")


def _error(exc: Exception) -> list[Any]:
    lines = [line for line in str(exc).splitlines() if "Exception" in line or "rror" in line]
    return [False, " | ".join(lines[:3])[:400] or type(exc).__name__]


def _whole(item: str | list[Any]) -> str:
    if isinstance(item, str):
        return item
    select, source = item
    return f"SELECT {select}" + (f" FROM {source}" if source else "")


def _alone(run: Callable[[str], list[Any]], item: str | list[Any]) -> list[Any]:
    try:
        return [True, _text(run(_whole(item))[0])]
    except Exception as exc:  # every statement is reported
        return _error(exc)


def _grouped(run: Callable[[str], list[Any]], statements: list[Any]) -> list[list[Any]]:
    out: list[list[Any]] = [_alone(run, item) if isinstance(item, str) else [] for item in statements]
    pairs = [(i, item) for i, item in enumerate(statements) if not isinstance(item, str)]
    for source in dict.fromkeys(item[1] for _, item in pairs):
        members = [(i, item) for i, item in pairs if item[1] == source]
        try:
            values = run(_query([item[0] for _, item in members], source))
            for (i, _), value in zip(members, values, strict=True):
                out[i] = [True, _text(value)]
        except Exception:
            for i, item in members:
                out[i] = _alone(run, item)
    return out


def main() -> int:
    engine = sys.argv[1]
    run = {"duckdb": _duckdb, "flink": _flink}[engine]()
    statements = json.load(sys.stdin)
    out = _grouped(run, statements) if engine == "flink" else [_alone(run, item) for item in statements]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
