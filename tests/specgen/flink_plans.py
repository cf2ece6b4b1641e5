"""Runs inside the flink judge environment (PyFlink): plans every Flink job of each generated
project through the project's own pipeline/flink_local.py, many projects in one JVM. Prints
JSON on the last line: {project: {job: "planned" or the planner's reason}}.

    python flink_plans.py PROJECT_DIR... [--sinks PROJECT_DIR...] [--stream ROWS PROJECT_DIR...]
                          [--whole ROWS PROJECT_DIR...] [--run PROJECT_DIR DATA_DIR]

After `--sinks`, a project's jobs are planned (only) with their production filesystem sink kept
as generated (its connector options and path, e.g. `s3://bucket/...`; the sources still read
local files), under the top-level key "sinks": {project: {job: verdict}}. Only filesystem sinks
in a format the judge environment has (json, csv): it has no Parquet, Delta, Iceberg or JDBC jar.

After `--run`, every job of that one project runs last, in the same JVM, in the local mini-cluster
over the files under DATA_DIR (as flink_driver.py's `run`), under the top-level key "runs":
{job: {"columns", "rows"} or {"error": the reason}} (a PyFlink gateway start costs 10-30 s of CPU).

After `--stream ROWS`, each project's local stream run, as the user runs its two steps (`python -m
pipeline.change_events --rows ROWS --out data/cdc`, then `python -m pipeline.stream --data data/cdc`):
the project's own `main()` of each, in turn, in the project's folder, in this JVM instead of one
JVM a project (tests/specgen/judges.stream_runs), under the top-level key "streams":
{project: {"code": the exit code of the first step that failed or 0, "stdout", "stderr"}}.

After `--whole ROWS`, each stream-only project's local run as `pipegen run` runs it: its own runner,
`python -m pipeline.run --rows ROWS --no-docs`, in this process, where the stream step it starts as a
process of this interpreter (PIPEGEN_FLINK_PYTHON) runs in this JVM as `python -m` would run it
(local_runs.py), under "whole": {project: {"code", "in_process": the steps run here, "stdout",
"stderr"}}. (This needs the runner's own requirements, rich and openlineage-python, in the flink
judge environment.)
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FILE_SINK = "'connector' = 'filesystem'"
PLANNABLE_FORMATS = ("'format' = 'json'", "'format' = 'csv'")


def plans(project: Path) -> dict[str, str]:
    sys.path.insert(0, str(project))
    try:
        flink_local = importlib.import_module("pipeline.flink_local")
        out: dict[str, str] = {}
        for job in flink_local.jobs(project):
            try:
                flink_local.explain_job(job, project)
                out[job["job"]] = "planned"
            except Exception as exc:  # every job is reported
                out[job["job"]] = flink_local.reason(exc)
        return out
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]


def _production_sink(flink_local: Any, job: dict[str, Any], project: Path) -> str | None:
    """The job's sink statement as generated, over the local rewrite of its sources and lookups
    (planned, or the planner's reason); None when its sink is no plannable filesystem sink."""
    text = flink_local.script(job, project)
    sinks = [s for s in flink_local.statements(text) if FILE_SINK in s and "\nAS " in s]
    if not sinks or not any(f in sinks[0] for f in PLANNABLE_FORMATS):
        return None
    with tempfile.TemporaryDirectory() as empty:
        stmts = flink_local.rewrite(text, job, Path(empty), "explain")
        t_env = flink_local.environment([s for s in stmts if s.kind == "set"])
        try:
            for stmt in stmts:
                if stmt.kind == "ddl":
                    t_env.execute_sql(stmt.sql)
            query = next(stmt.query for stmt in stmts if stmt.kind == "sink")
            t_env.explain_sql(flink_local.sink_parts(sinks[0])[0] + "\nAS " + query)
            return "planned"
        except Exception as exc:  # every job is reported
            return str(flink_local.reason(exc))


def sink_plans(project: Path) -> dict[str, str]:
    sys.path.insert(0, str(project))
    try:
        flink_local = importlib.import_module("pipeline.flink_local")
        verdicts = {job["job"]: _production_sink(flink_local, job, project) for job in flink_local.jobs(project)}
        return {job: verdict for job, verdict in verdicts.items() if verdict is not None}
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]


def runs(project: Path, data: Path) -> dict[str, Any]:
    """Every job of the project run over `data` through its flink_local.run_job, as flink_driver.py
    runs them; a job's failure is its own entry, not the others'."""
    found = importlib.util.spec_from_file_location("flink_driver", HERE.parent / "judges" / "flink_driver.py")
    assert found and found.loader
    driver = importlib.util.module_from_spec(found)
    found.loader.exec_module(driver)  # its plain(): the same values as its own `run` prints
    sys.path.insert(0, str(project))
    try:
        flink_local = importlib.import_module("pipeline.flink_local")
        out: dict[str, Any] = {}
        for job in flink_local.jobs(project):
            try:
                rows = flink_local.run_job(job, data, project)
                out[job["job"]] = {"columns": job["outputs"], "rows": [[driver.plain(v) for v in r] for r in rows]}
            except Exception as exc:  # every job is reported
                out[job["job"]] = {"error": str(flink_local.reason(exc))}
        return out
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]


def stream(project: Path, rows: int) -> dict[str, Any]:
    """The project's change_events then stream step, each its own `main(argv)` with the project's
    folder as the working directory, its output captured; the first failing step's code ends it."""
    project = project.resolve()  # on sys.path and the working directory: absolute
    events = project / "data" / "cdc"
    steps = [("change_events", ["--rows", str(rows), "--out", str(events)]), ("stream", ["--data", str(events)])]
    out, err, code, here = io.StringIO(), io.StringIO(), 0, Path.cwd()
    sys.path.insert(0, str(project))
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            for module, argv in steps:
                try:
                    code = importlib.import_module(f"pipeline.{module}").main(argv) or 0
                except SystemExit as exc:  # argparse, or a step that exits
                    code = exc.code if isinstance(exc.code, int) else 1
                except Exception as exc:  # a crash is this project's failure, not the others'
                    print(f"{module}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    code = 1
                if code:
                    break
    finally:
        os.chdir(here)
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def whole(project: Path, rows: int) -> dict[str, Any]:
    """A stream-only project's local run as `pipegen run` runs it, `python -m pipeline.run --rows ROWS
    --no-docs`, in this process: the project's own runner (`main(argv)`, local_runs.py) with this
    interpreter named as the stream step's (PIPEGEN_FLINK_PYTHON), so the step it would start as a
    process of it runs here as `python -m` runs it (the runner's environment for the call, `-m`'s argv,
    the project's modules fresh), in this JVM. Other commands stay the runner's own processes."""
    import local_runs  # tests/specgen, on sys.path as this script's folder

    project, here = project.resolve(), Path.cwd()
    out, err = project / "judge.out", project / "judge.err"
    saved = os.environ.get("PIPEGEN_FLINK_PYTHON")
    os.environ["PIPEGEN_FLINK_PYTHON"] = sys.executable
    try:
        result = local_runs.run(project, ["--rows", str(rows), "--no-docs"], out, err)
    finally:
        os.chdir(here)
        if saved is None:
            os.environ.pop("PIPEGEN_FLINK_PYTHON", None)
        else:
            os.environ["PIPEGEN_FLINK_PYTHON"] = saved
    return {"code": result["code"], "in_process": result["in_process"],
            "stdout": out.read_text(encoding="utf-8", errors="replace"),
            "stderr": err.read_text(encoding="utf-8", errors="replace")}  # fmt: skip


def _tail(args: list[str], flag: str) -> tuple[list[str], list[str]]:
    """(the arguments before `flag`, the ones after it); no flag: (args, [])."""
    return (args[: args.index(flag)], args[args.index(flag) + 1 :]) if flag in args else (args, [])


def main() -> int:
    args, run = _tail(sys.argv[1:], "--run")
    args, wholes = _tail(args, "--whole")
    args, streams = _tail(args, "--stream")
    cut = args.index("--sinks") if "--sinks" in args else len(args)
    out: dict[str, Any] = {arg: plans(Path(arg)) for arg in args[:cut]}
    if cut < len(args):
        out["sinks"] = {arg: sink_plans(Path(arg)) for arg in args[cut + 1 :]}
    if streams:
        out["streams"] = {arg: stream(Path(arg), int(streams[0])) for arg in streams[1:]}
    if wholes:
        out["whole"] = {arg: whole(Path(arg), int(wholes[0])) for arg in wholes[1:]}
    if run:
        out["runs"] = runs(Path(run[0]), Path(run[1]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
