"""Runs inside the batch judge environment: load raw rows into the project's DuckDB
warehouse (as the ingestion step lands them), run the generated `pipeline.transform`, and
print dbt's run results as JSON. Usage: python dbt_driver.py PROJECT_DIR RAW_JSON"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb


def load_raw(warehouse: Path, raw: dict[str, dict[str, object]]) -> None:
    con = duckdb.connect(str(warehouse))
    for key, table in raw.items():
        schema, name = key.split(".")
        columns: dict[str, str] = table["columns"]  # type: ignore[assignment]
        rows: list[dict[str, object]] = table["rows"]  # type: ignore[assignment]
        con.execute(f'create schema if not exists "{schema}"')
        cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        meta = "_extracted_at timestamp, _source varchar, _batch_id varchar"
        con.execute(f'create or replace table "{schema}"."{name}" ({cols}, {meta})')
        names = list(columns)
        marks = ", ".join("?" for _ in names)
        for row in rows:
            con.execute(
                f'insert into "{schema}"."{name}" values ({marks}, now(), ?, ?)',
                [row.get(c) for c in names] + [schema, "batch-1"],
            )
    con.close()


def main() -> None:
    project, raw_json = Path(sys.argv[1]), Path(sys.argv[2])
    load_raw(project / "warehouse.duckdb", json.loads(raw_json.read_text()))
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.transform"], cwd=project, capture_output=True, text=True, check=False
    )
    results_path = project / "dbt" / "target" / "run_results.json"
    results = json.loads(results_path.read_text())["results"] if results_path.exists() else []
    manifest_path = project / "dbt" / "target" / "manifest.json"
    nodes = json.loads(manifest_path.read_text())["nodes"] if manifest_path.exists() else {}
    tests = []
    for r in results:
        node = nodes.get(r["unique_id"], {})
        if node.get("resource_type") == "test":
            meta = node.get("test_metadata") or {}
            model = (node.get("attached_node") or "").split(".")[-1]
            tests.append([meta.get("name"), model, node.get("column_name"), r["status"]])
    out = {
        "returncode": proc.returncode,
        "stdout": proc.stdout[-4000:],
        "stderr": proc.stderr[-4000:],
        "results": {r["unique_id"]: r["status"] for r in results},
        "tests": tests,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
