"""The session's Flink judge service (tests/judges/flink_service.py): a request through its stand-in
python runs as the real interpreter runs it, and the server lives and ends as its callers need.

- The same programs run by the flink env's python and through a service's shim print the same
  stdout and stderr and end with the same exit code (`-c`, a script, `-m`, stdin, PYTHONPATH,
  exceptions, SystemExit, os._exit, exit handlers, a thread joined at exit, a signal), and a
  request's module state, environment and working directory never reach the next one. These run
  against a server without PyFlink (`--no-jvm`, cheap) and, for the programs that leave it
  running, against the session's own server (flink_shared), whose forks hold the JVM.
- Its life: started once under the lock and found by the next caller, stopped by its starter once
  no other live process holds a lease, gone by itself when every lease holder is dead, retiring
  after a fork killed by a signal or a caller gone mid-request (the next request runs as a process),
  and a request the shared JVM would run differently (another JAVA_TOOL_OPTIONS) run as a process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.judges import flink_service
from tests.judges.envs import offline_env

pytestmark = pytest.mark.judge

THREAD = "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.3), print('thread'))).start()\nprint(1)"
PROGRAMS: dict[str, list[str]] = {
    "argv, path, cwd, env": [
        "-c",
        "import os, sys; print(sys.argv, sys.path[0], os.getcwd(), os.environ['PROBE'], __name__, sys.executable)",
        "a",
        "b c",
    ],
    "stdin": ["-c", "import sys; print(sys.stdin.read().upper(), end='')"],
    "both streams, in order": ["-c", "import sys\nfor i in range(3):\n print(i)\n print(-i, file=sys.stderr)"],
    "exit code": ["-c", "import sys; print('out'); sys.exit(3)"],
    "exit message": ["-c", "import sys; sys.exit('went wrong')"],
    "exception": ["-c", "def f():\n    raise ValueError('boom')\nf()"],
    "os._exit": ["-c", "import os, sys; print('kept', flush=True); os._exit(4)"],
    "exit handler": ["-c", "import atexit; atexit.register(print, 'at exit'); print('main')"],
    "thread joined": [
        "-c",
        "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.3), print('thread'))"
        ").start()\nprint('main')",
    ],
    "script": ["probe.py", "x"],
    "module": ["-m", "probepkg.main", "--flag"],
    "module error": ["-m", "probepkg.missing"],
    "PYTHONPATH": ["-c", "import onpath; print(onpath.__file__)"],
    "unicode": ["-c", "print('h\\u00e9llo \\u2603')"],
    "interpreter option": ["-S", "-c", "import sys; print(sys.flags.no_site)"],
}
SCRIPT = "import sys\nprint(__name__, __file__, sys.argv, sys.path[0])\n"
MODULE = "import sys\nprint(__name__, sys.argv, sys.path[0], __spec__.name)\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("service_probes")
    (root / "probe.py").write_text(SCRIPT, encoding="utf-8")
    (root / "probepkg").mkdir()
    (root / "probepkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "probepkg" / "main.py").write_text(MODULE, encoding="utf-8")
    (root / "lib").mkdir()
    (root / "lib" / "onpath.py").write_text("", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def no_jvm(flink_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[flink_service.Lease]:
    """A server of this module's own in the flink env, without PyFlink."""
    lease = flink_service.acquire(tmp_path_factory.mktemp("svc") / "flink_service", flink_python, jvm=False)
    yield lease
    lease.release()


def both(python: Path, shim: Path, argv: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> list[object]:
    """[returncode, stdout, stderr] of the real interpreter's process and of the shim's request."""
    out = []
    for exe in (python, shim):
        proc = subprocess.run([str(exe), *argv], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        out.append([proc.returncode, proc.stdout, proc.stderr])
    return out


def probe_env(folder: Path) -> dict[str, str]:
    return offline_env(folder / "home", PROBE="probe value", PYTHONPATH=str(folder / "lib"))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_request_prints_and_exits_as_the_interpreter_does(
    name: str, folder: Path, flink_python: Path, no_jvm: flink_service.Lease
) -> None:
    real, shared = both(flink_python, no_jvm.python, PROGRAMS[name], folder, probe_env(folder), "some input\n")
    assert shared == real
    assert real[0] in (0, 1, 3, 4), real  # each ran (the exit codes they ask for)


def test_a_request_runs_in_a_fork_of_the_server_and_leaves_nothing_behind(
    folder: Path, no_jvm: flink_service.Lease
) -> None:
    def run(code: str) -> str:
        proc = subprocess.run([str(no_jvm.python), "-c", code], cwd=folder, env=probe_env(folder),
                              capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        return proc.stdout.strip()

    server = json.loads((no_jvm.state / "server.json").read_text())["pid"]
    assert run("import os; print(os.getppid())") == str(server)
    run("import json, os, sys; json.LEAK = 1; os.environ['LEAK'] = '1'; sys.path.append('/leak'); os.chdir('/')")
    seen = run("import json, os, sys; print(hasattr(json, 'LEAK'), 'LEAK' in os.environ, '/leak' in sys.path)")
    assert seen == "False False False"
    assert run("import os; print(os.getcwd())") == str(folder)


def test_the_session_server_runs_the_same_programs_with_its_jvm_up(
    folder: Path, flink_python: Path, flink_shared: Path
) -> None:
    """The forks of the session's server (PyFlink imported, the JVM up) print and exit as processes do."""
    for name in ("argv, path, cwd, env", "exception", "exit handler", "thread joined", "module"):
        real, shared = both(flink_python, flink_shared, PROGRAMS[name], folder, probe_env(folder))
        assert shared == real, name


def test_a_request_the_jvm_would_run_differently_runs_as_a_process(folder: Path, no_jvm: flink_service.Lease) -> None:
    server = json.loads((no_jvm.state / "server.json").read_text())["pid"]
    for extra, shared in (({}, True), ({"JAVA_TOOL_OPTIONS": "-Xmx64m"}, False), ({"PYTHONHASHSEED": "7"}, False)):
        env = {**probe_env(folder), **extra}
        proc = subprocess.run([str(no_jvm.python), "-c", "import os; print(os.getppid())"], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        assert (proc.stdout.strip() == str(server)) is shared, extra
    unsupported = subprocess.run([str(no_jvm.python), "-u", "-c", "import os; print(os.getppid())"], cwd=folder,
                                 capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert unsupported.stdout.strip() == str(os.getpid())  # exec'd in place of the shim, a child of this process


# ---------------------------------------------------------------------- the server's life (no JVM)


def own_server(tmp_path: Path) -> flink_service.Lease:
    return flink_service.acquire(tmp_path / "flink_service", Path(sys.executable), jvm=False)


def wait_for(check: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_the_server_is_started_once_and_stopped_by_its_starter_after_the_other_lease_holders(tmp_path: Path) -> None:
    first = own_server(tmp_path)
    assert first.started is not None
    second = flink_service.acquire(first.state, Path(sys.executable), jvm=False)
    assert second.started is None  # found, not started again
    other = subprocess.Popen(["sleep", "60"])  # another worker, still using it
    (first.state / "leases" / str(other.pid)).write_text("")
    stopping = threading.Thread(target=first.release)
    stopping.start()
    time.sleep(3)
    assert stopping.is_alive() and flink_service.alive(first.started.proc.pid)
    other.kill()
    other.wait()
    stopping.join(30)
    assert not stopping.is_alive()
    assert not flink_service.alive(first.started.proc.pid)
    assert not (first.state / "server.json").exists()


def test_the_server_ends_itself_when_no_lease_holder_is_alive(tmp_path: Path) -> None:
    lease = own_server(tmp_path)
    assert lease.started is not None
    dead = subprocess.Popen(["true"])
    dead.wait()
    with flink_service.locked(lease.state):
        (lease.state / "leases" / str(os.getpid())).unlink()  # as if this worker had died
        (lease.state / "leases" / str(dead.pid)).write_text("")
    assert wait_for(lambda: lease.started.proc.poll() is not None)  # type: ignore[union-attr]
    assert not (lease.state / "server.json").exists()
    lease.release()  # the starter's end finds it gone


def test_after_a_fork_killed_by_a_signal_the_server_retires_and_requests_run_as_processes(tmp_path: Path) -> None:
    lease = own_server(tmp_path)
    assert lease.started is not None
    killed = subprocess.run([str(lease.python), "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"],
                            capture_output=True, timeout=60, check=False)  # fmt: skip
    assert killed.returncode == -signal.SIGTERM
    assert wait_for(lambda: lease.started.proc.poll() is not None)  # type: ignore[union-attr]
    after = subprocess.run([str(lease.python), "-c", "import os; print(os.getppid())"], capture_output=True,
                           text=True, timeout=60, check=True)  # fmt: skip
    assert after.stdout.strip() == str(os.getpid())
    lease.release()


def test_a_caller_gone_mid_request_ends_its_fork(tmp_path: Path) -> None:
    lease = own_server(tmp_path)
    assert lease.started is not None
    caller = subprocess.Popen([str(lease.python), "-c", "import os, time; print(os.getpid(), flush=True); "
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert caller.stdout is not None
    fork = int(caller.stdout.readline())
    caller.kill()
    caller.wait()
    assert wait_for(lambda: not flink_service.alive(fork))
    assert wait_for(lambda: lease.started.proc.poll() is not None)  # type: ignore[union-attr]  # retired
    lease.release()


def test_a_caller_gone_mid_request_leaves_the_server_answering_the_request_beside_it(tmp_path: Path) -> None:
    """The gone caller's fork is reaped after its socket was unregistered as abandoned: s48's server then
    unregistered it a second time (a KeyError out of its loop), died, and the request beside it lost its answer."""
    lease = own_server(tmp_path)
    assert lease.started is not None
    beside = subprocess.Popen([str(lease.python), "-c", "import time; print('started', flush=True); "
                               "time.sleep(3); print('answered')"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    caller = subprocess.Popen([str(lease.python), "-c", "import os, time; print(os.getpid(), flush=True); "
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert beside.stdout is not None and caller.stdout is not None
    assert beside.stdout.readline() == "started\n"
    fork = int(caller.stdout.readline())
    caller.kill()
    caller.wait()
    assert wait_for(lambda: not flink_service.alive(fork))
    out, _ = beside.communicate(timeout=60)
    assert (beside.returncode, out) == (0, "answered\n")
    log = (lease.state / "server.log").read_text(encoding="utf-8")
    assert f"caller gone, fork {fork} killed" in log and "Traceback" not in log, log[-3000:]
    assert wait_for(lambda: lease.started.proc.poll() == 0)  # type: ignore[union-attr]  # retired, not crashed
    lease.release()


def test_a_test_s_own_server_leaves_the_session_server_s_cpu_row_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under tests.timing the session's server has a CPU group of its own, recorded once as SHARED_ROW
    when its starter stops it. A server this module starts in the same process (no JVM) must neither
    take that group nor record it early: s42's version did, and the session server's later CPU was lost
    from the figures (its group left behind)."""
    from tests import timing

    cpuacct = tmp_path / "cpuacct"
    cpuacct.mkdir()
    monkeypatch.setattr(timing, "CPUACCT", cpuacct)
    monkeypatch.setattr(timing, "_GROUP", [cpuacct / "this-pytest"])  # as if in a group of its own
    monkeypatch.setattr(timing, "_SHARED", {})
    monkeypatch.setattr(timing, "_TOTALS", {})
    monkeypatch.setitem(sys.modules, "tests.timing", timing)
    session = tmp_path / "session" / "flink_service"
    group = flink_service.timing_group(session)  # what start() makes for the session's JVM server
    assert group is not None
    (group / "cpuacct.usage").write_text("7000000000")
    own = own_server(tmp_path)
    assert own.started is not None
    own.release()
    assert flink_service.SHARED_ROW not in timing._TOTALS  # nothing recorded for the session yet
    assert list(timing._SHARED.items()) == [(flink_service.timing_name(session), group)]  # for its starter
