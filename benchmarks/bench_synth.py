"""Speed and peak memory of the synthetic-data module, whole process. Not a test: a measurement.

Run: python -m benchmarks.bench_synth [--rows 100000 1000000] [--formats parquet sqlite ...]
Each run is `python templates/runtime/synthetic.py ...` in the judge environment (Faker, pyarrow,
duckdb); wall time from the parent, CPU time and peak RSS from the child's own rusage (wait4).
The table: 10 columns of an order (key, foreign key to 10,000 customers, accepted values, a
decimal range, name-driven Faker pools, a regex, ordered timestamps) and 1% bad rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SYNTHETIC = REPO / "templates" / "runtime" / "synthetic.py"
FORMATS = ("parquet", "csv", "jsonl", "sqlite", "duckdb")

CONFIG: dict[str, Any] = {
    "seed": 1,
    "bad_row_rate": 0.01,
    "tables": [
        {
            "name": "customers",
            "rows": 10_000,
            "primary_key": ["customer_id"],
            "columns": [
                {"name": "customer_id", "type": "bigint"},
                {"name": "email", "type": "string", "unique": True},
                {"name": "city", "type": "string"},
            ],
        },
        {
            "name": "orders",
            "rows": 1_000_000,
            "primary_key": ["order_id"],
            "columns": [
                {"name": "order_id", "type": "bigint"},
                {"name": "customer_id", "type": "bigint", "not_null": True, "foreign_key": "customers.customer_id"},
                {"name": "status", "type": "string", "accepted_values": ["placed", "shipped", "completed", "returned"]},
                {"name": "amount", "type": "decimal(12,2)", "range": {"min": 0, "max": 5000}},
                {"name": "quantity", "type": "int"},
                {"name": "email", "type": "string"},
                {"name": "city", "type": "string"},
                {"name": "order_ref", "type": "string", "regex": r"ORD-[A-Z]{2}\d{6}"},
                {"name": "created_at", "type": "timestamp", "not_null": True},
                {"name": "updated_at", "type": "timestamp"},
            ],
        },
    ],
}


def measure(python: Path, config: Path, out: Path, rows: int, fmt: str) -> dict[str, float]:
    """One whole-process run: wall seconds, CPU seconds (user + sys) and peak RSS in MiB."""
    args = [str(python), str(SYNTHETIC), "--config", str(config), "--out", str(out), "--format", fmt]
    started = time.perf_counter()
    child = subprocess.Popen([*args, "--rows", str(rows)], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"synthetic.py failed ({child.returncode}) for {rows} rows as {fmt}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def default_python() -> Path:
    sys.path.insert(0, str(REPO))
    from tests.judges import judge_python

    return judge_python("batch")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--python", type=Path, help="interpreter with Faker + pyarrow (default: the judge env)")
    args = parser.parse_args(argv)
    python = args.python or default_python()
    load = os.getloadavg()[0]
    print(f"synthetic.py, whole process; {platform.python_version()}, {os.cpu_count()} cores, load {load:.1f}")
    print("| rows (orders + 1% customers) | format | wall s | rows/s | CPU s | peak RSS MiB |")
    print("|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "synthetic.json"
        config.write_text(json.dumps(CONFIG))
        for rows in args.rows:
            for fmt in args.formats:
                got = measure(python, config, Path(tmp) / f"{fmt}-{rows}", rows, fmt)
                total = rows + max(1, round(10_000 * rows / 1_000_000))
                print(
                    f"| {rows:,} | {fmt} | {got['wall']:.2f} | {total / got['wall']:,.0f} "
                    f"| {got['cpu']:.2f} | {got['rss']:.0f} |"
                )


if __name__ == "__main__":
    main()
