"""The quality step of a generated batch project beside bare GX and the SQL limit. Not a test.

Run (from the repo root, in pipegen's dev environment; the processes run in the batch judge env):
    python -m benchmarks.bench_quality [--rows 100000 1000000]

The project of benchmarks/specs/order_lines.yaml (one 16-column table, 13 column rules) is
generated, synthesized, ingested and staged (untimed), then, over the same staged rows:
- pipegen:   `python -m pipeline.quality` (GX Core checkpoint over the suite, COMPLETE results,
             the store/event actions, the read model);
- bare GX:   the same generated suite validated by GX alone (ephemeral context, pandas dataframe
             read from DuckDB, one validation definition, default result format);
- GX import: `import great_expectations` and nothing else (the fixed cost of any GX step);
- limit:     DuckDB evaluates the same 13 rules as one aggregate query over the relation.
Each is its own process, run --repeat times (the fastest counts): wall time from the parent,
CPU and peak RSS from wait4. The figure the
issue asks for, suite run time per 100k rows, is the marginal cost: (t(1M) - t(100k)) / 9.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.bench_run import SPEC, judge_python, timed

BARE_GX = textwrap.dedent(
    """
    import json, sys, duckdb, great_expectations as gx
    warehouse, suite_path, relation = sys.argv[1:4]
    con = duckdb.connect(warehouse, read_only=True)
    df = con.execute(f"select * from {relation}").df()
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("t")
    batch = asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(**json.loads(open(suite_path).read())))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": df})
    assert result.success, "the clean synthetic rows must pass"
    """
)
IMPORT_GX = "import great_expectations"
LIMIT = textwrap.dedent(
    """
    import json, sys, duckdb
    warehouse, suite_path, relation = sys.argv[1:4]
    checks = []
    for e in json.loads(open(suite_path).read())["expectations"]:
        col, kw = '"' + e["kwargs"]["column"] + '"', e["kwargs"]
        kind = e["type"]
        if kind == "expect_column_values_to_not_be_null":
            checks.append(f"count(*) filter (where {col} is null)")
        elif kind == "expect_column_values_to_be_unique":
            checks.append(f"count({col}) - count(distinct {col})")
        elif kind == "expect_column_values_to_be_between":
            low, high = kw.get("min_value"), kw.get("max_value")
            bounds = (f"{col} < {low}" if low is not None else "", f"{col} > {high}" if high is not None else "")
            cond = " or ".join(c for c in bounds if c)
            checks.append(f"count(*) filter (where {cond})")
        elif kind == "expect_column_values_to_be_in_set":
            values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in kw["value_set"])
            checks.append(f"count(*) filter (where {col} not in ({values}))")
        else:
            raise SystemExit(f"limit has no SQL for {kind}")
    con = duckdb.connect(warehouse, read_only=True)
    failures = con.execute(f"select {', '.join(checks)} from {relation}").fetchone()
    assert not any(failures), failures
    print(len(checks), "rules")
    """
)


def relation(project: Path) -> tuple[Path, str]:
    """(suite file, schema.table) of the project's one staged suite."""
    suite = json.loads((project / "gx" / "checks.json").read_text())["suites"][0]
    return project / "gx" / "expectations" / f"{suite['suite']}.json", f'"{suite["schema"]}"."{suite["table"]}"'


def best(cmd: list[str], cwd: Path, env: dict[str, str], repeat: int) -> tuple[float, float, float]:
    """The fastest of `repeat` runs (the machine is shared: the minimum is the least disturbed)."""
    return min((timed(cmd, cwd, env) for _ in range(repeat)), key=lambda r: r[0])


def bench(rows: int, python: Path, work: Path, repeat: int) -> list[tuple[str, float, float, float]]:
    project = work / f"quality_{rows}"
    subprocess.run([sys.executable, "-m", "pipegen", "generate", str(SPEC), "-o", str(project)],
                   check=True, capture_output=True)  # fmt: skip
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "HOME": str(work / "home"), "GX_ANALYTICS_ENABLED": "false"}  # fmt: skip
    env.pop("PYTHONPATH", None)
    py = str(python)
    for argv in (["pipeline.synthesize", "--rows", str(rows), "--force"], ["pipeline.ingest", "--local"],
                 ["pipeline.transform"]):  # fmt: skip
        subprocess.run([py, "-m", *argv], cwd=project, env=env, check=True, capture_output=True)
    suite, rel = relation(project)
    warehouse = str(project / "warehouse.duckdb")
    runs = (
        ("pipegen: pipeline.quality (checkpoint, events, read model)", [py, "-m", "pipeline.quality"], project),
        ("bare GX: same suite, pandas batch", [py, "-c", BARE_GX, warehouse, str(suite), rel], work),
        ("GX import only", [py, "-c", IMPORT_GX], work),
        ("limit: DuckDB, same rules in one query", [py, "-c", LIMIT, warehouse, str(suite), rel], work),
    )
    return [(name, *best(argv, cwd, env, repeat)) for name, argv, cwd in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per process; the fastest is reported")
    args = parser.parse_args()
    python = judge_python()
    work = Path(tempfile.mkdtemp(prefix="pipegen-bench-quality-"))
    walls: dict[int, list[float]] = {}
    try:
        for rows in args.rows:
            results = bench(rows, python, work, args.repeat)
            walls[rows] = [r[1] for r in results]
            print(f"\n{rows:,} rows x 16 columns, 13 rules ({os.cpu_count()} cores)")
            print(f"  {'process':<62} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
            for name, wall, cpu, rss in results:
                print(f"  {name:<62} {wall:8.2f} {cpu:8.2f} {rss:9.0f}")
            print(f"  pipegen / bare GX: {results[0][1] / results[1][1]:.2f}x   "
                  f"bare GX / limit: {results[1][1] / results[3][1]:.2f}x")  # fmt: skip
        if len(walls) > 1:
            low, high = min(walls), max(walls)
            per = [(h - lo) * 100_000 / (high - low) for h, lo in zip(walls[high], walls[low], strict=True)]
            print(f"\nmarginal wall s per 100k rows ({low:,} -> {high:,}): "
                  f"pipegen {per[0]:.2f}, bare GX {per[1]:.2f}, limit {per[3]:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
