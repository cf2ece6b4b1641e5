"""Runs inside the `lake` judge environment (DuckDB), in a generated Lambda project: writes a
phase of the scenario (the batch layer's landed tables into warehouse.duckdb, the speed layer's
results into data/stream.duckdb), runs the generated `python -m pipeline.serving`, and prints
the serving table's rows as JSON, with the serving views as the local run's summary lists them.
Usage: python serving_driver.py PROJECT PHASE.json"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb


def write(path: Path, tables: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for name, table in tables.items():
        schema, rel = name.split(".")
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cols = ", ".join(f'"{c}" {t}' for c, t in table["columns"])
        con.execute(f'CREATE TABLE "{schema}"."{rel}" ({cols})')
        if table["rows"]:
            marks = ", ".join("?" for _ in table["columns"])
            con.executemany(f'INSERT INTO "{schema}"."{rel}" VALUES ({marks})', table["rows"])
    con.close()


def main() -> None:
    project, phase = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    write(project / "warehouse.duckdb", phase["batch"])
    write(project / "data" / "stream.duckdb", phase["speed"])
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.serving"], cwd=project, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"pipeline.serving failed:\n{proc.stdout}\n{proc.stderr}")
    con = duckdb.connect(str(project / "warehouse.duckdb"), read_only=True)
    rows = con.execute(f'SELECT * FROM serving."{phase["table"]}" ORDER BY ALL').fetchall()
    cols = [d[0] for d in con.description]
    con.close()
    sys.path.insert(0, str(project))  # the local run's summary of the serving views: pipeline/run.py's count
    from pipeline import run

    summary = run.count_results([r for r in run.RESULTS if r["table"].startswith("serving.")])
    print(json.dumps({"columns": cols, "rows": [list(r) for r in rows], "summary": summary}, default=str))


if __name__ == "__main__":
    main()
