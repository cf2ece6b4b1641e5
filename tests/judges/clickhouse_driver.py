"""Runs in the `clickhouse` judge env (chDB): executes a generated `clickhouse/<target>.sql` and feeds its Kafka
engine tables' stand-ins the records a relay topic carries.

Input (JSON on stdin): {"sql": the file's text, "records": {queue table: [[offset, JSON value or null], ...]},
"tables": [table, ...]}. Each statement runs as written; a Kafka engine table must fail with chDB's "Shutdown was
called" only (chDB validates the engine's settings, an unknown one fails as UNKNOWN_SETTING, then cannot start the
engine's consumers in process), and is then created again as a Null table of the same columns with `_offset` (the
Kafka engine's virtual column the materialized view reads) made physical, so inserting into it runs the
materialized view as the engine's consumer would. A record is inserted as JSONEachRow, as the engine parses a
message; a tombstone (null value) as nothing. Output (JSON): {"kafka": [each Kafka statement's error],
"rows": {table: rows of `SELECT * FINAL`, ordered}}.
"""

from __future__ import annotations

import json
import re
import sys

import chdb

SHUTDOWN = "Shutdown was called"


def split(sql: str) -> list[str]:
    body = re.sub(r"^--.*$", "", sql, flags=re.MULTILINE)
    return [s.strip() for s in body.split(";") if s.strip()]


def format_settings(statement: str) -> str:
    """The Kafka table's format settings (not `kafka_*`), as the INSERT's SETTINGS: how the engine parses."""
    found = re.findall(r"^  ((?!kafka_)[a-z_]+) = ('[^']*')", statement, flags=re.MULTILINE)
    return ", ".join(f"{k} = {v}" for k, v in found)


def stand_in(statement: str) -> str:
    """The Kafka engine table as a Null table with `_offset` physical."""
    head = statement.split("\n)\nENGINE = Kafka", 1)[0]
    return head + ",\n  _offset UInt64\n)\nENGINE = Null"


def main() -> int:
    job = json.load(sys.stdin)
    con = chdb.connect(":memory:")
    kafka_errors, settings = [], {}
    for statement in split(job["sql"]):
        if "ENGINE = Kafka" not in statement:
            con.query(statement)
            continue
        try:
            con.query(statement)
            kafka_errors.append("")
        except Exception as exc:
            kafka_errors.append(str(exc))
        queue = statement.split()[5]
        con.query(f"DROP TABLE IF EXISTS {queue}")  # chDB keeps the table whose consumers it could not start
        con.query(stand_in(statement).replace("IF NOT EXISTS ", ""))
        settings[queue] = format_settings(statement)
    for queue, records in job["records"].items():
        for offset, value in records:
            if value is None:
                continue  # a tombstone: the engine parses no row from an empty message
            row = json.dumps({**value, "_offset": offset})
            con.query(f"INSERT INTO {queue} SETTINGS {settings[queue]} FORMAT JSONEachRow {row}")
    rows = {}
    for table in job["tables"]:
        final = (
            " FINAL"
            if "Replacing"
            in str(con.query(f"SELECT engine FROM system.tables WHERE concat(database, '.', name) = '{table}'", "CSV"))
            else ""
        )
        result = con.query(f"SELECT * FROM {table}{final} ORDER BY ALL", "JSONEachRow")
        rows[table] = [json.loads(line) for line in str(result).splitlines() if line.strip()]
    print(json.dumps({"kafka": kafka_errors, "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
