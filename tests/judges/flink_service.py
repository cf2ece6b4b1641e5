"""One PyFlink JVM for the whole test session: the Flink judge service (issue 24).

Before it, about sixteen test modules each started PyFlink's gateway (a JVM: ~7-12 s of CPU with
the planner's first query) in a driver process of their own. Now the first pytest process that
asks (the session fixture `flink_shared`, tests/judges/fixtures.py) starts one server in the flink
judge env (tests/judges/flink_server.py) under a file lock, in a folder both pytest-xdist workers
find (beside their temporary folders), and every process of the session that asks leases it.
Its fixture value is a stand-in for the flink env's python (STATE/bin/python, tests/judges/
flink_shim.py): `subprocess.run([flink_shared, DRIVER, ARGS], cwd=, env=, input=, ...)` runs as it
ran with the real interpreter, its stdout, stderr and exit code the same, but in a fork of the
server, where the JVM is already up, and its Flink jobs on the one MiniCluster the server starts
there (tests/judges/flink_cluster.py), not on a mini-cluster a job. What must run in a process of
its own does: a request whose environment would start another JVM, or one the shim cannot hand
over, runs in the real interpreter (flink_server.py says which); the user's own commands are judged
as processes where that is the point (the README walk-throughs' `pipegen run`,
tests/families/test_lake_stream_bronze.py's; the stream step starting a JVM of its own from
`pipegen run`: the e-commerce walk-through's).

The server is stopped by its starter at the end of the starter's session, by its PID, once no
other live process holds a lease (the other worker may still be running a Flink module); a worker
that dies loses its lease with its PID, and the server itself exits when no lease holder is alive,
so it never outlives the session. With `-p tests.timing` the server and its JVM get a CPU
accounting group of their own, reported as one row (SHARED_ROW); a server without PyFlink (the
service's own tests start some) gets none: its CPU is the module's that starts it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.judges.envs import offline_env

HERE = Path(__file__).parent
SERVER = HERE / "flink_server.py"
SHIM = HERE / "flink_shim.py"
SHARED_ROW = "tests/judges/flink_server.py (the session's Flink JVM, shared by the Flink modules)"
READY_SECONDS = 900  # a JVM start on a loaded machine


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    jvm: int  # its JVM's PID


@dataclass
class Lease:
    state: Path
    python: Path  # the shim: use it where the flink env's python was used
    started: Server | None  # the server, when this process started it
    since: float

    def release(self) -> None:
        """Give the lease back; the starter stops the server once no other live process holds one."""
        if self.started is not None:
            while others_alive(self.state) and self.started.proc.poll() is None:
                time.sleep(1)
        with locked(self.state):
            if self.started is not None:
                with contextlib.suppress(FileNotFoundError):
                    (self.state / "server.json").unlink()
                stop(self.started)
            with contextlib.suppress(FileNotFoundError):
                (self.state / "leases" / str(os.getpid())).unlink()
        if self.started is not None:
            record_cpu(self.state, time.monotonic() - self.since)


def state_dir(base: Path) -> Path:
    """The service's folder for this session, given pytest's base temporary folder (a worker's:
    its parent is the folder every worker of the session shares)."""
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "flink_service"


def acquire(state: Path, flink_python: Path, jvm: bool = True) -> Lease:
    """Lease the session's server, starting it if none is up (under the service's lock); `jvm`
    False: a server without PyFlink (flink_server.py `--no-jvm`, for the service's own tests)."""
    state.mkdir(parents=True, exist_ok=True)
    with locked(state):
        started = None if running(state) else start(state, flink_python, jvm)
        (state / "leases").mkdir(exist_ok=True)
        (state / "leases" / str(os.getpid())).write_text("", encoding="utf-8")
    return Lease(state, state / "bin" / "python", started, time.monotonic())


@contextlib.contextmanager
def locked(state: Path) -> Iterator[None]:
    with (state / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def running(state: Path) -> bool:
    try:
        info = json.loads((state / "server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return alive(int(info["pid"])) and Path(info["socket"]).exists()


def socket_path(state: Path) -> Path:
    """STATE/sock, or a short name in /tmp where that is longer than a Unix socket's path may be."""
    path = state / "sock"
    if len(str(path)) < 100:
        return path
    return Path("/tmp") / f"pipegen-flink-{hashlib.sha256(str(state).encode()).hexdigest()[:16]}.sock"


def start(state: Path, flink_python: Path, jvm: bool = True) -> Server:
    """The server (its CPU in a group of its own under tests.timing), ready; the shim written."""
    with contextlib.suppress(FileNotFoundError):
        (state / "server.json").unlink()
    sock = socket_path(state)
    write_shim(state / "bin" / "python", flink_python, sock)
    env = offline_env(state / "home", GRPC_ENABLE_FORK_SUPPORT="false")
    group = timing_group(state) if jvm else None  # a no-JVM server counts with the module starting it
    options = [*(["--cgroup", str(group)] if group else []), *([] if jvm else ["--no-jvm"])]
    with (state / "server.log").open("ab") as log:
        proc = subprocess.Popen(
            [str(flink_python), str(SERVER), str(state), str(sock), *options], stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=state, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        info = json.loads((state / "server.json").read_text(encoding="utf-8")) if running(state) else {}
        if info.get("pid") == proc.pid:
            return Server(proc, int(info["jvm_pid"]))
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop(Server(proc, 0))
    tail = (state / "server.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"the Flink judge service did not start (exit {proc.returncode}):\n{tail}")


def write_shim(path: Path, flink_python: Path, sock: Path) -> None:
    text = SHIM.read_text(encoding="utf-8")
    text = text.replace('PYTHON = ""', f"PYTHON = {str(flink_python)!r}", 1)
    text = text.replace('SOCKET = ""', f"SOCKET = {str(sock)!r}", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{flink_python} -IS\n{text}", encoding="utf-8")
    path.chmod(0o755)


def stop(server: Server) -> None:
    """The server this process started, by its PID (SIGTERM: it kills its JVM), then its JVM by
    its PID if the server had to be killed."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    if server.jvm and alive(server.jvm) and b"java" in Path(f"/proc/{server.jvm}/cmdline").read_bytes():
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.jvm, signal.SIGKILL)


def others_alive(state: Path) -> bool:
    return any(alive(int(p.name)) for p in (state / "leases").glob("*") if p.name != str(os.getpid()))


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] not in ("Z", "X")


def timing_name(state: Path) -> str:
    """The tests.timing group's name of the server of `state`: one per server, so that a process
    starting two (the session's, and a test's own) never records one's CPU as the other's."""
    return f"flink-{hashlib.sha256(str(state).encode()).hexdigest()[:12]}"


def timing_group(state: Path) -> Path | None:
    timing = sys.modules.get("tests.timing")
    return timing.shared_group(timing_name(state)) if timing is not None else None  # type: ignore[no-any-return]


def record_cpu(state: Path, wall: float) -> None:
    """The CPU of the server of `state` as SHARED_ROW, if tests.timing gave it a group (else nothing)."""
    timing = sys.modules.get("tests.timing")
    if timing is not None:
        timing.record_shared(SHARED_ROW, timing_name(state), wall)
