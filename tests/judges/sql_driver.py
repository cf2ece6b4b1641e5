"""Runs inside a judge env: evaluates SELECT statements and prints one JSON list on the last
line, one [ok, text] per statement (the value as text, None for NULL; the error when not ok).

    python sql_driver.py duckdb < statements.json
    python sql_driver.py flink < statements.json   (one PyFlink batch TableEnvironment, UTC)
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


def _duckdb() -> Callable[[str], Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return lambda sql: con.execute(sql).fetchone()[0]


def _flink() -> Callable[[str], Any]:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("parallelism.default", "1")

    def run(sql: str) -> Any:
        with env.execute_sql(sql).collect() as rows:
            return next(iter(rows))[0]

    return run


def main() -> int:
    run = {"duckdb": _duckdb, "flink": _flink}[sys.argv[1]]()
    out: list[list[Any]] = []
    for sql in json.load(sys.stdin):
        try:
            out.append([True, _text(run(sql))])
        except Exception as exc:  # every statement is reported
            lines = [line for line in str(exc).splitlines() if "Exception" in line or "rror" in line]
            out.append([False, " | ".join(lines[:3])[:400] or type(exc).__name__])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
