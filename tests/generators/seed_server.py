"""Runs inside the batch judge environment: copy the tables of a SQLite stand-in written by a
generated project's synthetic step into a real database server, with the column types given.

    python seed_server.py SQLALCHEMY_URL SQLITE_PATH TABLES_JSON

TABLES_JSON: {"table": {"column": "SQL type", ...}, ...} (columns in the stand-in's order).
Each table is dropped, created with those types and filled in one executemany."""

from __future__ import annotations

import json
import sqlite3
import sys

from sqlalchemy import create_engine, text


def main(url: str, sqlite_path: str, tables_json: str) -> None:
    tables: dict[str, dict[str, str]] = json.loads(tables_json)
    source = sqlite3.connect(sqlite_path)
    engine = create_engine(url)
    with engine.begin() as con:
        for table, columns in tables.items():
            names = list(columns)
            rows = source.execute(f"select {', '.join(names)} from {table}").fetchall()
            con.execute(text(f"drop table if exists {table}"))
            con.execute(text(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})"))
            insert = text(f"insert into {table} ({', '.join(names)}) values ({', '.join(':' + c for c in names)})")
            con.execute(insert, [dict(zip(names, row, strict=True)) for row in rows])
            print(f"{table} {len(rows)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
