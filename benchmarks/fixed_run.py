"""A small local run's fixed cost, step by step: `python -m benchmarks.bench_run --fixed` (issue 24).

With a few hundred synthetic rows a `pipegen run` costs what its tools cost to start (interpreter,
imports of dlt, dbt, Great Expectations, dbt's parse, GX's context), not what it does with the rows.
For each example given, a fresh project is generated and its whole local run (`python -m pipeline.run
--no-docs --quiet`, as `pipegen run --no-docs` runs it, default rows) runs in the batch judge env,
every step a process of its own; RUN_STEPS (in the same env) starts the project's own runner with its
step processes timed by wait4, so each step's CPU (user + sys, children included) and peak RSS are the
process's own. Then, in the same session, the bare tools' floor: an interpreter, each library's
import alone, and `dbt build` of the same project alone (its partial parse warm, as the run's
transform step finds it).

`--against DIR` runs a second checkout's generated projects (DIR/src and DIR/templates, e.g. main's
`git archive` in a temp dir) interleaved with this one's, run by run, so both see the same machine
load: the before/after of a change to the generated runtime. CPU, not wall time: the 2-core machine
is shared, and a step's CPU is what a loaded machine does not inflate much."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OFFLINE = {"RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}  # fmt: skip

# Runs in the batch env with the project as its working directory: the project's runner `main(argv)`
# with its `subprocess.call`s timed by wait4. argv: OUT.json RUNNER_ARGS...
RUN_STEPS = textwrap.dedent(
    """
    import importlib, json, os, resource, subprocess, sys, time
    sys.path.insert(0, os.getcwd())
    out, argv = sys.argv[1], sys.argv[2:]
    steps = []

    class Timed:
        def __getattr__(self, name):
            return getattr(subprocess, name)

        def call(self, cmd, **kwargs):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, **kwargs)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            steps.append({"step": " ".join(cmd[2:4]), "wall": time.perf_counter() - start,
                          "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024})
            return proc.returncode

    runner = importlib.import_module("pipeline.run")
    runner.subprocess = Timed()
    code = runner.main(argv)
    me = resource.getrusage(resource.RUSAGE_SELF)
    json.dump({"code": code, "steps": steps, "runner": me.ru_utime + me.ru_stime}, open(out, "w"))
    """
)
DBT_BUILD = (  # as the transform step invokes it (its arguments: dbt's partial parse is reused)
    "from dbt.cli.main import dbtRunner; import os, sys; d = os.path.abspath('dbt');"
    "r = dbtRunner().invoke(['build', '--project-dir', d, '--profiles-dir', d, '--target', 'local']);"
    "sys.exit(0 if r.success else 1)"
)
FLOORS = (
    ("python -c pass", "pass"),
    ("import dlt", "import dlt"),
    ("import dbt.cli.main", "from dbt.cli.main import dbtRunner"),
    ("import great_expectations", "import great_expectations"),
    # as this checkout's quality step imports it (pipeline.quality._gx: scipy.stats and altair deferred)
    ("GX as the quality step imports it", "import sys; sys.path.insert(0, '.'); import pipeline.quality as q; q._gx()"),
)


def cpu_of(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """User + sys CPU seconds of one process (and the children it waited for)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{err}")
    return usage.ru_utime + usage.ru_stime


def generate(checkout: Path, example: str, out: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    spec = checkout / "specs" / f"{example}.yaml"
    subprocess.run([sys.executable, "-m", "pipegen", "generate", str(spec), "-o", str(out)],
                   check=True, capture_output=True, env=env)  # fmt: skip
    return out


def one_run(python: Path, project: Path, env: dict[str, str]) -> dict[str, float]:
    """Step -> CPU s of one whole local run in a freshly generated project; "runner": the runner's own."""
    out = project / "bench_steps.json"
    subprocess.run([str(python), "-c", RUN_STEPS, str(out), "--no-docs", "--quiet"], cwd=project, env=env,
                   check=True, capture_output=True)  # fmt: skip
    done = json.loads(out.read_text())
    if done["code"] != 0:
        raise SystemExit(f"{project}: the local run exited {done['code']} (reports/logs/)")
    cpu = {s["step"]: s["cpu"] for s in done["steps"]}
    cpu["runner"] = done["runner"]
    return cpu


def floors(python: Path, project: Path, env: dict[str, str]) -> dict[str, float]:
    found = {name: cpu_of([str(python), "-c", code], project, env) for name, code in FLOORS}
    found["dbt build alone (partial parse warm)"] = cpu_of([str(python), "-c", DBT_BUILD], project, env)
    return found


def bench_fixed(python: Path, examples: list[str], runs: int, against: Path | None) -> None:
    checkouts = {"this": REPO, **({"against": against} if against else {})}
    work = Path(tempfile.mkdtemp(prefix="pipegen-bench-fixed-"))
    env = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}, **OFFLINE,
           "HOME": str(work / "home")}  # fmt: skip
    for example in examples:
        cpu: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
        floor: list[dict[str, float]] = []
        for run in range(runs):
            for name, checkout in checkouts.items():  # interleaved: the same load for both
                project = generate(checkout, example, work / f"{example}-{name}-{run}")
                cpu[name].append(one_run(python, project, env))
            floor.append(floors(python, work / f"{example}-this-{run}", env))  # after its run: dbt's parse warm
        report(example, runs, cpu, floor)


def _median(values: list[dict[str, float]], key: str) -> float:
    return statistics.median(v.get(key, 0.0) for v in values)


def report(example: str, runs: int, cpu: dict[str, list[dict[str, float]]], floor: list[dict[str, float]]) -> None:
    names = list(cpu)
    steps = list(dict.fromkeys(k for runs_ in cpu.values() for r in runs_ for k in r))
    print(f"\n{example}: local run, --no-docs, default rows, CPU s (user + sys), median of {runs}")
    print(f"  {'step':<42}" + "".join(f"{n:>10}" for n in names))
    for step in steps:
        print(f"  {step:<42}" + "".join(f"{_median(cpu[n], step):10.2f}" for n in names))
    totals = [statistics.median(sum(r.values()) for r in cpu[n]) for n in names]
    print(f"  {'whole run':<42}" + "".join(f"{t:10.2f}" for t in totals))
    if len(totals) == 2:
        print(f"  this / against: {totals[0] / totals[1]:.2f}x")
    print("  the bare tools, same session:")
    for key in floor[0]:
        print(f"    {key:<40}{_median(floor, key):10.2f}")
