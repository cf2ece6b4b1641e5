"""Ingestion speed of a generated project beside plain dlt, same file, same run. Not a test: a measurement.

Run (from the repo root, in pipegen's dev environment; the measurements run in the batch judge env):
    python -m benchmarks.bench_ingest [--rows 1000000] [--api-rows 200000] [--repeat 3]

JSON lines: a project with one `files` source (`events.jsonl`, 8 columns: bigint key, bigint,
string, decimal(12,2), int, boolean, timestamp, string) is generated and N records written.
Each repeat runs, interleaved so both see the same machine load, in fresh processes of the
batch judge env, each into a fresh DuckDB file:
- generated: `python -m pipeline.ingest --local` (contract casts, dead letters, metadata,
  merge on the key);
- plain dlt: a dlt resource yielding pyarrow's streaming JSON reader's batches of the same
  file (dlt's fastest path for a JSON lines file: Arrow in, Parquet to the destination),
  merged on the same key into DuckDB, nothing else.
The ratio generated / plain dlt is taken per repeat.

API: an http.server in a thread of this process serves N records in pages of 1,000
(`?page=N`, each page serialised when asked, as a server would). Per repeat, interleaved:
- fetch only: a client that requests every page and parses its JSON, nothing else (what the
  server and HTTP allow any client);
- generated: `python -m pipeline.ingest` of a generated API project against the server (pages
  gathered into Arrow batches of 10,000 records, merged on the key into DuckDB).
Wall time is the child's whole process (interpreter start and imports included); peak RSS is
the child's own `ru_maxrss` from `wait4`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[1]
STATUSES = ("placed", "shipped", "completed", "returned")

COLUMNS = [
    ("id", "bigint"),
    ("customer_id", "bigint"),
    ("status", "string"),
    ("amount", "decimal(12,2)"),
    ("quantity", "int"),
    ("is_gift", "boolean"),
    ("created_at", "timestamp"),
    ("note", "string"),
]
PAGE_SIZE = 1000


def record(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "customer_id": 1000 + i % 5000,
        "status": STATUSES[i % 4],
        "amount": round((i % 10000) * 0.37, 2),
        "quantity": i % 7 + 1,
        "is_gift": i % 5 == 0,
        "created_at": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:00",
        "note": f"note {i}",
    }


def write_jsonl(path: Path, rows: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for start in range(1, rows + 1, 10_000):
            out.write("".join(json.dumps(record(i)) + "\n" for i in range(start, min(start + 10_000, rows + 1))))
    return path.stat().st_size


def spec(source: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 1,
        "pipeline": {"name": "bench"},
        "latency": "1d",
        "sources": [source],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
    }


def table(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "primary_key": "id", "columns": [{"name": n, "type": t} for n, t in COLUMNS], **extra}


def files_spec(folder: Path) -> dict[str, Any]:
    source = {"name": "drop", "type": "files", "connection": {"url": str(folder)},
              "tables": [table("events", path="events.jsonl", format="jsonl")]}  # fmt: skip
    return spec(source)


def api_spec(url: str) -> dict[str, Any]:
    pages = {"type": "page", "page_size": PAGE_SIZE}
    source = {"name": "shop", "type": "api", "connection": {"url": url},
              "tables": [table("events", endpoint="/events", pagination=pages)]}  # fmt: skip
    return spec(source)


def generate(data: dict[str, Any], root: Path) -> Path:
    sys.path.insert(0, str(REPO / "src"))
    from pipegen.pipeline import prepare, render_tree

    root.mkdir(parents=True, exist_ok=True)
    path = root / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    ready = prepare(path)
    for rel, text in render_tree(ready.spec, ready.plan).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


PLAIN_DLT = textwrap.dedent(
    """
    import sys, dlt, pyarrow.json as pajson
    path, warehouse, pipelines = sys.argv[1:4]

    @dlt.resource(name="events", primary_key="id", write_disposition="merge")
    def events():
        reader = pajson.open_json(path, read_options=pajson.ReadOptions(block_size=16 << 20))
        for batch in reader:
            yield batch

    pipeline = dlt.pipeline("plain", destination=dlt.destinations.duckdb(warehouse), dataset_name="raw",
                            pipelines_dir=pipelines)
    info = pipeline.run(events())
    print(pipeline.last_trace.last_normalize_info.row_counts.get("events", 0))
    """
)

FETCH_ONLY = textwrap.dedent(
    """
    import sys, requests
    url, size, total = sys.argv[1], int(sys.argv[2]), 0
    with requests.Session() as session:
        page = 1
        while True:
            rows = session.get(url, params={"page": page, "per_page": size}, timeout=60).json()
            if not rows:
                break
            total += len(rows)
            page += 1
    print(total)
    """
)


def timed(argv: list[str], cwd: Path) -> dict[str, Any]:
    """A fresh process: its wall time, its own peak RSS (wait4), its exit status and output."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEGEN_", "DLT", "RUNTIME__", "PYTHONPATH"))}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[1:3]} failed ({proc.returncode}): {stderr[-2000:]}")
    return {"wall_s": wall, "rss_mib": usage.ru_maxrss / 1024, "stdout": stdout}


def fresh(project: Path) -> None:
    import shutil

    (project / "warehouse.duckdb").unlink(missing_ok=True)
    shutil.rmtree(project / ".dlt" / "pipelines", ignore_errors=True)  # the generated project's dlt state
    shutil.rmtree(project / "pipelines", ignore_errors=True)  # plain dlt's


def landed(python: Path, project: Path, sql: str) -> int:
    code = "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchone()[0])"
    return int(timed([str(python), "-c", code, str(project / "warehouse.duckdb"), sql], project)["stdout"])


def measure_jsonl(python: Path, rows: int, repeat: int, root: Path) -> list[dict[str, Any]]:
    data = root / "files"
    size = write_jsonl(data / "events.jsonl", rows)
    project = generate(files_spec(data), root / "files_project")
    plain_dir = root / "plain"
    plain_dir.mkdir()
    results = []
    for _ in range(repeat):
        fresh(project)
        gen = timed([str(python), "-m", "pipeline.ingest", "--local"], project)
        assert landed(python, project, "select count(*) from raw_drop.events") == rows, "every record must land"
        fresh(plain_dir)
        plain = timed([str(python), "-c", PLAIN_DLT, str(data / "events.jsonl"), str(plain_dir / "warehouse.duckdb"),
                       str(plain_dir / "pipelines")], plain_dir)  # fmt: skip
        assert int(plain["stdout"].strip().splitlines()[-1]) == rows
        results.append({"generated": gen, "plain": plain, "bytes": size})
    return results


class Api(BaseHTTPRequestHandler):
    """`?page=N` (1-based) of `rows` records, serialised when asked; an empty page after the last."""

    rows = 0
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * PAGE_SIZE + 1
        body = json.dumps([record(i) for i in range(start, min(start + PAGE_SIZE, Api.rows + 1))]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def measure_api(python: Path, rows: int, repeat: int, root: Path) -> list[dict[str, Any]]:
    Api.rows = rows
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        project = generate(api_spec(url), root / "api_project")
        results = []
        for _ in range(repeat):
            fetch = timed([str(python), "-c", FETCH_ONLY, url + "/events", str(PAGE_SIZE)], project)
            assert int(fetch["stdout"].strip()) == rows
            fresh(project)
            gen = timed([str(python), "-m", "pipeline.ingest"], project)
            assert landed(python, project, "select count(*) from raw_shop.events") == rows, "every record must land"
            Api.rows = PAGE_SIZE  # one page: what a run costs before its records (start-up, imports, load)
            fresh(project)
            one_page = timed([str(python), "-m", "pipeline.ingest"], project)
            Api.rows = rows
            results.append({"fetch": fetch, "generated": gen, "one_page": one_page})
        return results
    finally:
        server.shutdown()
        server.server_close()


def batch_python() -> Path:
    sys.path.insert(0, str(REPO))
    from tests.judges.envs import ensure_env

    return ensure_env("batch", sys.stderr) / "bin" / "python"


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def report(rows: int, api_rows: int, jsonl: list[dict[str, Any]], api: list[dict[str, Any]]) -> str:
    lines = [
        f"JSON lines: {rows:,} records, {jsonl[0]['bytes'] / 2**20:.0f} MiB, {len(jsonl)} interleaved repeats "
        "(median, min–max)",
        "",
        "| path | wall s | records/s | peak RSS MiB |",
        "|---|---|---|---|",
    ]
    for key, name in (("generated", "generated ingestion"), ("plain", "plain dlt, pyarrow JSON batches")):
        walls = [r[key]["wall_s"] for r in jsonl]
        lines.append(f"| {name} | {spread(walls)} | {rows / statistics.median(walls):,.0f} | "
                     f"{max(r[key]['rss_mib'] for r in jsonl):.0f} |")  # fmt: skip
    ratios = [r["generated"]["wall_s"] / r["plain"]["wall_s"] for r in jsonl]
    lines += ["", f"ratio generated / plain dlt, per repeat: {', '.join(f'{x:.2f}' for x in ratios)} "
              f"(median {statistics.median(ratios):.2f}; target ≤ 1.5)"]  # fmt: skip
    if api:
        lines += ["", f"API: {api_rows:,} records in pages of {PAGE_SIZE:,}, {len(api)} interleaved repeats", "",
                  "| path | wall s | records/s | peak RSS MiB |", "|---|---|---|---|"]  # fmt: skip
        for key, name in (("fetch", "fetch and parse only"), ("generated", "generated ingestion")):
            walls = [r[key]["wall_s"] for r in api]
            lines.append(f"| {name} | {spread(walls)} | {api_rows / statistics.median(walls):,.0f} | "
                         f"{max(r[key]['rss_mib'] for r in api):.0f} |")  # fmt: skip
        ratios = [r["generated"]["wall_s"] / r["fetch"]["wall_s"] for r in api]
        lines += ["", f"ratio generated / fetch only, per repeat: {', '.join(f'{x:.2f}' for x in ratios)}"]
        fixed = [r["one_page"]["wall_s"] for r in api]
        marginal = [(api_rows - PAGE_SIZE) / max(r["generated"]["wall_s"] - r["one_page"]["wall_s"], 1e-9) for r in api]
        fetch_rate = [api_rows / r["fetch"]["wall_s"] for r in api]
        lines += [
            f"generated, one page ({PAGE_SIZE:,} records): {spread(fixed)} s (start-up, imports, the load)",
            "generated beyond the first page, records/s per repeat: "
            + ", ".join(f"{m:,.0f}" for m in marginal)
            + "; fetch only, records/s per repeat: "
            + ", ".join(f"{f:,.0f}" for f in fetch_rate),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-rows", type=int, default=200_000, help="0: no API measurement")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    python = batch_python()
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = measure_jsonl(python, args.rows, args.repeat, Path(tmp))
        api = measure_api(python, args.api_rows, args.repeat, Path(tmp)) if args.api_rows else []
    print(report(args.rows, args.api_rows, jsonl, api))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
