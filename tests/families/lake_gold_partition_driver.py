"""Runs inside the `lake` judge environment, in a generated project: lands the scenario's batches, runs
the generated lake job's bronze and silver, builds the spec's marts in the local warehouse from silver's
copy there as dbt would (plain DuckDB SQL written here from the test's spec, a stand-in for dbt, which
this environment does not hold; the dbt-built marts are judged in tests/families/test_local_run.py),
then runs the job's gold step twice (`python -m pipeline.lake gold`: a second run is idempotent).
Reads back, independently of the job: each gold table's partitioning from its own metadata, every live
data file's partition directory beside the values of the partitioned output in the rows the file holds,
the target file size the table records, and its rows through DuckDB's delta_scan / iceberg_scan.
Prints what it read as JSON.

Usage: python lake_gold_partition_driver.py PROJECT SCENARIO.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import duckdb_extensions

sys.path.insert(0, str(Path(__file__).parent))
from lake_driver import job, land
from lake_partition_driver import files_by_partition, partitioning

# the test spec's marts (tests/families/test_lake_gold_partitions.py) over silver's warehouse copy
MARTS = {
    "daily_orders": "SELECT CAST(updated_at AS DATE) AS order_day, count(*) AS orders, sum(amount) AS revenue "
    "FROM {silver} GROUP BY 1",
    "order_events": "SELECT order_id, amount, updated_at FROM {silver}",
    "amounts": "SELECT amount, count(*) AS orders FROM {silver} GROUP BY 1",
}


def main() -> None:
    project, scenario = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    config = json.loads((project / "pipeline" / "lake.json").read_text())
    table, target = config["tables"][0], config["targets"][0]
    fmt = target["format"]
    columns = [c["name"] for c in table["columns"]]
    for step, batches in enumerate(scenario["steps"]):
        for b, batch in enumerate(batches):
            land(project, table["landing"], f"step{step}_batch{b}", batch, columns)
        job(project, "bronze", "silver")
    silver = f'"{table["warehouse_schema"]}"."{table["name"]}"'
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:  # dbt's stand-in: the marts from silver
        for mart in config["marts"]:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{mart["schema"]}"')
            sql = MARTS[mart["table"]].format(silver=silver)
            con.execute(f'CREATE OR REPLACE TABLE "{mart["schema"]}"."{mart["table"]}" AS {sql}')
    out: dict = {"gold": json.loads(job(project, "gold"))[target["name"]]}
    out["again"] = json.loads(job(project, "gold"))[target["name"]]
    lake = project / "lake"
    con = duckdb.connect()
    for ext in ("delta", "iceberg", "avro"):
        duckdb_extensions.import_extension(ext, con=con)
    out["marts"] = {}
    for mart in config["marts"]:
        path = lake / target["layers"]["gold"] / mart["table"]
        scan = (
            f"delta_scan('{path}')"
            if fmt == "delta"
            else f"iceberg_scan('{sorted((path / 'metadata').glob('*.metadata.json'))[-1]}')"
        )
        outputs = [c for c in ("order_day", "order_id", "amount", "updated_at", "orders", "revenue")
                   if c in {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}]  # fmt: skip
        rows = con.execute(f"SELECT {', '.join(outputs)} FROM {scan} ORDER BY ALL").fetchall()
        layout = mart["partition"]
        files = files_by_partition(fmt, path, layout["source"]) if layout else {}
        if fmt == "iceberg":
            versions = len(list((path / "metadata").glob("*.metadata.json")))
        else:
            versions = len(list((path / "_delta_log").glob("*.json")))
        out["marts"][mart["table"]] = {
            "rows": [[str(v) for v in r] for r in rows],
            "meta": partitioning(fmt, path),
            "files": files,
            "columns": [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()],
            "versions": versions,
        }
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
