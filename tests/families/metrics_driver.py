"""Runs inside the batch judge environment, after `python -m pipeline.run`: parses the metrics
textfile with prometheus_client's own parser and reads the reference values straight from the
warehouse and the validation event log. Prints JSON:
{"samples": [[name, labels, value]...], "rows": {table: rows}, "newest": {table: unix seconds},
 "quality": {table: [evaluated, failed]}}.
Usage: python metrics_driver.py METRICS WAREHOUSE EVENTS schema.table[:column]..."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path

import duckdb
from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    metrics, warehouse, events = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    samples = [
        [s.name, s.labels, s.value]
        for family in text_string_to_metric_families(metrics.read_text(encoding="utf-8"))
        for s in family.samples
    ]
    con = duckdb.connect(warehouse, read_only=True)
    con.execute("set TimeZone = 'UTC'")
    existing = {
        f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    rows, newest = {}, {}
    for arg in sys.argv[4:]:
        table, _, column = arg.partition(":")
        for name in (table, f"{table}__dead_letter"):
            if name in existing:
                schema, rel = name.split(".")
                rows[name] = con.execute(f'select count(*) from "{schema}"."{rel}"').fetchone()[0]
        if column and table in existing:
            schema, rel = table.split(".")
            value = con.execute(f'select max("{column}") from "{schema}"."{rel}"').fetchone()[0]
            if value is not None and hasattr(value, "hour"):  # a timestamp (naive ones are UTC), not a date
                newest[table] = (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    quality: dict[str, list[int]] = {}
    if events.is_file():
        for line in events.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            # the quality step's events, as the metrics count them (templates/runtime/metrics.py): not
            # those of the stream's quality jobs (run id `stream:...`), which a run with PyFlink adds
            if e["event_type"] in ("ValidationPassed", "ValidationFailed") and not e["run_id"].startswith("stream:"):
                total = quality.setdefault(e["table"], [0, 0])
                total[0] += e["statistics"]["evaluated"]
                total[1] += e["statistics"]["failed"]
    print(json.dumps({"samples": samples, "rows": rows, "newest": newest, "quality": quality}, default=str))


if __name__ == "__main__":
    main()
