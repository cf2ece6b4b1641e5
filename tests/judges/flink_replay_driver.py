"""Runs inside the flink judge env: the replay judges' PyFlink and DuckDB side. Prints JSON on
the last line.

    python flink_replay_driver.py explain <project> <replay manifest.json> ...
        -> {job: "planned" or the reason}: each planned replay version EXPLAINed through the
           project's own pipeline/flink_local.py (external connectors swapped)
    python flink_replay_driver.py session <project> <calls.json>
        -> [{"code", "out", "err", "started", "ended"} per call, then the explain's {job: ...}]: the project's own
           command-line entry points (`main(argv)` of pipeline.stream and pipeline.replay, what
           `python -m pipeline.<module> ARGS` calls) in turn in this one process, so that every
           PyFlink run and the EXPLAINs share one JVM; calls.json is {"calls": [[module, [arg,
           ...]], ...], "explain": [manifest, ...]}, the manifests read after the calls (the plans
           among them write them)
    python flink_replay_driver.py projects <runs.json>
        -> {project: [{"code", "out", "err", "started", "ended"} per call]}: several projects' calls
           (as `session`'s) in turn in this one process, one JVM: runs.json is [{"project", "env":
           {name: value}, "calls": [[module, [arg, ...]], ...]}, ...]; each project's `pipeline`
           package, settings and working directory are forgotten before the next
           (tests/specgen/project_modules.py) and its `env` is set for its own calls only
    python flink_replay_driver.py results <project> <cdc dir> <table>:<job>:<since ms|earliest> ...
        -> {table: {"columns", "got", "want"}}: results.<table> of data/stream.duckdb beside the
           DuckDB reference of <job> (tests/judges/stream_reference.py) over the change events
           at/after `since` (all of them for `earliest`)
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from stream_reference import REFERENCE, load_reference, states_from_changes


def plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value) if value is not None else None


def explain(project: Path, manifests: list[str]) -> dict[str, str]:
    sys.path.insert(0, str(project))
    from pipeline import flink_local

    out = {}
    for path in manifests:
        job = json.loads(Path(path).read_text())
        try:
            flink_local.explain_job(job, project)
            out[job["job"]] = "planned"
        except Exception as exc:  # every version is reported
            out[job["job"]] = flink_local.reason(exc)
    return out


def call(module: str, argv: list[str]) -> dict[str, Any]:
    """`python -m pipeline.<module> ARGV`'s exit code and output, from its own `main(argv)`, and
    the UTC times it started and ended (a job's CURRENT_TIMESTAMP falls between them)."""
    out, err = io.StringIO(), io.StringIO()
    started = datetime.now(UTC).replace(tzinfo=None)  # the session time zone is the machine's: UTC here
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = importlib.import_module(f"pipeline.{module}").main(argv)
        except SystemExit as exc:  # argparse's usage errors, as the command would exit
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    ended = datetime.now(UTC).replace(tzinfo=None)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue(), "started": started.isoformat(sep=" "),
            "ended": ended.isoformat(sep=" ")}  # fmt: skip


def session(project: Path, calls: dict[str, Any]) -> list[Any]:
    sys.path.insert(0, str(project))
    done: list[Any] = [call(module, argv) for module, argv in calls["calls"]]
    return [*done, explain(project, calls["explain"])]


def projects(runs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    sys.path.insert(0, str(Path(__file__).parents[1] / "specgen"))
    from project_modules import enter, leave

    out: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        added, saved = enter(Path(run["project"])), dict(os.environ)
        os.environ.update(run["env"])
        done = out.setdefault(run["project"], [])
        try:
            for module, argv in run["calls"]:
                done.append(call(module, argv))
        except Exception:  # one project's crash is its own failure, not the next one's
            done.append({"code": "crashed", "out": "", "err": traceback.format_exc()})
        finally:
            os.environ.clear()
            os.environ.update(saved)
            leave(added)
    return out


def results(project: Path, cdc: Path, wanted: list[str]) -> dict[str, Any]:
    config = json.loads((project / "pipeline" / "change_events.json").read_text())
    con = duckdb.connect(str(project / "data" / "stream.duckdb"), read_only=True)
    out = {}
    for item in wanted:
        table, job, since = item.split(":")
        states = states_from_changes(config, cdc, None if since == "earliest" else int(since))
        want_rel = load_reference(config, states).execute(REFERENCE[job])
        columns = [d[0] for d in want_rel.description]
        want = [[plain(v) for v in row] for row in want_rel.fetchall()]
        got = [
            [plain(v) for v in row]
            for row in con.execute(f'SELECT {", ".join(columns)} FROM results."{table}"').fetchall()
        ]
        out[table] = {"columns": columns, "got": got, "want": want}
    return out


def main() -> int:
    command, project = sys.argv[1], Path(sys.argv[2])
    if command == "projects":
        print(json.dumps(projects(json.loads(project.read_text()))))
    elif command == "explain":
        print(json.dumps(explain(project, sys.argv[3:])))
    elif command == "session":
        print(json.dumps(session(project, json.loads(Path(sys.argv[3]).read_text()))))
    else:
        print(json.dumps(results(project, Path(sys.argv[3]), sys.argv[4:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
