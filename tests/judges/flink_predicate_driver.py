"""Runs inside the flink judge env (PyFlink): evaluates rendered "broken" predicates over rows given
as Python values (never as SQL), all cases in one JVM and one job, and prints JSON on the last line.

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


def _views(env: Any, cases: list[dict[str, Any]]) -> list[int]:
    """One temporary view t<i> of (row number, value) per case; the row counts."""
    counts = []
    for i, case in enumerate(cases):
        schema = DataTypes.ROW([DataTypes.FIELD("_row", DataTypes.INT()),
                                DataTypes.FIELD(case["column"], TYPES[case["type"]])])  # fmt: skip
        rows = [(n, value(case["type"], v)) for n, v in enumerate(case["values"])]
        env.create_temporary_view(f"t{i}", env.from_elements(rows, schema))
        counts.append(len(rows))
    return counts


def _select(i: int, case: dict[str, Any]) -> str:
    return f"SELECT {i} AS `_case`, `_row`, ({case['predicate']}) AS `_value` FROM t{i}"


def _collect(env: Any, sql: str) -> dict[tuple[int, int], Any]:
    with env.execute_sql(sql).collect() as got:
        return {(r[0], r[1]): r[2] for r in got}


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text())
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    counts = _views(env, cases)
    # one Flink job for every case (a job costs ~1 s of JVM time); a case Flink refuses makes the
    # union fail, and then each case runs alone so the refusal names its case
    try:
        found = _collect(env, " UNION ALL ".join(_select(i, case) for i, case in enumerate(cases)))
    except Exception:
        found = {}
        for i, case in enumerate(cases):
            found.update(_collect(env, _select(i, case)))
    out = {case["id"]: [found[(i, n)] for n in range(counts[i])] for i, case in enumerate(cases)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
