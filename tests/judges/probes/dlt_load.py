"""Runs inside the batch judge env: dlt sql_database (connectorx backend) from a URL into DuckDB.

Usage: python dlt_load.py SOURCE_URL TABLE WAREHOUSE.duckdb PIPELINES_DIR
Prints one JSON object: the rows that landed, ordered by id, and whether connectorx was used.
"""

from __future__ import annotations

import json
import sys

import dlt
import duckdb
from dlt.sources.sql_database import sql_database


def main(url: str, table: str, warehouse: str, pipelines_dir: str) -> None:
    source = sql_database(url, table_names=[table], backend="connectorx")
    pipeline = dlt.pipeline(
        pipeline_name="judge_smoke",
        destination=dlt.destinations.duckdb(warehouse),
        dataset_name="raw",
        pipelines_dir=pipelines_dir,
    )
    info = pipeline.run(source)
    with duckdb.connect(warehouse, read_only=True) as db:
        rows = db.sql(f"select id, name from raw.{table} order by id").fetchall()
    print(
        json.dumps(
            {
                "rows": [list(r) for r in rows],
                "connectorx_used": "connectorx" in sys.modules,
                "failed_jobs": info.has_failed_jobs,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
