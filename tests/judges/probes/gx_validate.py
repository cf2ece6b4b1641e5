"""Runs inside the batch judge env: GX Core, ephemeral context, one suite on a batch read from DuckDB.

Usage: python gx_validate.py WAREHOUSE.duckdb TABLE
Validates "id is never null" and "name is never null"; prints the statistics and each
expectation's outcome as JSON.
"""

from __future__ import annotations

import json
import sys

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe


def main(warehouse: str, table: str) -> None:
    with duckdb.connect(warehouse, read_only=True) as db:
        frame = db.sql(f"select * from {table}").df()
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("all_rows")
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=f"{table}_suite",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="id"),
                gxe.ExpectColumnValuesToNotBeNull(column="name"),
            ],
        )
    )
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": frame})
    outcomes = {r.expectation_config.kwargs["column"]: r.success for r in result.results}
    print(json.dumps({"success": result.success, "statistics": result.statistics, "outcomes": outcomes}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
