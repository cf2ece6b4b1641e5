"""Stand-in for the ingestion step (`pipeline/ingest.py`), copied into a generated project by
the orchestrator tests until the ingestion family is generated: `run(source, local)` lands
the rows of `raw.json` (in the project) for that source, as dlt lands them (plus dlt-style
load columns), and returns a summary of counts. If the file `fail_once` exists it is
removed and the call fails: a transient error, for retry tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def run(source: str | None = None, local: bool = False, window: Any = None) -> dict[str, Any]:
    marker = ROOT / "fail_once"
    if marker.exists():
        marker.unlink()
        raise ConnectionError("source unreachable (a transient failure, injected by the test)")
    if not local:
        raise RuntimeError("the stand-in only loads locally")
    data: dict[str, dict[str, Any]] = json.loads((ROOT / "raw.json").read_text())
    warehouse = os.environ.get("PIPEGEN_WAREHOUSE", str(ROOT / "warehouse.duckdb"))
    con = duckdb.connect(warehouse)
    rows: dict[str, int] = {}
    try:
        for key, table in data.items():
            schema, name = key.split(".")
            if source is not None and schema != f"raw_{source}":
                continue
            columns: dict[str, str] = table["columns"]
            con.execute(f'create schema if not exists "{schema}"')
            cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
            meta = "_extracted_at timestamp, _source varchar, _batch_id varchar"
            con.execute(f'create or replace table "{schema}"."{name}" ({cols}, {meta})')
            marks = ", ".join("?" for _ in columns)
            for row in table["rows"]:
                values = [row.get(c) for c in columns] + [schema, "batch-1"]
                con.execute(f'insert into "{schema}"."{name}" values ({marks}, now(), ?, ?)', values)
            rows[f"{schema}.{name}"] = len(table["rows"])
    finally:
        con.close()
    return {"summary": ", ".join(f"{t} {n}" for t, n in rows.items()), "rows": rows, "failures": []}
