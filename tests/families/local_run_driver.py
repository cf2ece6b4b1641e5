"""Runs inside the batch judge environment, after `python -m pipeline.run`: every named table
or model read in full from the project's DuckDB warehouse (so every cast in a view is
evaluated). Prints {"schema.name": rows or "missing"} as JSON. Usage: python
local_run_driver.py WAREHOUSE schema.name...

`python local_run_driver.py --many` reads {WAREHOUSE: [schema.name, ...]} as JSON from stdin and
prints {WAREHOUSE: {"schema.name": rows or "missing"}}: many projects' warehouses, one process."""

from __future__ import annotations

import json
import sys

import duckdb


def rows(warehouse: str, names: list[str]) -> dict[str, object]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        existing = {f"{s}.{t}" for s, t in tables}
        out: dict[str, object] = {}
        for name in names:
            schema, model = name.split(".")
            out[name] = (
                len(con.execute(f'select * from "{schema}"."{model}"').fetchall()) if name in existing else "missing"
            )
        return out
    finally:
        con.close()


def main() -> None:
    if sys.argv[1:] == ["--many"]:
        wanted: dict[str, list[str]] = json.load(sys.stdin)
        print(json.dumps({warehouse: rows(warehouse, names) for warehouse, names in wanted.items()}))
        return
    print(json.dumps(rows(sys.argv[1], sys.argv[2:])))


if __name__ == "__main__":
    main()
