"""The session's Flink cluster (tests/judges/flink_cluster.py): the jobs a request through the Flink judge
service runs go to one MiniCluster in the server's JVM, with the same results and the same failures as
PyFlink's per-job local executor gives a process, a job a request leaves running never holds the
cluster's slots for the next request, and a job finding every slot taken waits for one instead of failing
(s49's cluster failed it once it was 5 minutes old)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.judges import flink_cluster, flink_service
from tests.judges.envs import offline_env
from tests.judges.flink_cluster import SLOTS

pytestmark = pytest.mark.judge
# the tests of the session's cluster itself; with PIPEGEN_FLINK_SESSION_CLUSTER=0 (the same-run comparison's "off")
# the service starts none
session_cluster = pytest.mark.skipif(not flink_cluster.wanted(), reason="PIPEGEN_FLINK_SESSION_CLUSTER=0: no cluster")

# a job's rows, a job failing at run time (a division by zero in its third row), and the next job's rows
ROWS_FAILURE_ROWS = """
from pyflink.table import EnvironmentSettings, TableEnvironment


def env(batch=False):
    mode = EnvironmentSettings.in_batch_mode() if batch else EnvironmentSettings.in_streaming_mode()
    t = TableEnvironment.create(mode)
    t.get_config().set("parallelism.default", "1")
    return t


def rows(t, query):
    with t.execute_sql(query).collect() as result:
        return sorted((str(r.get_row_kind()), tuple(r)) for r in result)


t = env()
print(rows(t, "SELECT x, SUM(y) FROM (VALUES (1, 10), (2, 20), (1, 5)) AS v(x, y) GROUP BY x"))
t.execute_sql("CREATE TABLE g (n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '5', "
              "'fields.n.kind' = 'sequence', 'fields.n.start' = '-2', 'fields.n.end' = '2')")
try:
    print(rows(t, "SELECT 10 / n FROM g"))
except Exception as exc:
    causes = [l.strip() for l in str(exc).splitlines() if "Exception:" in l and not l.strip().startswith("at ")]
    print("failed:", causes[-1])
print(rows(env(batch=True), "SELECT COUNT(*) FROM (VALUES (1), (2), (3)) AS v(x)"))
"""
# a streaming job submitted and never waited for, on every slot of the cluster: a process's JVM would die
# with it; the session cluster's must not keep it
LEFT_RUNNING = """
from pyflink.table import EnvironmentSettings, TableEnvironment

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "{slots}")
t.execute_sql("CREATE TABLE g (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5')")
t.execute_sql("CREATE TABLE b (n BIGINT) WITH ('connector' = 'blackhole')")
print(t.execute_sql("INSERT INTO b SELECT n FROM g").get_job_client().get_job_id())
"""
EVERY_SLOT = """
from pyflink.table import EnvironmentSettings, TableEnvironment

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "{slots}")
t.execute_sql("CREATE TABLE g (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '16', "
              "'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '16')")
with t.execute_sql("SELECT SUM(n) FROM g").collect() as rows:
    print([tuple(r) for r in rows][-1])
"""

# one request holding every slot of the session cluster with an unbounded job until its caller writes a line
HOLDING = """
import sys
from pyflink.table import EnvironmentSettings, TableEnvironment

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "{slots}")
t.execute_sql("CREATE TABLE g (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5')")
t.execute_sql("CREATE TABLE b (n BIGINT) WITH ('connector' = 'blackhole')")
print(t.execute_sql("INSERT INTO b SELECT n FROM g").get_job_client().get_job_id(), flush=True)
sys.stdin.readline()
"""
ONE_SLOT = """
import os
from pyflink.table import EnvironmentSettings, TableEnvironment

print(os.getpid(), flush=True)  # the fork's: its jobs' TAG

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "1")
with t.execute_sql("SELECT COUNT(*) FROM (VALUES (1), (2), (3)) AS v(x)").collect() as rows:
    print([tuple(r) for r in rows][-1])
"""
# a one-slot cluster of its own (in the server's JVM, closed at the end) with the given resource manager
# start-up time, its slot taken by an unbounded job; a job needing a slot, submitted while the first runs (it
# is cancelled 3 s later): its rows, or the Java cause it failed with
SLOT_TAKEN = """
import sys, threading, time
sys.path.insert(0, {judges!r})
import flink_cluster
from pyflink.table import EnvironmentSettings, TableEnvironment

cluster = flink_cluster.start(slots=1, startup={startup!r})
try:
    flink_cluster.submit_to(cluster)
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.get_config().set("parallelism.default", "1")
    t.execute_sql("CREATE TABLE g (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5')")
    t.execute_sql("CREATE TABLE b (n BIGINT) WITH ('connector' = 'blackhole')")
    filler = str(t.execute_sql("INSERT INTO b SELECT n FROM g").get_job_client().get_job_id())
    while flink_cluster.rest(cluster, "GET", "/jobs/" + filler)["state"] != "RUNNING":
        time.sleep(0.1)
    threading.Timer(3, flink_cluster.cancel, (cluster, [filler])).start()
    try:
        with t.execute_sql("SELECT COUNT(*) FROM (VALUES (1), (2), (3)) AS v(x)").collect() as rows:
            print([tuple(r) for r in rows][-1])
    except Exception as exc:
        print("failed:", [l.strip() for l in str(exc).splitlines() if "Exception:" in l][-1])
finally:
    flink_cluster.close(cluster)
"""

# a streaming job that never ends, collected: the request blocks until its caller's timeout
STUCK = """
from pyflink.table import EnvironmentSettings, TableEnvironment

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.execute_sql("CREATE TABLE g (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1')")
with t.execute_sql("SELECT n FROM g").collect() as rows:
    print("submitted", flush=True)
    for _ in rows:
        pass
"""


def run(python: Path, code: str, cwd: Path, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**offline_env(cwd / "home"), **extra}
    return subprocess.run([str(python), "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def cluster_of(shim: Path) -> str:
    url = json.loads((shim.parent.parent / "server.json").read_text(encoding="utf-8"))["cluster"]
    assert url, "the session's server started no cluster"
    return str(url)


def jobs(url: str) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(url + "/jobs/overview", timeout=10) as answer:
        return {j["jid"]: j for j in json.load(answer)["jobs"]}


def jobs_of(url: str, fork: str) -> list[dict[str, Any]]:
    """The cluster's jobs that the fork `fork` submitted (its TAG)."""
    out = []
    for jid, job in jobs(url).items():
        with urllib.request.urlopen(f"{url}/jobs/{jid}/config", timeout=10) as answer:
            config = json.load(answer).get("execution-config", {})
        if str(config.get("user-config", {}).get(flink_cluster.TAG, "")) == fork:
            out.append(job)
    return out


# what a request's TableEnvironments plan with: the code-split threshold before and after a job's own SET
CODE_SPLIT = f"""
import json
from pyflink.table import EnvironmentSettings, TableEnvironment

t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
before = t.get_config().get("{flink_cluster.CODE_SPLIT_OPTION}", "unset")
t.get_config().set("{flink_cluster.CODE_SPLIT_OPTION}", "5000")
own = t.get_config().get("{flink_cluster.CODE_SPLIT_OPTION}", "unset")
print(json.dumps([before, own]))
"""


@session_cluster
def test_the_services_environments_split_only_long_generated_code_unless_a_request_keeps_flinks_default(
    flink_shared: Path, tmp_path: Path
) -> None:
    """The service's TableEnvironments plan with the judge's code-split threshold; a request whose environment sets
    CODE_SPLIT_ENV=flink (test_flink_jobs.py's) gets Flink's own default, and a job's own SET wins either way."""
    judged = run(flink_shared, CODE_SPLIT, tmp_path)
    assert judged.returncode == 0, judged.stderr[-2000:]
    assert json.loads(judged.stdout.strip().splitlines()[-1]) == [flink_cluster.JUDGE_CODE_SPLIT, "5000"]
    kept = run(flink_shared, CODE_SPLIT, tmp_path, **{flink_cluster.CODE_SPLIT_ENV: "flink"})
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert json.loads(kept.stdout.strip().splitlines()[-1]) == ["unset", "5000"]


@session_cluster
def test_a_request_s_jobs_run_on_the_session_cluster_as_on_a_job_s_own_mini_cluster(
    flink_python: Path, flink_shared: Path, tmp_path: Path
) -> None:
    """The same rows, the same runtime failure (the Java cause a judge reports) and the next job's rows after
    it, in a process of the flink env's python (a mini-cluster a job) and through the service."""
    url = cluster_of(flink_shared)
    before = set(jobs(url))
    shared = run(flink_shared, ROWS_FAILURE_ROWS, tmp_path)
    ran_here = {jid: j for jid, j in jobs(url).items() if jid not in before}
    own = run(flink_python, ROWS_FAILURE_ROWS, tmp_path)
    assert own.returncode == 0, own.stderr[-3000:]
    assert (shared.returncode, shared.stdout) == (0, own.stdout), shared.stderr[-3000:]
    lines = own.stdout.splitlines()
    assert "(1, 15))" in lines[0] and "(2, 20))" in lines[0], lines
    assert lines[1].startswith("failed: ") and "ArithmeticException" in lines[1], lines
    assert lines[2] == "[('+I', (3,))]", lines
    states = sorted(j["state"] for j in ran_here.values())
    assert states == ["FAILED", "FINISHED", "FINISHED"], ran_here  # on the session's cluster, not their own


@session_cluster
def test_a_job_left_running_is_cancelled_before_the_answer_and_the_next_request_gets_every_slot(
    flink_shared: Path, tmp_path: Path
) -> None:
    url = cluster_of(flink_shared)
    left = run(flink_shared, LEFT_RUNNING.format(slots=SLOTS), tmp_path)
    assert left.returncode == 0, left.stderr[-3000:]
    jid = left.stdout.strip().splitlines()[-1]
    assert jobs(url)[jid]["state"] == "CANCELED"  # already when the request was answered
    after = run(flink_shared, EVERY_SLOT.format(slots=SLOTS), tmp_path, timeout=120)
    assert (after.returncode, after.stdout.strip()) == (0, "(136,)"), after.stderr[-3000:]


def test_a_job_finding_every_slot_taken_waits_for_one_where_s49_s_cluster_failed_it(
    flink_shared: Path, tmp_path: Path
) -> None:
    """s49's session cluster kept Flink's default resource manager start-up time (slot.request.timeout, 5 min):
    once the cluster was older than that, a job finding no free slot failed at once with
    NoResourceAvailableException (the reverted merge's 9 errors). "100 ms" stands for that old cluster; the
    service's cluster (STARTUP) lets the job wait until a slot is free."""
    judges = str(Path(flink_cluster.__file__).parent)
    s49 = run(flink_shared, SLOT_TAKEN.format(judges=judges, startup="100 ms"), tmp_path, timeout=120)
    now = run(flink_shared, SLOT_TAKEN.format(judges=judges, startup=flink_cluster.STARTUP), tmp_path, timeout=120)
    assert s49.returncode == 0, s49.stderr[-3000:]
    assert s49.stdout.startswith("failed: ") and "NoResourceAvailableException" in s49.stdout, s49.stdout
    assert (now.returncode, now.stdout) == (0, "(3,)\n"), now.stdout + now.stderr[-3000:]


@session_cluster
def test_a_request_finding_the_session_cluster_full_waits_until_the_request_holding_it_ends(
    flink_shared: Path, tmp_path: Path
) -> None:
    """One request's unbounded job on every slot, held while a second request's job is submitted: the second
    job waits (it is on the cluster, not finished, while the first holds the slots) and gives its rows once the
    first request ends and the server cancels the job it left."""
    url = cluster_of(flink_shared)
    env = offline_env(tmp_path / "home")
    pipe = subprocess.PIPE
    holder = subprocess.Popen([str(flink_shared), "-c", HOLDING.format(slots=SLOTS)], cwd=tmp_path, env=env,
                              stdin=pipe, stdout=pipe, stderr=pipe, text=True)  # fmt: skip
    assert holder.stdin is not None and holder.stdout is not None
    filler = holder.stdout.readline().strip()
    assert filler, holder.communicate(timeout=60)[1][-3000:]
    second = subprocess.Popen([str(flink_shared), "-c", ONE_SLOT], cwd=tmp_path, env=env, stdout=pipe, stderr=pipe,
                              text=True)  # fmt: skip
    assert second.stdout is not None
    fork = second.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while not (waiting := jobs_of(url, fork)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(waiting) == 1 and waiting[0]["state"] not in flink_cluster.TERMINAL, waiting
    assert jobs(url)[filler]["state"] == "RUNNING"  # every slot still the holder's
    holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    out, err = second.communicate(timeout=120)
    assert (second.returncode, out) == (0, "(3,)\n"), err[-3000:]  # its first line (the fork's PID) read above
    assert jobs(url)[filler]["state"] == "CANCELED"


@session_cluster
def test_a_stuck_job_still_ends_by_its_caller_s_timeout_and_is_cancelled(flink_python: Path, tmp_path: Path) -> None:
    """On a server of the test's own (it retires after a fork killed mid-request): the caller's timeout kills
    the shim (here at once, once the job runs: subprocess.run's timeout kills its child the same way), the
    server kills the fork, cancels the job it left on the cluster and stops, its JVM with it."""
    lease = flink_service.acquire(tmp_path / "flink_service", flink_python)
    try:
        assert lease.started is not None
        caller = subprocess.Popen([str(lease.python), "-c", STUCK], cwd=tmp_path, env=offline_env(tmp_path / "home"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert caller.stdout is not None
        assert caller.stdout.readline() == "submitted\n", caller.communicate(timeout=60)[1][-3000:]
        caller.kill()  # the caller's timeout
        caller.wait(timeout=30)
        lease.started.proc.wait(timeout=60)  # retired and stopped
        log = (lease.state / "server.log").read_text(encoding="utf-8")
        assert "caller gone, fork" in log and "cancelled 1 job(s) left running" in log, log[-3000:]
        assert not flink_service.alive(lease.started.jvm)
    finally:
        lease.release()


def test_the_jobs_cancelled_are_those_of_requests_that_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests side by side (two pytest workers): a job is a leftover when the fork it names has ended,
    never while its fork runs; a job naming no fork, when it is older than the oldest running fork."""
    jobs = {"mine": ("RUNNING", "5", 1000), "ended": ("RUNNING", "7", 1000), "done": ("FINISHED", "7", 1000),
            "old": ("RESTARTING", None, 1000), "new": ("RUNNING", None, 3000)}  # fmt: skip

    def rest(_cluster: object, method: str, path: str) -> Any:
        assert method == "GET"
        if path == "/jobs/overview":
            return {"jobs": [{"jid": j, "state": s, "start-time": t} for j, (s, _, t) in jobs.items()]}
        fork = jobs[path.split("/")[2]][1]
        return {"execution-config": {"user-config": {flink_cluster.TAG: fork} if fork else {}}}

    monkeypatch.setattr(flink_cluster, "rest", rest)
    cluster = flink_cluster.Cluster(None, "http://127.0.0.1:1", "127.0.0.1", 1)
    assert flink_cluster.leftovers(cluster, {5}, before=2.0) == ["ended", "old"]
    assert flink_cluster.leftovers(cluster, set(), before=4.0) == ["mine", "ended", "old", "new"]
