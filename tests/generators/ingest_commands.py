"""The commands tests/generators/test_ingestion_runs.py makes in a generated project, in the batch judge
environment: `python ARGS` as a process of its own (`run`), or in the module's one batch-env session
(`Session`, ingest_session.py: each `python -m`/`python -c` command as that process would run it,
with the same exit code and output; dlt imported once, not once a command)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.judges import judge_python


def run_env() -> dict[str, str]:
    """The environment of every command of this module (no pipegen or dlt settings of the test's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEGEN_", "DLT", "RUNTIME__"))}
    env["RUNTIME__REQUEST_BACKOFF_FACTOR"] = "0.1"
    return env


def run(project: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`python ARGS` of the batch env in `project`, a process of its own."""
    return subprocess.run(
        [str(judge_python("batch")), *args],
        cwd=project,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Session:
    """The module's `python -m pipeline.ingest` commands and warehouse reads in one batch-env process
    (ingest_session.py: each command as `python -m`/`python -c` runs it, dlt imported once)."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        """`env`: every command's whole environment (default run_env(): this module's)."""
        self.log = folder / "ingest_session.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(judge_python("batch")), str(SESSION)], cwd=folder, env=run_env() if env is None else env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # fmt: skip

    def run(self, project: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"project": str(project), "argv": list(args)}) + "\n")
        self.proc.stdin.flush()
        watchdog = threading.Timer(timeout, self.proc.kill)  # as subprocess.run's timeout: no answer, no session
        watchdog.start()
        try:
            line = self.proc.stdout.readline()
        finally:
            watchdog.cancel()
        assert line, f"the ingest session ended (exit {self.proc.poll()}): {self.log.read_text()[-3000:]}"
        got = json.loads(line)
        return subprocess.CompletedProcess(list(args), got["code"], got["out"], got["err"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


SESSION = Path(__file__).with_name("ingest_session.py")
_SESSION: list[Session] = []  # the running module's session (start_session, stop_session)


def start_session(folder: Path) -> Session:
    started = Session(folder)
    _SESSION.append(started)
    return started


def stop_session(started: Session) -> None:
    _SESSION.remove(started)
    started.close()


def in_session(project: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in `project`, run in the module's session: what the process would exit with and print.
    Modules that borrow these helpers without opening a session (test_ingestion_bad_rows, _topics, _servers,
    test_dead_letters, ...) run each command as a process of its own."""
    if not _SESSION:
        return run(project, *args, timeout=timeout)
    return _SESSION[0].run(project, *args, timeout=timeout)


def ingest(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return in_session(project, "-m", "pipeline.ingest", "--local", *extra)


def production_ingest(project: Path, timeout: int = 300, process: bool = False) -> subprocess.CompletedProcess[str]:
    """Without --local: an API source is read at its URL (--local reads its JSON lines stand-in);
    the spec's duckdb target is warehouse.duckdb. `process`: the command as a process of its own."""
    return (run if process else in_session)(project, "-m", "pipeline.ingest", timeout=timeout)


def query(project: Path, sql: str) -> list[list[Any]]:
    return queries(project, sql)[0]


def queries(project: Path, *sql: str) -> list[list[list[Any]]]:
    """The rows of each query, read in one command of the module's session (one connection)."""
    code = (
        "import duckdb, json, sys; c = duckdb.connect('warehouse.duckdb', read_only=True); "
        "print(json.dumps([c.execute(q).fetchall() for q in sys.argv[1:]], default=str))"
    )
    proc = in_session(project, "-c", code, *sql)
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))
