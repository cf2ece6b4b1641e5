"""Runs inside the `batch` judge environment, around spark_lakehouse's local run: gold (the mart dbt
builds, published by `lake_gold`) against a DuckDB reference computed here from the raw data with
silver's gate applied, written independently of the generated code (tests/families/test_local_run.py).

    python lake_gold_driver.py land PROJECT    # before the run: a landing batch silver must handle
    python lake_gold_driver.py check PROJECT   # after it: gold, the reference, the rejected keys (JSON)

The landing batch (data/landing/shop/orders/, read by the lake step, never by dlt): an update of
order 1 (a new customer, a watermark later than any synthetic row), a delete of order 2, and a new
order whose negative amount breaks the error-severity `range` rule, so silver rejects it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

LANDING = Path("data/landing/shop/orders")
LATER = "2100-01-01 00:00:00"
UPDATED, REJECTED = (1, 999_999), (1_000_000_001, 888_888)  # (order_id, customer_id)
LANDED = pa.table(
    {
        "order_id": ["1", "2", str(REJECTED[0])],
        "customer_id": [str(UPDATED[1]), None, str(REJECTED[1])],
        "status": ["placed", None, "placed"],
        "amount": ["12.34", None, "-5.00"],
        "updated_at": [LATER, LATER, LATER],
        "_op": ["u", "d", "u"],
    }
)
# The spec's mart over silver, silver being the latest valid row per key (deletes removed): the
# error-severity rules of spark_lakehouse.yaml (not_null order_id, customer_id, updated_at;
# accepted_values status; range amount >= 0), written here from the spec, not from pipeline/lake.json.
REFERENCE = """
WITH typed AS (
    SELECT TRY_CAST(order_id AS BIGINT) AS order_id, TRY_CAST(customer_id AS BIGINT) AS customer_id,
           CAST(status AS VARCHAR) AS status, TRY_CAST(amount AS DECIMAL(10, 2)) AS amount, updated_at, op
    FROM all_rows
), valid AS (
    SELECT * FROM typed
    WHERE op = 'd' OR (order_id IS NOT NULL AND customer_id IS NOT NULL AND updated_at IS NOT NULL
                       AND coalesce(status IN ('placed', 'shipped', 'returned'), TRUE)
                       AND coalesce(amount >= 0, TRUE))
), latest AS (
    SELECT * FROM valid QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC) = 1
)
SELECT customer_id, count(order_id) AS orders, coalesce(sum(amount), 0) AS revenue
FROM latest WHERE op <> 'd' AND status <> 'returned' GROUP BY customer_id
"""


def rows_of(table: pa.Table) -> list[list[str]]:
    return sorted([str(v) for v in row.values()] for row in table.to_pylist())


def check(project: Path) -> dict[str, object]:
    from deltalake import DeltaTable
    from pyarrow.fs import LocalFileSystem, SubTreeFileSystem

    config = json.loads((project / "pipeline" / "lake.json").read_text())
    layers = config["targets"][0]["layers"]

    def lake(layer: str, name: str, columns: list[str]) -> pa.Table:
        # pyarrow's own file system, one thread: deltalake's Python file handler on pyarrow's I/O threads,
        # or a threaded scan, aborts the interpreter at exit now and then (apache/arrow#34314)
        where = str(project / "lake" / layers[layer] / name)
        dataset = DeltaTable(where).to_pyarrow_dataset(filesystem=SubTreeFileSystem(where, LocalFileSystem()))
        return dataset.to_table(columns=columns, use_threads=False)

    con = duckdb.connect()
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as wh:
        raw = wh.sql("SELECT order_id, customer_id, status, amount, updated_at FROM raw_shop.orders").to_arrow_table()
    landed = pq.read_table(project / LANDING / "judge.parquet")
    con.register("raw", raw)
    con.register("landed", landed)
    cols = "order_id, customer_id, status, amount, CAST(updated_at AS TIMESTAMP) AS updated_at"
    con.execute(f"CREATE TABLE all_rows AS SELECT {cols}, 'u' AS op FROM raw UNION ALL SELECT {cols}, _op FROM landed")
    reference = con.sql(REFERENCE).to_arrow_table()
    gold = lake("gold", "customer_revenue", ["customer_id", "orders", "revenue"])
    rejected = lake("silver", "shop__orders__rejected", ["order_id", "_failures"])
    raw_keys = con.sql("SELECT count(*) FROM raw WHERE CAST(order_id AS VARCHAR) IN ('1', '2')").fetchall()[0][0]
    return {
        "gold": rows_of(gold),
        "reference": rows_of(reference),
        "rejected": rows_of(rejected),
        "raw_keys_1_2": raw_keys,
        "raw_negative": con.sql("SELECT count(*) FROM raw WHERE amount < 0").fetchall()[0][0],
    }


def main() -> None:
    action, project = sys.argv[1], Path(sys.argv[2])
    if action == "land":
        (project / LANDING).mkdir(parents=True, exist_ok=True)
        pq.write_table(LANDED, project / LANDING / "judge.parquet")
        return
    print(json.dumps(check(project), default=str))


if __name__ == "__main__":
    main()
