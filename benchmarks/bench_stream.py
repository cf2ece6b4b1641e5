"""The local Flink run of a generated streaming project, beside DuckDB. Not a test: a measurement.

Run (from the repo root, in pipegen's dev environment; the measurement runs in the flink judge env):
    python -m benchmarks.bench_stream [--rows 1000000]

The e-commerce example is generated; `pipeline.change_events --rows N` writes N order inserts
(plus ~10% updates and ~5% deletes, and the dimensions) as Debezium envelopes. Then, in one
process of the flink judge env, the per-minute GMV job (`gmv_per_minute`: TUMBLE over the orders'
changelog) runs through the project's own pipeline/flink_local.py, timed by phase:
- JVM start: `TableEnvironment.create` (the py4j gateway and the JVM);
- planning: the job's DDL and `explain_sql` of its sink statement;
- execution: the query over the change files, collected, its changelog applied;
and, in the same process over the same files, DuckDB: the envelopes read with `read_json`,
folded to the final state (latest image per key, deletes dropped), GMV per minute.
Peak RSS: the JVM's VmHWM (/proc) and the Python process's own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "ecommerce_realtime.yaml"
JOB = "ecommerce_realtime__gmv_per_minute"

MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys, time
    from pathlib import Path
    project, data = Path(sys.argv[1]), Path(sys.argv[2])
    sys.path.insert(0, str(project))
    from pipeline import flink_local
    job = next(j for j in flink_local.jobs(project) if j["job"] == sys.argv[3])
    out = {}
    t = time.monotonic()
    stmts = flink_local.rewrite(flink_local.script(job, project), job, data, "run")
    t_env = flink_local.environment([s for s in stmts if s.kind == "set"])
    out["jvm_start_s"] = time.monotonic() - t
    t = time.monotonic()
    sink = None
    for s in stmts:
        if s.kind == "ddl":
            t_env.execute_sql(s.sql)
        elif s.kind == "sink":
            sink = s
    t_env.explain_sql(sink.sql)
    out["planning_s"] = time.monotonic() - t
    t = time.monotonic()
    rows = []
    with t_env.execute_sql(sink.query).collect() as results:
        for row in results:
            rows.append((str(row.get_row_kind()), tuple(row)))
    final = flink_local.changelog_state(rows)
    out["execution_s"] = time.monotonic() - t
    out["flink_windows"] = len(final)
    out["flink_changelog_rows"] = len(rows)
    jvm = [p for p in os.listdir("/proc") if p.isdigit()]
    hwm = 0
    for pid in jvm:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().split()
            if int(stat[3]) != os.getpid():
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except (OSError, IndexError, ValueError):
            continue
    out["jvm_peak_rss_mib"] = hwm / 1024
    import duckdb
    t = time.monotonic()
    con = duckdb.connect()
    files = str(data / "ecommerce_realtime.shop.orders" / "*.json")
    duck = con.execute(
        "WITH events AS (SELECT row_number() OVER () AS seq, op, before, after FROM read_json(?, "
        "columns = {op: 'VARCHAR', before: 'JSON', after: 'JSON'})), "
        "keyed AS (SELECT seq, op, CAST(coalesce(after, before)->>'order_id' AS BIGINT) AS order_id, after "
        "FROM events), "
        "latest AS (SELECT * FROM keyed QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY seq DESC) = 1), "
        "final AS (SELECT CAST(after->>'created_at' AS TIMESTAMP) AS created_at, "
        "CAST(after->>'total_amount' AS DECIMAL(10, 2)) AS total_amount FROM latest WHERE op <> 'd') "
        "SELECT time_bucket(INTERVAL 1 MINUTE, created_at) AS w, count(*), sum(total_amount), avg(total_amount) "
        "FROM final GROUP BY 1",
        [files],
    ).fetchall()
    out["duckdb_s"] = time.monotonic() - t
    out["duckdb_windows"] = len(duck)
    out["python_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    """
)


def flink_python() -> Path:
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import ensure_env

    return ensure_env("flink", sys.stderr) / "bin" / "python"


def measure(rows: int, python: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project, data = Path(tmp) / "project", Path(tmp) / "cdc"
        subprocess.run([sys.executable, "-m", "pipegen", "generate", str(SPEC), "-o", str(project)],
                       check=True, capture_output=True)  # fmt: skip
        start = time.monotonic()
        subprocess.run([str(python), "-m", "pipeline.change_events", "--rows", str(rows), "--out", str(data)],
                       cwd=project, check=True, capture_output=True)  # fmt: skip
        generated = time.monotonic() - start
        events = sum(1 for _ in (data / "ecommerce_realtime.shop.orders" / "part-0.json").open())
        start = time.monotonic()
        env = {**os.environ, "PYTHONPATH": ""}
        proc = subprocess.run([str(python), "-c", MEASURE, str(project), str(data), JOB], cwd=project,
                              check=True, capture_output=True, text=True, env=env)  # fmt: skip
        line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith('{"jvm_start_s"'))
        result: dict[str, float] = json.loads(line)
        elapsed = time.monotonic() - start
        result.update({"rows": rows, "events": events, "generate_s": generated, "process_s": elapsed})
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    args = parser.parse_args(argv)
    python = flink_python()
    print("| order inserts | change events | JVM start s | planning s | execution s | Flink events/s | "
          "JVM peak RSS MiB | DuckDB s | DuckDB events/s | windows (Flink = DuckDB) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows:
        r = measure(rows, python)
        print(
            f"| {r['rows']:,} | {r['events']:,} | {r['jvm_start_s']:.1f} | {r['planning_s']:.1f} | "
            f"{r['execution_s']:.1f} | {r['events'] / r['execution_s']:,.0f} | {r['jvm_peak_rss_mib']:,.0f} | "
            f"{r['duckdb_s']:.2f} | {r['events'] / r['duckdb_s']:,.0f} | "
            f"{r['flink_windows']:,} = {r['duckdb_windows']:,} |"
        )
        print(json.dumps(r), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
