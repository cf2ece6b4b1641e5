"""The e-commerce example's local stream run, made once per test session and shared by
tests/judges/test_flink_e2e.py (the live jobs against the DuckDB reference) and
tests/judges/test_flink_replay.py (replay versions of two of them): the same generated project, the
same seeded change events (ROWS orders), one flink-env process for the live run of every job the
e2e judge compares, every replay plan, the three replay runs and PyFlink's EXPLAIN of every replay
version (one JVM: tests/judges/flink_replay_driver.py `session`), then each judge's DuckDB read and
the replay's `compare` commands. Each module asserts its own things on the result; whichever module
comes first builds it, under a file lock shared by the pytest-xdist workers (the result is a JSON
file beside the workers' temporary folders), so neither depends on the other's order or worker.
The replay module's `switch`/`rollback` work on a copy of the project (they change its tables)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, generate
from tests.judges import offline_env
from tests.judges.envs import file_lock

HERE = Path(__file__).parent
E2E_DRIVER = HERE / "flink_e2e_driver.py"
REPLAY_DRIVER = HERE / "flink_replay_driver.py"
PIPELINE = "ecommerce_realtime"
ROWS = 300
# every job the e2e judge compares with the reference; the replay judge replays the first two
LIVE = ("gmv_per_minute", "category_top_sales", "user_sessions", "suspicious_orders")
JOB = "gmv_per_minute"  # also replayed from a timestamp (version 3)
EARLIEST = (JOB, "category_top_sales")  # replayed from the earliest event (version 2)


def run(python: Path, args: list[str], cwd: Path, home: Path, code: int = 0) -> str:
    proc = subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, env=offline_env(home), timeout=900, check=False
    )
    assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def last_json(out: str) -> Any:
    return json.loads(out.strip().splitlines()[-1])


def replay_time(cdc: Path) -> int:
    """The time of the first update (past the first two minutes) of an order inserted before it."""
    for line in (cdc / f"{PIPELINE}.shop.orders" / "part-0.json").read_text().splitlines():
        event = json.loads(line)
        if event["op"] != "u" or event["source"]["ts_ms"] < 1767225720000:  # 2026-01-01T00:02:00Z
            continue
        created = datetime.fromisoformat(event["before"]["created_at"]).replace(tzinfo=UTC)
        if created.timestamp() * 1000 < event["source"]["ts_ms"]:
            return int(event["source"]["ts_ms"])
    raise AssertionError("no update of an earlier order: the timestamp replay would prove less")


def session_calls(project: Path, cdc: Path, at: str) -> tuple[list[list[Any]], list[tuple[str, str]], list[str]]:
    """(the session's calls: the live run, every plan, the replay runs; the (job, version) of each
    replay run, in the calls' order at their end; the replay manifests to EXPLAIN)."""
    jobs = [j["job"] for j in json.loads((project / "flink" / "jobs.json").read_text())["jobs"]]
    live = [arg for job in LIVE for arg in ("--job", f"{PIPELINE}__{job}")]
    plans = [["replay", ["plan", "--job", job, "--from", "earliest", "--version", "2"]] for job in jobs]
    plans.append(["replay", ["plan", "--job", JOB, "--from", at, "--version", "3"]])
    replays = [(job, "2") for job in EARLIEST] + [(JOB, "3")]
    runs = [["replay", ["run", "--local", "--job", j, "--version", v, "--data", str(cdc)]] for j, v in replays]
    manifests = [str(project / "flink" / "replay" / f"{job}__v2.json") for job in jobs]
    manifests.append(str(project / "flink" / "replay" / f"{PIPELINE}__{JOB}__v3.json"))
    return [["stream", ["--data", str(cdc), *live]], *plans, *runs], replays, manifests


def build(python: Path, root: Path) -> dict[str, Any]:
    """Generates the project, writes the change events and runs both judges' tools (module doc)."""
    project, cdc, home = root / "project", root / "cdc", root / "home"
    code, output = generate(REPO / "specs" / f"{PIPELINE}.yaml", project)
    assert code == 0, output
    run(python, ["-m", "pipeline.change_events", "--rows", str(ROWS), "--out", str(cdc)], project, home)
    since = replay_time(cdc)
    at = datetime.fromtimestamp(since / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    calls, replays, manifests = session_calls(project, cdc, at)
    (root / "calls.json").write_text(json.dumps({"calls": calls, "explain": manifests}), encoding="utf-8")
    *done, explained = last_json(run(python, [str(REPLAY_DRIVER), "session", str(project), str(root / "calls.json")],
                                     project, home))  # fmt: skip
    for (module, argv), result in zip(calls, done, strict=True):
        assert result["code"] == 0, (module, argv, result["out"][-2000:], result["err"][-3000:])
    live = last_json(run(python, [str(E2E_DRIVER), str(project), str(cdc)], project, home))
    live["run"] = {"started": done[0]["started"], "ended": done[0]["ended"]}  # the live run's call
    tables = [f"{t}:{job}:earliest" for job in EARLIEST for t in (job, f"{job}__v2")] + [f"{JOB}__v3:{JOB}:{since}"]
    results = last_json(run(python, [str(REPLAY_DRIVER), "results", str(project), str(cdc), *tables], project, home))
    compare = ["-m", "pipeline.replay", "compare", "--local", "--job", JOB, "--version"]
    # exit 0: equal; 1: the rows differ
    compared = {v: run(python, [*compare, v], project, home, code) for v, code in (("2", 0), ("3", 1))}
    logs = {f"{job}:{version}": r["out"] for (job, version), r in zip(replays, done[-len(replays) :], strict=True)}
    jobs = [j["job"] for j in json.loads((project / "flink" / "jobs.json").read_text())["jobs"]]
    return {"project": str(project), "cdc": str(cdc), "jobs": jobs, "at": at, "e2e": live, "explained": explained,
            "results": results, "compared": compared, "logs": logs}  # fmt: skip


def shared_run(python: Path, factory: pytest.TempPathFactory) -> dict[str, Any]:
    """build()'s result, made by the first module of the session that asks (module doc)."""
    base = factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "ecommerce_stream"
    with file_lock(root.with_name("ecommerce_stream.lock"), sys.stderr):
        done = root / "result.json"
        if not done.is_file():  # none yet, or the builder before failed: from scratch
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            done.with_suffix(".tmp").write_text(json.dumps(build(python, root)), encoding="utf-8")
            done.with_suffix(".tmp").replace(done)
    result: dict[str, Any] = json.loads(done.read_text(encoding="utf-8"))
    return result
