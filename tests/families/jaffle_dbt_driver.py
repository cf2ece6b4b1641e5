"""Runs inside the batch judge environment: land the jaffle shop's raw CSVs in the project's
DuckDB warehouse the way the ingestion step does (schema raw_jaffle, one table per file, load
metadata columns), then run the generated `pipeline.transform`. Usage: python jaffle_dbt_driver.py PROJECT SEEDS"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb


def main() -> None:
    project, seeds = Path(sys.argv[1]), Path(sys.argv[2])
    con = duckdb.connect(str(project / "warehouse.duckdb"))
    con.execute("create schema if not exists raw_jaffle")
    for csv in sorted(seeds.glob("raw_*.csv")):
        con.execute(
            f"create or replace table raw_jaffle.{csv.stem} as "
            "select *, now()::timestamp as _extracted_at, 'jaffle' as _source, 'batch-1' as _batch_id "
            "from read_csv(?, header = true)",
            [str(csv)],
        )
    con.close()
    proc = subprocess.run([sys.executable, "-m", "pipeline.transform"], cwd=project, check=False)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
