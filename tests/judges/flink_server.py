"""The session's Flink judge service (tests/judges/flink_service.py starts it): runs inside the flink
judge env, starts PyFlink's gateway JVM once, and then runs `python ARGS` requests, each in a fork of
this process, so that every request finds the JVM up (a gateway start and the planner's first query
cost ~7-12 s of CPU) and pays no interpreter start or PyFlink import.

    python flink_server.py STATE_DIR SOCKET [--no-jvm] [--cgroup GROUP]

(`--cgroup`: the CPU accounting group to join first, for tests.timing; `--no-jvm`: no PyFlink, for
tests/judges/test_flink_service.py's checks of the service's life cycle and of how faithfully a fork
runs `python ARGS`, in any interpreter.)

A request comes from the shim (tests/judges/flink_shim.py: what the judges run instead of the flink
env's python) over the Unix socket SOCKET: its argv (`SCRIPT ARGS`, `-m MODULE ARGS` or `-c CODE
ARGS`), working directory and environment, with its stdin, stdout and stderr as file descriptors.
The fork runs it as `python ARGS` would in a new process: those descriptors are its 0, 1 and 2,
its environment is os.environ, sys.argv and sys.path[0] as the interpreter sets them (PYTHONPATH,
PYTHONDONTWRITEBYTECODE, PYTHONUNBUFFERED and PYTHONIOENCODING honoured), `__main__` a new module,
an uncaught exception through sys.excepthook and exit code 1, SystemExit's code its exit code, and
at its end what an interpreter's exit does (non-daemon threads joined, the exit handlers the request
registered run, the streams flushed); the JVM objects it made are released. Its module state,
working directory and environment die with the fork: the next request starts from this process's
state again (pyflink, py4j, duckdb imported; the JVM's planner warmed by one query). The server
answers the shim with the exit code (or the signal) once the fork has ended.

What a request shares with the others is the JVM: its static state, its working directory, the
environment it was started with, and the session's Flink cluster (flink_cluster.py: one MiniCluster
started here, which every TableEnvironment a fork makes submits its jobs to, instead of a mini-cluster
a job; PIPEGEN_FLINK_SESSION_CLUSTER=0 in the server's environment: none). So a request whose
environment sets a JVM variable (JVM_VARIABLES, or another `java`) differently from the server's, or
any other PYTHON* variable, is answered `fallback` and the shim runs it as a process of the real
interpreter instead. Flink SQL must name files by absolute paths (the generated flink_local.py does:
its scratch folders); a job a request leaves running when it ends (a process's JVM would die with
it) is cancelled before the server answers (a job that will not end retires the server); a Python
UDF would call back into this process, not the fork, so none may be registered through the service.

Requests run side by side (a fork each); a fork killed by a signal (its shim killed by a caller's
timeout, or a crash) may have left a job in the JVM, so the server then retires: it takes no new
request and exits when the running ones end (the next caller starts a new one). It also exits when
no process holding a lease (STATE_DIR/leases/<pid>, written by each pytest process that uses it)
is alive, under STATE_DIR/lock (so nobody finds it while it goes), on SIGTERM (its starter's stop),
and when the JVM dies; the JVM dies with it (killed by its PID; PyFlink's watchdog also ends a JVM
whose Python is gone). Each request is logged on stdout (the starter's STATE_DIR/server.log): its
argv, wall time, the fork's CPU and the JVM's CPU so far.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import fcntl
import gc
import io
import json
import os
import runpy
import selectors
import shutil
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types
from pathlib import Path
from typing import Any

import flink_cluster  # beside this file (sys.path[0])

HEADER = struct.Struct("!I")
# what the JVM was started with (pyflink_gateway_server.py reads them; the JVM reads TZ, LANG, ...)
JVM_VARIABLES = (
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_HOME", "JVM_ARGS", "FLINK_ENV_JAVA_OPTS",
    "FLINK_HOME", "FLINK_CONF_DIR", "FLINK_LIB_DIR", "FLINK_OPT_DIR", "FLINK_PLUGINS_DIR", "FLINK_LOG_DIR",
    "SUBMIT_ARGS", "PYFLINK_GATEWAY_PORT", "PYFLINK_GATEWAY_DISABLED", "HADOOP_CONF_DIR", "HADOOP_CLASSPATH",
    "TZ", "LANG", "LC_ALL",
)  # fmt: skip
HONOURED = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONIOENCODING")
PRELOADED = (
    "duckdb",
    "pyarrow",
    "faker",
    "ruamel.yaml",
    "pyflink.table",
    "pyflink.common",
    "pyflink.fn_execution.beam.beam_worker_pool_service",
)
LEASE_CHECK_SECONDS = 2.0
KEPT: list[Any] = []


class Server:
    def __init__(self, state: Path, path: str, with_jvm: bool = True) -> None:
        self.state, self.path, self.with_jvm = state, path, with_jvm
        self.jvm: Any = None  # the gateway JVM's Popen
        self.cluster: Any = None  # the session's MiniCluster (flink_cluster.Cluster), in the JVM
        self.env = dict(os.environ)
        self.running: dict[int, tuple[socket.socket, float, float, str]] = {}  # fork pid -> (conn, started
        # (monotonic), forked (epoch: to compare with the cluster's job start times), argv)
        self.retiring = ""
        self.served = 0
        self.selector = selectors.DefaultSelector()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        started = time.monotonic()
        if self.with_jvm:
            self.jvm = start_jvm()
            for name in PRELOADED:
                with contextlib.suppress(ImportError):
                    __import__(name)
            if flink_cluster.wanted():
                self.cluster = flink_cluster.start()
                flink_cluster.submit_to(self.cluster)  # the warm-up's jobs too: its client classes loaded
                log(f"session cluster at {self.cluster.url}, {flink_cluster.SLOTS} slots")
            warm_up()
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()
        self.listener.bind(self.path)
        self.listener.listen(64)
        self.selector.register(self.listener, selectors.EVENT_READ)
        jvm = self.jvm.pid if self.jvm else 0
        info = {"pid": os.getpid(), "jvm_pid": jvm, "socket": self.path, "python": sys.executable,
                "cluster": self.cluster.url if self.cluster else None}  # fmt: skip
        tmp = self.state / "server.json.tmp"
        tmp.write_text(json.dumps(info), encoding="utf-8")
        tmp.replace(self.state / "server.json")
        log(f"ready in {time.monotonic() - started:.1f} s: pid {os.getpid()}, JVM {jvm} ({jvm_cpu(self)})")

    # ------------------------------------------------------------------ the loop

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.stop("SIGTERM"))
        wake_r, wake_w = os.pipe()  # a fork's end wakes the loop at once
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(wake_r, selectors.EVENT_READ)
        next_check = time.monotonic() + LEASE_CHECK_SECONDS
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                if key.fileobj is self.listener:
                    self.accept()
                elif key.fileobj == wake_r:
                    os.read(wake_r, 4096)
                else:  # a running request's shim closed its end: its caller is gone
                    self.abandoned(key.fileobj)  # type: ignore[arg-type]
            self.reap()
            if self.jvm is not None and self.jvm.poll() is not None:
                self.stop(f"the JVM exited ({self.jvm.returncode})")
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + LEASE_CHECK_SECONDS
                self.check_leases()
            if self.retiring and not self.running:
                self.stop(self.retiring)

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(30)
        fds: list[int] = []
        try:
            header, fds, _, _ = socket.recv_fds(conn, HEADER.size, 3)
            (length,) = HEADER.unpack(header)
            request = json.loads(recv_exact(conn, length))
            why = (self.retiring and "the server is retiring") or unsupported(request["env"], self.env)
            if why or len(fds) != 3:
                send(conn, {"fallback": why or "stdin, stdout and stderr not passed"})
                log(f"fallback ({why}): {summary(request['argv'])}")
                conn.close()
                return
            sys.stdout.flush()
            sys.stderr.flush()
            forked = time.time()
            pid = os.fork()
            if pid == 0:
                self.child(request, fds, conn)  # never returns
        except (OSError, ValueError) as exc:
            log(f"bad request: {exc!r}")
            conn.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        self.running[pid] = (conn, time.monotonic(), forked, summary(request["argv"]))
        self.selector.register(conn, selectors.EVENT_READ)

    def abandoned(self, conn: socket.socket) -> None:
        for pid, (known, _, _, argv) in self.running.items():
            if known is conn:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # the fork this server started
                log(f"caller gone, fork {pid} killed: {argv}")
                self.selector.unregister(conn)
                return

    def reap(self) -> None:
        for pid in list(self.running):
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done == 0:
                continue
            conn, started, _, argv = self.running.pop(pid)
            if os.WIFSIGNALED(status):
                reply = {"signal": os.WTERMSIG(status)}
                self.retiring = self.retiring or f"fork {pid} ended by signal {os.WTERMSIG(status)}: {argv}"
            else:
                reply = {"exit": os.WEXITSTATUS(status)}
            self.cancel_leftovers()  # before the answer: the caller's next request finds the slots free
            with contextlib.suppress(OSError, KeyError):  # KeyError: `abandoned` unregistered it already
                self.selector.unregister(conn)
            with contextlib.suppress(OSError):
                send(conn, reply)
            conn.close()
            self.served += 1
            cpu = usage.ru_utime + usage.ru_stime
            log(f"{reply} in {time.monotonic() - started:.1f} s, fork CPU {cpu:.1f} s, {jvm_cpu(self)}: {argv}")

    def cancel_leftovers(self) -> None:
        """The session cluster's jobs that no running request submitted, cancelled; the server retires if one
        does not end."""
        if self.cluster is None:
            return
        before = min((forked for _, _, forked, _ in self.running.values()), default=time.time())
        try:
            jids = flink_cluster.leftovers(self.cluster, set(self.running), before)
            stuck = flink_cluster.cancel(self.cluster, jids)
        except (OSError, ValueError, KeyError) as exc:
            jids, stuck = [], [repr(exc)]
        if jids:
            log(f"cancelled {len(jids) - len(stuck)} job(s) left running: {jids}")
        if stuck:
            self.retiring = self.retiring or f"the session cluster's jobs did not end: {stuck}"

    def check_leases(self) -> None:
        """Exit when no lease holder is alive, under the lock the callers find and lease it under."""
        with (self.state / "lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            if self.running or any(alive(int(p.name)) for p in (self.state / "leases").glob("*")):
                return
            with contextlib.suppress(FileNotFoundError):
                (self.state / "server.json").unlink()
            self.stop("no process holds a lease")

    def stop(self, why: str) -> None:
        log(f"stopping ({why}) after {self.served} requests; {jvm_cpu(self)}")
        for pid in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()
        if self.cluster is not None and self.jvm is not None and self.jvm.poll() is None:
            flink_cluster.close(self.cluster)  # its temporary folders removed (a killed JVM leaves them)
        if self.jvm is not None and self.jvm.poll() is None:
            self.jvm.kill()  # the JVM this server started, by its PID
            self.jvm.wait()
        sys.stdout.flush()
        os._exit(0)

    # ------------------------------------------------------------------ a request, in its fork

    def child(self, request: dict[str, Any], fds: list[int], conn: socket.socket) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGTERM, signal.SIGCHLD):  # the server's own handlers
                signal.signal(sig, signal.SIG_DFL)
            self.listener.close()
            conn.close()
            for other, *_ in self.running.values():
                other.close()
            self.selector.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            fds.clear()
            code = run(request["argv"], request["cwd"], request["env"], self.with_jvm)
        except BaseException:  # the server's own failure in the fork: on the request's stderr
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        finally:
            os._exit(code)


# ---------------------------------------------------------------------- the JVM


def start_jvm() -> Any:
    """PyFlink's gateway, started here once; returns the JVM's Popen (kept to stop it by its PID, and
    its stderr pipe, which PyFlink never reads again, drained so a chatty JVM never blocks on it)."""
    import pyflink.java_gateway as gateway

    launched: list[Any] = []
    launch = gateway.launch_gateway_server_process

    def keep(env: Any, args: Any) -> Any:
        launched.append(launch(env, args))
        return launched[-1]

    gateway.launch_gateway_server_process = keep
    extra = [a for a in os.environ.get("PIPEGEN_FLINK_SERVICE_JVM_ARGS", "").split() if a]
    saved = os.environ.get("JVM_ARGS")
    if extra:  # the server's JVM only (the requests' environment is compared with the server's without it)
        os.environ["JVM_ARGS"] = " ".join(extra)
    try:
        gateway.get_gateway()
    finally:
        if extra:
            os.environ.pop("JVM_ARGS")
            if saved is not None:
                os.environ["JVM_ARGS"] = saved
    jvm = launched[0]
    threading.Thread(target=drain, args=(jvm.stderr,), daemon=True).start()
    return jvm


def drain(stream: Any) -> None:
    for line in iter(stream.readline, b""):
        log("JVM: " + line.decode(errors="replace").rstrip())


def warm_up() -> None:
    """One query in each mode: the planner's classes loaded and compiled before the first fork.
    Without PyFlink's loopback server for Python UDF workers (a gRPC server a TableEnvironment
    starts once per process): gRPC's threads and poller must not be forked, so each fork starts
    its own (gRPC imported there), as each process did."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    os.environ["_python_worker_execution_mode"] = "process"  # noqa: SIM112 (PyFlink's own name)
    for settings in (EnvironmentSettings.in_batch_mode(), EnvironmentSettings.in_streaming_mode()):
        env = TableEnvironment.create(settings)
        env.get_config().set("parallelism.default", "1")
        with env.execute_sql("SELECT x + 1 FROM (VALUES (1), (2)) AS t(x)").collect() as rows:
            list(rows)
        del env
    del os.environ["_python_worker_execution_mode"]  # noqa: SIM112
    gc.collect()
    if any(t.name.startswith("grpc") or "_serve" in t.name for t in threading.enumerate()):
        raise RuntimeError("a gRPC thread runs before the first fork")


def jvm_cpu(server: Server) -> str:
    if server.jvm is None:
        return "no JVM"
    try:
        fields = Path(f"/proc/{server.jvm.pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        return f"JVM CPU {(int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'):.1f} s, RSS {rss:.0f} MiB"
    except (OSError, IndexError, ValueError):
        return "JVM CPU unknown"


# ---------------------------------------------------------------------- `python ARGV`, in a fork


def run(argv: list[str], cwd: str, env: dict[str, str], with_jvm: bool) -> int:
    """`python ARGV` in CWD with ENV as a new interpreter runs it; its exit code."""
    inherited = own_connections() if with_jvm else None
    atexit._clear()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    standard_streams(env)
    first = argv[0]
    sys.path[0] = "" if first == "-c" else cwd if first == "-m" else str(Path(first).resolve().parent)
    sys.path[1:1] = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    try:
        if first == "-m":
            sys.argv = ["-m", *argv[2:]]
            runpy._run_module_as_main(argv[1])  # type: ignore[attr-defined]
        else:
            sys.argv = ["-c", *argv[2:]] if first == "-c" else list(argv)
            main_module(first, argv[1] if first == "-c" else None)
        code = 0
    except SystemExit as exc:
        code = exit_code(exc.code)
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:  # the server's own frames
            tb = tb.tb_next
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        code = 1
    return finish(code, inherited)


def own_connections() -> set[str]:
    """The server's pooled py4j connections set aside (this fork opens its own; they stay referenced:
    a collected py4j connection shuts its socket down, the server's too); the JVM objects known so far."""
    from py4j.finalizer import ThreadSafeFinalizer
    from pyflink.java_gateway import get_gateway

    pooled = get_gateway()._gateway_client.deque
    KEPT.extend(pooled)
    pooled.clear()
    return set(ThreadSafeFinalizer.finalizers)


def main_module(path: str, code: str | None) -> None:
    """A script (or `-c` code) run as `__main__`, as the interpreter runs it."""
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    if code is not None:
        exec(compile(code, "<string>", "exec"), module.__dict__)
    elif Path(path).is_file() and path.endswith(".py"):
        module.__file__ = os.path.abspath(path)  # noqa: PTH100 (as the interpreter makes it: not resolved)
        module.__dict__["__cached__"] = None
        exec(compile(Path(path).read_bytes(), module.__file__, "exec"), module.__dict__)
    else:  # a folder or zip with __main__.py
        runpy.run_path(path, run_name="__main__")


def exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def finish(code: int, inherited: set[str] | None) -> int:
    """What an interpreter's exit does, then the request's JVM objects released."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
    except BaseException:
        traceback.print_exc()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    if inherited is not None:
        release(inherited)
    return code


def release(inherited: set[str]) -> None:
    """The JVM objects this request made, dereferenced (a process's exit frees them with its JVM)."""
    from py4j.finalizer import ThreadSafeFinalizer
    from pyflink.java_gateway import get_gateway

    gc.collect()
    client = get_gateway()._gateway_client
    prefix = f"{client.address}{client.port}"
    for key in set(ThreadSafeFinalizer.finalizers) - inherited:
        if key.startswith(prefix):
            with contextlib.suppress(Exception):
                client.garbage_collect_object(key[len(prefix) :])


def standard_streams(env: dict[str, str]) -> None:
    """sys.stdin/stdout/stderr over descriptors 0-2 as a new interpreter makes them (a terminal line
    buffered, stderr line buffered, PYTHONUNBUFFERED's write-through, PYTHONIOENCODING)."""
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    encoding, _, errors = env.get("PYTHONIOENCODING", "").partition(":")
    encoding = encoding or "utf-8"

    def stream(fd: int, mode: str, fallback_errors: str) -> io.TextIOWrapper:
        raw = io.FileIO(fd, mode, closefd=False)
        tty = raw.isatty()
        buffered: Any = io.BufferedReader(raw) if mode == "rb" else raw if unbuffered else io.BufferedWriter(raw)
        return io.TextIOWrapper(buffered, encoding=encoding, errors=errors or fallback_errors,
                                line_buffering=tty or fd == 2, write_through=unbuffered and mode == "wb")  # fmt: skip

    sys.stdin = sys.__stdin__ = stream(0, "rb", "strict")
    sys.stdout = sys.__stdout__ = stream(1, "wb", "strict")
    sys.stderr = sys.__stderr__ = stream(2, "wb", "backslashreplace")


def unsupported(env: dict[str, str], own: dict[str, str]) -> str:
    """Why a request with this environment must not run in this process ('' when it may)."""
    for name in JVM_VARIABLES:
        if env.get(name) != own.get(name):
            return f"{name} differs from the JVM's"
    if shutil.which("java", path=env.get("PATH")) != shutil.which("java", path=own.get("PATH")):
        return "another java on PATH"
    extra = [k for k in env if k.startswith("PYTHON") and k not in HONOURED and env[k] != own.get(k)]
    return f"{extra[0]} is set" if extra else ""


# ---------------------------------------------------------------------- small helpers


def recv_exact(conn: socket.socket, length: int) -> bytes:
    chunks, left = [], length
    while left:
        chunk = conn.recv(min(left, 1 << 16))
        if not chunk:
            raise ValueError("the request ended early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(conn: socket.socket, reply: dict[str, Any]) -> None:
    conn.sendall(json.dumps(reply).encode() + b"\n")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def summary(argv: list[str]) -> str:
    text = " ".join(a if len(a) < 200 else a[:60] + "..." for a in argv)
    return text if len(text) < 400 else text[:400] + "..."


def log(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def main() -> int:
    options = sys.argv[3:]
    if "--cgroup" in options:  # before the JVM starts: it is counted in the group too
        group = Path(options[options.index("--cgroup") + 1])
        (group / "cgroup.procs").write_text(str(os.getpid()), encoding="utf-8")
    server = Server(Path(sys.argv[1]), sys.argv[2], "--no-jvm" not in options)
    server.start()
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
