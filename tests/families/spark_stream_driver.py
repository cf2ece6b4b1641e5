"""Run in the batch judge env (DuckDB) by tests/judges/test_readme_walkthrough_layers.py: what the
local Spark stream step (pipeline/spark_stream.py) left in a project, read back by DuckDB from the
Parquet tables Spark wrote, beside a DuckDB reference over the streamed tables' stand-ins (the same
rows the step streamed, read here with sqlite3 / json, never through Spark).

    python spark_stream_driver.py PROJECT REFERENCE_JSON

REFERENCE_JSON: {streamed table: {gold table: DuckDB SQL over the view `events` (that table's
stand-in rows typed as the job types them)}}. Prints {"tables": {name: {"stand_in", "bronze", "silver", "rejected"}},
"gold": {table: {"got": [...], "want": [...]}}}, rows as sorted lists of text.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import duckdb

TYPES = {"STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMP", "INT": "INTEGER", "BIGINT": "BIGINT",
         "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "DATE": "DATE"}  # fmt: skip


def text(value: Any) -> str | None:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return None if value is None else str(value)


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> list[list[str | None]]:
    return sorted(([text(v) for v in row] for row in con.execute(sql).fetchall()), key=lambda r: [str(v) for v in r])


def stand_in(project: Path, name: str) -> list[dict[str, Any]]:
    layout = json.loads((project / "pipeline" / "stand_ins.json").read_text(encoding="utf-8"))["sources"]
    kind, place = next((s["kind"], s["tables"][name]) for s in layout.values() if name in s["tables"])
    path = project / place["path"]
    if kind == "sqlite":
        with sqlite3.connect(path) as con:
            cursor = con.execute('SELECT * FROM "' + place["table"].replace('"', '""') + '"')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table_dir(project: Path, root: str, layer_dir: str, name: str) -> Path | None:
    folder = project / root / layer_dir / name
    latest = folder / "_latest"
    return folder / f"v={latest.read_text(encoding='utf-8').strip()}" if latest.is_file() else None


def parquet(folder: Path) -> str:
    """A table version's files (`v=<n>` is Spark's version folder, not a column), in its partition
    directories too (`_pipegen_day=<day>`: the plan's partitioning, a stored column of the files)."""
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = false)"


def count(con: duckdb.DuckDBPyConnection, folder: Path | None) -> int | None:
    if folder is None:
        return None
    found = con.execute(f"SELECT count(*) FROM {parquet(folder)}").fetchone()
    return int(found[0]) if found else None


def main(project: Path, reference: dict[str, str]) -> dict[str, Any]:
    local = json.loads((project / "pipeline" / "spark_stream.json").read_text(encoding="utf-8"))
    job = json.loads((project / "spark" / "medallion.json").read_text(encoding="utf-8"))
    layers, root = job["target"]["layers"], local["root"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    out: dict[str, Any] = {"tables": {}, "gold": {}}
    for table in local["tables"]:
        columns = next(t["columns"] for t in job["tables"] if t["name"] == table["name"])
        rows = stand_in(project, table["stand_in"])
        landed = list(table["columns"].items())  # landed name -> the stand-in's name
        con.execute("CREATE OR REPLACE TABLE raw (" + ", ".join(f'"{n}" VARCHAR' for n, _ in landed) + ")")
        if rows:
            marks = ", ".join("?" for _ in landed)
            con.executemany(f"INSERT INTO raw VALUES ({marks})", [[text(r.get(s)) for _, s in landed] for r in rows])
        typed = ", ".join(f'TRY_CAST("{c["name"]}" AS {TYPES.get(c["type"], "VARCHAR")}) AS "{c["name"]}"'
                          for c in columns)  # fmt: skip
        con.execute(f"CREATE OR REPLACE VIEW events AS SELECT {typed} FROM raw")
        out["tables"][table["name"]] = {
            "stand_in": len(rows),
            "bronze": count(con, table_dir(project, root, layers["bronze"], table["name"])),
            "silver": count(con, table_dir(project, root, layers["silver"], table["name"])),
            "rejected": count(con, table_dir(project, root, layers["silver"], table["name"] + "__rejected")) or 0,
        }
        for gold, sql in reference.get(table["name"], {}).items():
            folder = table_dir(project, root, layers["gold"], gold)
            got = rows_of(con, f"SELECT * FROM {parquet(folder)}") if folder else None
            out["gold"][gold] = {"got": got, "want": rows_of(con, sql)}
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), json.loads(sys.argv[2]))))
