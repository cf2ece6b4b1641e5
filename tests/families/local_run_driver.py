"""Runs inside the batch judge environment, after `python -m pipeline.run`: every named table
or model read in full from the project's DuckDB warehouse (so every cast in a view is
evaluated). Prints {"schema.name": rows or "missing"} as JSON. Usage: python
local_run_driver.py WAREHOUSE schema.name..."""

from __future__ import annotations

import json
import sys

import duckdb


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    existing = {f"{s}.{t}" for s, t in tables}
    out: dict[str, object] = {}
    for name in sys.argv[2:]:
        schema, model = name.split(".")
        out[name] = (
            len(con.execute(f'select * from "{schema}"."{model}"').fetchall()) if name in existing else "missing"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
