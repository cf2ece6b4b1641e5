"""Judge of synthetic output, run by the judge interpreter (duckdb + sqlite), never imported by pytest.

    python synth_check.py rules CONFIG OUT FORMAT   -> JSON: per (table, column, rule), the rows
        the data breaks (found by SQL) and the rows the bad-row manifest says break it
    python synth_check.py describe OUT FORMAT T1,T2 -> JSON: per table, row count and column types
    python synth_check.py dump OUT FORMAT T1,T2     -> JSON: every row, in written order
    python synth_check.py many '[[COMMAND, ARG, ...], ...]' -> JSON: a list of the above, in one process

Rows are 0-based positions: DuckDB's rowid, SQLite's rowid - 1, Parquet's file_row_number.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

FILE_READERS = {
    "parquet": "read_parquet('{path}', file_row_number = true)",
    "csv": "read_csv('{path}', all_varchar = false)",
    "jsonl": "read_json('{path}', format = 'newline_delimited')",
}

TEMPORAL = {"date": "DATE", "timestamp": "TIMESTAMPTZ", "datetime": "TIMESTAMPTZ", "timestamp_tz": "TIMESTAMPTZ"}


def connect(out: Path, fmt: str, tables: list[str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection where each table is a view with a 0-based `_row` column."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if fmt == "duckdb":
        con.execute(f"ATTACH '{out / 'synthetic.duckdb'}' AS src (READ_ONLY)")
        for name in tables:
            con.execute(f'CREATE VIEW "{name}" AS SELECT *, rowid AS _row FROM src."{name}"')
    elif fmt == "sqlite":
        # DuckDB's sqlite extension would be downloaded: read the rows with sqlite3 instead
        lite = sqlite3.connect(out / "synthetic.sqlite")
        for name in tables:
            cursor = lite.execute(f'SELECT *, rowid - 1 AS _row FROM "{name}"')
            names = [d[0] for d in cursor.description]
            columns = list(zip(*cursor.fetchall(), strict=True)) or [() for _ in names]
            arrow = pa.table({n: pa.array(list(values)) for n, values in zip(names, columns, strict=True)})
            con.register(f"_lite_{name}", arrow)
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_lite_{name}"')
        lite.close()
    else:
        for name in tables:
            source = FILE_READERS[fmt].format(path=out / f"{name}.{fmt}")
            row = "* EXCLUDE (file_row_number), file_row_number" if fmt == "parquet" else "*, row_number() OVER () - 1"
            con.execute(f'CREATE VIEW "{name}" AS SELECT {row} AS _row FROM {source}')
    return con


def literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def rule_sql(table: dict[str, Any], column: dict[str, Any], rule: str) -> str:
    t, c = f'"{table["name"]}"', f'"{column["name"]}"'
    if rule == "not_null":
        return f"SELECT _row FROM {t} WHERE {c} IS NULL"
    if rule == "unique":
        return f"SELECT _row FROM {t} WHERE {c} IN (SELECT {c} FROM {t} GROUP BY {c} HAVING count(*) > 1)"
    if rule == "range":
        bounds = column["range"]
        kind = TEMPORAL.get(column["type"].split("(")[0].strip().lower(), "DOUBLE")
        tests = []
        for op, bound in (("<", bounds.get("min")), (">", bounds.get("max"))):
            if bound is not None:
                tests.append(f"CAST({c} AS {kind}) {op} CAST({literal(bound)} AS {kind})")
        return f"SELECT _row FROM {t} WHERE {' OR '.join(tests)}"
    if rule == "accepted_values":
        values = ", ".join(literal(v) for v in column["accepted_values"])
        return f"SELECT _row FROM {t} WHERE {c} IS NOT NULL AND {c} NOT IN ({values})"
    if rule == "regex":
        # clean rows must match the whole pattern; bad ones must not contain it anywhere
        text = f"CAST({c} AS VARCHAR)"
        return (
            f"SELECT _row FROM {t} WHERE {c} IS NOT NULL AND NOT regexp_full_match({text}, {literal(column['regex'])})"
        )
    parts = column["foreign_key"].split(".")
    parent, target = f'"{parts[-2]}"', f'"{parts[-1]}"'
    return (
        f"SELECT _row FROM {t} WHERE {c} IS NOT NULL"
        f" AND {c} NOT IN (SELECT {target} FROM {parent} WHERE {target} IS NOT NULL)"
    )


def has_rule(table: dict[str, Any], column: dict[str, Any], rule: str) -> bool:
    key = table.get("primary_key") or []
    if rule == "not_null" and column["name"] in key:
        return True
    if rule == "unique" and key == [column["name"]]:
        return True
    return bool(column.get(rule))


def expected_rows(manifest: dict[str, Any], table: str, column: str, rule: str) -> set[int]:
    rows: set[int] = set()
    for v in manifest["violations"]:
        if v["table"] == table and v["column"] == column and (v["rule"] == rule or rule in v["also_breaks"]):
            rows.add(v["row"])
            if rule == "unique" and v["duplicate_of"] is not None:
                rows.add(v["duplicate_of"])
    return rows


def check_rules(config_path: Path, out: Path, fmt: str) -> dict[str, Any]:
    config = json.loads(config_path.read_text())
    manifest = json.loads((out / "_bad_rows.json").read_text())
    con = connect(out, fmt, [t["name"] for t in config["tables"]])
    results = []
    for table in config["tables"]:
        for column in table["columns"]:
            for rule in ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key"):
                if not has_rule(table, column, rule):
                    continue
                found = {r for (r,) in con.execute(rule_sql(table, column, rule)).fetchall()}
                expected = expected_rows(manifest, table["name"], column["name"], rule)
                where = {"table": table["name"], "column": column["name"], "rule": rule}
                results.append({**where, "found": sorted(found), "expected": sorted(expected)})
    return {"checks": results, "manifest": manifest}


def describe(out: Path, fmt: str, tables: list[str]) -> dict[str, Any]:
    con = connect(out, fmt, tables)
    info: dict[str, Any] = {}
    for name in tables:
        count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        types = {row[0]: row[1] for row in con.execute(f'DESCRIBE "{name}"').fetchall() if row[0] != "_row"}
        info[name] = {"rows": count[0] if count else None, "types": types}
    if fmt == "sqlite":
        lite = sqlite3.connect(out / "synthetic.sqlite")
        for name in tables:
            declared = {row[1]: row[2] for row in lite.execute(f'PRAGMA table_info("{name}")')}
            info[name]["declared"] = declared
            stored = {}
            for column in declared:
                query = f'SELECT DISTINCT typeof("{column}") FROM "{name}" WHERE "{column}" IS NOT NULL'
                stored[column] = sorted(row[0] for row in lite.execute(query))
            info[name]["stored"] = stored
        lite.close()
    return info


def dump(out: Path, fmt: str, tables: list[str]) -> dict[str, Any]:
    """Every row of every table, in written order, as text (to compare two runs)."""
    con = connect(out, fmt, tables)
    return {name: [list(map(str, row)) for row in con.execute(f'SELECT * FROM "{name}" ORDER BY _row').fetchall()]
            for name in tables}  # fmt: skip


def judge(argv: list[str]) -> dict[str, Any]:
    command = argv[0]
    if command == "rules":
        return check_rules(Path(argv[1]), Path(argv[2]), argv[3])
    if command == "dump":
        return dump(Path(argv[1]), argv[2], argv[3].split(","))
    return describe(Path(argv[1]), argv[2], argv[3].split(","))


def main(argv: list[str]) -> None:
    """`rules|dump|describe ARGS`, or `many JSON`: a JSON list of such argument lists judged in
    this one process (one DuckDB import), their results in the same order."""
    result = [judge(args) for args in json.loads(argv[1])] if argv[0] == "many" else judge(argv)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
