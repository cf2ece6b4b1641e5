"""One Spark session (one JVM) for the test session's Spark judges, instead of one per module: the
drivers tests/families/spark_driver.py, spark_partition_driver.py and spark_parse_driver.py run on
tests/judges/spark_server.py's session when it is free (their `main(argv, spark)`, everything they
change put back after each request), and as a process of their own (`python DRIVER ARGV`, their own
session: the same code path with a session it makes) when it is busy with the other pytest-xdist
worker's request, so no worker waits for the other.

The server is started by the first process of the session that needs it, under a file lock beside
the workers' temporary folders (both workers find it there: STATE/server.json, its socket), and
stopped by its PID, process group and all (the JVM is its child), by that process at the end of its
session, once no request is running; a worker started later then starts its own. The server also
exits by itself when the process that started it is gone (a killed worker leaves no JVM behind).
Where the server cannot start, each driver runs as its own process and the log says why.

Under tests.timing the server and its JVM count in a CPU accounting group of their own, reported as one row
(SHARED_ROW) when the starter stops it: in the starter's group, the JVM's work for the other worker's
requests and its idle time until the session's end were counted in whichever module the starter ran then."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.judges.envs import offline_env

SERVER = Path(__file__).with_name("spark_server.py")
START_TIMEOUT = 300.0  # seconds for the session to come up on a loaded 2-core machine
SHARED_ROW = "tests/judges/spark_server.py (the session's Spark JVM, shared by the Spark modules)"


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The folder both pytest-xdist workers see (beside their own temporary folders)."""
    base = factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "spark_service"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SparkService:
    def __init__(self, python: Path, state: Path) -> None:
        self.python, self.state = python, state
        state.mkdir(parents=True, exist_ok=True)
        sock = state / "spark.sock"  # a Unix socket's path is at most 107 bytes
        short = Path("/tmp") / f"pipegen-spark-{hashlib.sha256(str(state).encode()).hexdigest()[:12]}.sock"
        self.socket = sock if len(str(sock)) < 100 else short
        self.started: subprocess.Popen[bytes] | None = None  # the server this process started
        self.since = 0.0  # when it started (time.monotonic)
        self.requests = {"server": 0, "process": 0}

    @contextlib.contextmanager
    def _busy(self, wait: bool) -> Iterator[bool]:
        """Holds the server for one request (True), or says another process holds it (False)."""
        with (self.state / "busy.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _running(self) -> bool:
        info = self.state / "server.json"
        if not info.is_file():
            return False
        pid = json.loads(info.read_text(encoding="utf-8"))["pid"]
        return alive(pid) and self.socket.exists()

    def _start(self) -> bool:
        """Starts the server (under the busy lock); False, and why in its log, when it does not come up."""
        ready, log = self.state / "ready", self.state / "server.log"
        ready.unlink(missing_ok=True)
        group = timing_group(self.state)
        with ready.open("w") as out, log.open("a") as err:
            proc = subprocess.Popen(
                [str(self.python), str(SERVER), str(self.state), str(self.socket), str(os.getpid()),
                 *([str(group)] if group else [])],
                stdout=out, stderr=err, env=offline_env(self.state / "home"), start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if ready.read_text(encoding="utf-8").strip() == "ready":
                self.started, self.since = proc, time.monotonic()
                (self.state / "server.json").write_text(json.dumps({"pid": proc.pid, "owner": os.getpid()}))
                return True
            time.sleep(0.05)  # a read of a one-line file: the session is used as soon as it says ready
        print(f"the shared Spark server did not start (see {log}): each driver runs as its own process",
              file=sys.stderr)  # fmt: skip
        self._kill(proc)
        record_cpu(self.state, 0.0)
        return False

    def run(
        self, driver: Path, argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 900, wait: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """`python DRIVER ARGV` in the spark env, in `cwd` with `env`: on the shared session when it is
        free (`wait`: once it is), else as a process of its own. What the process would exit with and print."""
        with self._busy(wait=wait) as free:
            if free and (self._running() or self._start()):
                self.requests["server"] += 1
                return self._request(driver, argv, cwd, env, timeout)
        self.requests["process"] += 1
        return subprocess.run([str(self.python), str(driver), *argv], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)  # fmt: skip

    def _request(
        self, driver: Path, argv: list[str], cwd: Path, env: dict[str, str], timeout: int
    ) -> subprocess.CompletedProcess[str]:
        request = {"driver": str(driver), "argv": argv, "cwd": str(cwd), "env": env}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(self.socket))
            with conn.makefile("rw", encoding="utf-8") as stream:
                stream.write(json.dumps(request) + "\n")
                stream.flush()
                line = stream.readline()
        if not line:  # the server died during the request: its log says why
            log = (self.state / "server.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            return subprocess.CompletedProcess([str(driver), *argv], 1, "", f"the Spark server ended: {log}")
        got = json.loads(line)
        return subprocess.CompletedProcess([str(driver), *argv], got["code"], got["out"], got["err"])

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        """The server's process group (the server and its JVM) by the server's PID, then waited for."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
                return

    def stop(self) -> None:
        """At the end of this process's session: the server it started, once no request runs."""
        if self.started is None:
            return
        with self._busy(wait=True):
            self._kill(self.started)
            info = self.state / "server.json"
            if info.is_file() and json.loads(info.read_text(encoding="utf-8"))["pid"] == self.started.pid:
                info.unlink()
            self.started = None
        record_cpu(self.state, time.monotonic() - self.since)


def timing_name(state: Path) -> str:
    """The tests.timing group's name of the server of `state` (one per server)."""
    return f"spark-{hashlib.sha256(str(state).encode()).hexdigest()[:12]}"


def timing_group(state: Path) -> Path | None:
    """A CPU accounting group for the server of `state` under tests.timing, else None."""
    timing = sys.modules.get("tests.timing")
    return timing.shared_group(timing_name(state)) if timing is not None else None  # type: ignore[no-any-return]


def record_cpu(state: Path, wall: float) -> None:
    """The CPU of the server of `state` as SHARED_ROW, if tests.timing gave it a group (else nothing)."""
    timing = sys.modules.get("tests.timing")
    if timing is not None:
        timing.record_shared(SHARED_ROW, timing_name(state), wall)
