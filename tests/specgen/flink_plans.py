"""Runs inside the flink judge environment (PyFlink): plans every Flink job of each generated
project through the project's own pipeline/flink_local.py, many projects in one JVM. Prints
JSON on the last line: {project: {job: "planned" or the planner's reason}}.

    python flink_plans.py PROJECT_DIR... [--sinks PROJECT_DIR...]

After `--sinks`, a project's jobs are planned (only) with their production filesystem sink kept
as generated (its connector options and path, e.g. `s3://bucket/...`; the sources still read
local files), under the top-level key "sinks": {project: {job: verdict}}. Only filesystem sinks
in a format the judge environment has (json, csv): it has no Parquet, Delta, Iceberg or JDBC jar.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

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


def main() -> int:
    args = sys.argv[1:]
    cut = args.index("--sinks") if "--sinks" in args else len(args)
    out: dict[str, Any] = {arg: plans(Path(arg)) for arg in args[:cut]}
    if cut < len(args):
        out["sinks"] = {arg: sink_plans(Path(arg)) for arg in args[cut + 1 :]}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
