"""Runs inside the flink judge env (PyFlink): evaluates rendered "broken" predicates over rows given
as Python values (never as SQL), all cases in one JVM, and prints JSON on the last line.

    python flink_predicate_driver.py CASES_JSON

CASES_JSON: [{"id", "column", "type" (Flink type), "predicate", "values": [...]}]; the output maps
each id to the predicate's value per row, in order."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment

TYPES = {"BIGINT": DataTypes.BIGINT(), "STRING": DataTypes.STRING(), "DECIMAL(12, 2)": DataTypes.DECIMAL(12, 2)}


def value(flink_type: str, raw: Any) -> Any:
    return Decimal(str(raw)) if raw is not None and flink_type.startswith("DECIMAL") else raw


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text())
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    out: dict[str, list[Any]] = {}
    for i, case in enumerate(cases):
        schema = DataTypes.ROW([DataTypes.FIELD("_row", DataTypes.INT()),
                                DataTypes.FIELD(case["column"], TYPES[case["type"]])])  # fmt: skip
        rows = [(n, value(case["type"], v)) for n, v in enumerate(case["values"])]
        env.create_temporary_view(f"t{i}", env.from_elements(rows, schema))
        result = env.execute_sql(f"SELECT `_row`, {case['predicate']} FROM t{i}")
        with result.collect() as got:
            by_row = {r[0]: r[1] for r in got}
        out[case["id"]] = [by_row[n] for n in range(len(rows))]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
