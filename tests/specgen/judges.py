"""The real tools, run over many generated projects at once (one process per tool, so a sample
of drawn specs costs one Airflow import and one JVM, not one per spec).

Each judge returns {project dir: failure detail} for the projects it failed; a judge that
judged nothing says so (the caller asserts the counts)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.judges import offline_env

HERE = Path(__file__).parent
# Prefect's temporary API server gets 20 s to start by default: on a loaded 2-core machine that
# failed four flow runs that were otherwise fine, so the judges give it two minutes.
EPHEMERAL_STARTUP = "120"
MATERIALIZED = re.compile(r"materialized='(\w+)'")
# every adapter of the dbt_warehouses judge environment but DuckDB (built by the local run)
WAREHOUSE_ADAPTERS = frozenset({"postgres", "snowflake", "bigquery", "redshift", "spark", "clickhouse"})


@dataclass
class Verdicts:
    judged: dict[str, list[str]] = field(default_factory=dict)  # judge -> projects judged
    failed: dict[str, str] = field(default_factory=dict)  # "judge: project" -> detail

    def add(self, judge: str, project: Path, failure: str | None) -> None:
        name = f"{project.parent.name}/{project.name}"
        self.judged.setdefault(judge, []).append(name)
        if failure:
            self.failed[f"{judge}: {name}"] = failure


def batch_layer(project: Path) -> bool:
    """The project's local run has a batch layer (a stream-only project's run has the stream
    step alone, which needs PyFlink: tests/judges/test_readme_walkthrough.py runs one)."""
    return (project / "pipeline" / "run.py").is_file() and (project / "pipeline" / "ingest.py").is_file()


def local_run(projects: list[Path], python: Path, home: Path, verdicts: Verdicts, docs: bool = True) -> None:
    """`python -m pipeline.run` (synthesize, ingest with dlt, dbt build, GX) exits 0, and every
    staging model and every non-ephemeral mart exists in the project's DuckDB warehouse. With
    `docs`, the run also builds dbt's static docs and GX's Data Docs for its report (~3 s of CPU
    a project), and both must be there; without, it runs with `--no-docs`."""
    for project in projects:
        if not batch_layer(project):
            continue
        proc = subprocess.run(
            [str(python), "-m", "pipeline.run", *([] if docs else ["--no-docs"])],
            cwd=project, capture_output=True, text=True, timeout=900, check=False, env=offline_env(home),
        )  # fmt: skip
        if proc.returncode != 0:
            verdicts.add("local run", project, (proc.stdout + proc.stderr)[-3000:])
            continue
        missing = _missing_models(project, python) or (_missing_docs(project) if docs else None)
        verdicts.add("local run", project, missing)


def local_runs_in_one_process(
    projects: list[Path], python: Path, home: Path, verdicts: Verdicts, docs: bool = True
) -> None:
    """What local_run judges, with every project's runner in one batch-env process whose steps run
    in it as `python -m` would run them (local_runs.py: dbt, GX and dlt imported once, not once a
    step); the same verdicts. A step that did not run in that process fails the project: the judge
    must not quietly become a process per step again."""
    runnable = [p for p in projects if batch_layer(p)]
    if not runnable:
        return
    options = () if docs else ("--no-docs",)
    results = _batch("local_runs.py", runnable, python, offline_env(home), *options)
    ran: list[Path] = []
    for project in runnable:
        result = results.get(str(project)) or {"error": "the driver reported nothing for this project"}
        if result.get("code") != 0:  # never an empty detail: that would be a pass
            verdicts.add("local run", project, f"exit {result.get('code')}: {result.get('error')}"[-3000:])
        elif not result.get("in_process"):
            verdicts.add("local run", project, f"no step ran in the driver's process: {result}")
        else:
            ran.append(project)
    missing = _missing_models_of(ran, python)  # every warehouse read in one process, not one a project
    for project in ran:
        verdicts.add("local run", project, missing[project] or (_missing_docs(project) if docs else None))


# the report's documentation a local run builds unless --no-docs: dbt's static page, GX's Data Docs
DBT_DOCS, DATA_DOCS = "dbt/target/static_index.html", "reports/data_docs/index.html"


def _missing_docs(project: Path) -> str | None:
    """The report's documentation: dbt's static page where dbt built models, GX's Data Docs where
    a quality step ran a suite."""
    wanted = []
    if models(project):
        wanted.append(project / DBT_DOCS)
    if any((project / "gx" / "expectations").glob("*.json")):
        wanted.append(project / DATA_DOCS)
    missing = [str(p.relative_to(project)) for p in wanted if not p.is_file()]
    return f"the run built no {missing}" if missing else None


def _missing_models_of(projects: list[Path], python: Path) -> dict[Path, str | None]:
    """_missing_models of each project, every warehouse read by one process of `python`
    (local_run_driver.py --many)."""
    out: dict[Path, str | None] = dict.fromkeys(projects)
    read: dict[str, list[str]] = {}  # warehouse -> its project's models
    for project in projects:
        names, warehouse = models(project), project / "warehouse.duckdb"
        if names and not warehouse.is_file():
            out[project] = f"no warehouse at {warehouse}"
        elif names:
            read[str(warehouse)] = names
    if not read:
        return out
    proc = subprocess.run(
        [str(python), str(HERE.parent / "families" / "local_run_driver.py"), "--many"], input=json.dumps(read),
        capture_output=True, text=True, timeout=300 + 30 * len(read), check=False,
    )  # fmt: skip
    found = json.loads(proc.stdout) if proc.returncode == 0 else {}
    for project in projects:
        warehouse = str(project / "warehouse.duckdb")
        if warehouse not in read:
            continue
        if warehouse not in found:  # never an empty detail: that would be a pass
            out[project] = f"the warehouse reader exited {proc.returncode}: {proc.stderr[-2000:]}"
            continue
        missing = sorted(n for n, rows in found[warehouse].items() if rows == "missing")
        out[project] = f"models missing from the warehouse: {missing}" if missing else None
    return out


def _missing_models(project: Path, python: Path) -> str | None:
    warehouse = project / "warehouse.duckdb"
    names = models(project)
    if not names:
        return None
    if not warehouse.is_file():
        return f"no warehouse at {warehouse}"
    proc = subprocess.run(
        [str(python), str(HERE.parent / "families" / "local_run_driver.py"), str(warehouse), *names],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return proc.stderr[-2000:]
    found = json.loads(proc.stdout)
    missing = sorted(n for n, rows in found.items() if rows == "missing")
    return f"models missing from the warehouse: {missing}" if missing else None


def models(project: Path) -> list[str]:
    """schema.model of every staging model and every mart dbt materializes (not ephemeral)."""
    found = [f"staging.{p.stem}" for p in sorted((project / "dbt" / "models" / "staging").glob("*.sql"))]
    for path in sorted((project / "dbt" / "models" / "marts").glob("*.sql")):
        match = MATERIALIZED.search(path.read_text(encoding="utf-8").splitlines()[0])
        if match is None or match.group(1) != "ephemeral":
            found.append(f"marts.{path.stem}")
    return found


def airflow_bags(projects: list[Path], python: Path, home: Path, verdicts: Verdicts) -> None:
    """Airflow's DagBag loads every generated DAG without an import error (a process of its own;
    airflow_runs(bags=...) judges the same in its first round's process)."""
    with_dags = dags_of(projects)
    if not with_dags:
        return
    proc = subprocess.run(
        [str(python), str(HERE / "airflow_bags.py"), *map(str, with_dags)],
        capture_output=True, text=True, timeout=1800, check=False, env=_airflow_env(home),
    )  # fmt: skip
    if proc.returncode != 0:
        for project in with_dags:
            verdicts.add("airflow DagBag", project, proc.stderr[-3000:])
        return
    bag_verdicts(with_dags, json.loads(proc.stdout.strip().splitlines()[-1]), verdicts)


def dags_of(projects: list[Path]) -> list[Path]:
    """The projects with a generated DAG (dags/*.py)."""
    return [p for p in projects if any((p / "dags").glob("*.py"))]


def bag_verdicts(projects: list[Path], results: dict[str, Any], verdicts: Verdicts) -> None:
    """The DagBag verdict of each project from a driver's {project: bag} (airflow_bags.bag): no
    import error and at least one DAG; a project the driver has no bag of failed with its error."""
    for project in projects:
        result = results.get(str(project))
        if not isinstance(result, dict) or "errors" not in result:
            verdicts.add("airflow DagBag", project, str(result)[:3000])
            continue
        problem = json.dumps(result["errors"])[:3000] if result["errors"] else None
        if not problem and not result["dags"]:
            problem = "no DAG loaded"
        verdicts.add("airflow DagBag", project, problem)


def _airflow_env(home: Path, **extra: str) -> dict[str, str]:
    return offline_env(
        home,
        **extra,
        AIRFLOW_HOME=str(home / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="false",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
    )


def _batch(
    driver: str, projects: list[Path], python: Path, env: dict[str, str], *options: str
) -> dict[str, dict[str, object]]:
    """Run a driver over many projects in one process: {project: its result}; a crash of the
    driver itself is every project's failure (`options` go before the projects)."""
    try:
        proc = subprocess.run(
            [str(python), str(HERE / driver), *options, *map(str, projects)],
            capture_output=True, text=True, timeout=1800, check=False, env=env,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:  # a verdict for each project, not a crash of the long run
        return {str(p): {"error": f"{driver} timed out after {exc.timeout:.0f} s over {len(projects)} projects"}
                for p in projects}  # fmt: skip
    if proc.returncode != 0:  # the output may be empty (a driver's output redirected to a log)
        failure = f"{driver} exited {proc.returncode}: {(proc.stdout + proc.stderr)[-3000:]}"
        return {str(p): {"error": failure} for p in projects}
    results: dict[str, dict[str, object]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results


def _run_failure(result: dict[str, object], done: str, project: Path, python: Path) -> str | None:
    """Why a local run under an orchestrator failed: an error, a run or task state other than
    `done`, no task run, or a model missing from the project's warehouse afterwards."""
    if result.get("error"):
        return str(result["error"])
    tasks = result.get("tasks") or {}
    states = dict(tasks) if isinstance(tasks, dict) else {t["name"]: t["state"] for t in tasks}  # type: ignore[index]
    if not states:
        return "no task ran"
    state = result.get("state", result.get("run_state"))
    bad = {name: s for name, s in states.items() if str(s).lower() != done}
    if str(state).lower() not in (done, f"dagrunstate.{done}") or bad:
        return f"run {state}; tasks not {done}: {bad}"
    return _missing_models(project, python)


def prefect_runs(projects: list[Path], python: Path, home: Path, verdicts: Verdicts) -> None:
    """Each project's Prefect flow, a local run under prefect_test_harness (one for all), ends
    Completed with every task run Completed, and every model is in its DuckDB warehouse."""
    env = offline_env(
        home,
        PREFECT_HOME=str(home / ".prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=EPHEMERAL_STARTUP,
    )
    results = _batch("prefect_runs.py", projects, python, env)
    for project in projects:
        verdicts.add("prefect flow run", project, _run_failure(results[str(project)], "completed", project, python))


def airflow_runs(
    projects: list[Path], python: Path, home: Path, verdicts: Verdicts, bags: list[Path] | None = None
) -> Verdicts:
    """Each project's DAG, `dag.test()` of a local run, ends in success with every task instance
    successful, and every model is in its DuckDB warehouse. One process and metadata DB per round
    of projects whose DAG ids (dags/<pipeline>.py) differ: most samples need one round. The
    DagBag of each of `bags` (with a DAG) is judged in the first round's process, before its
    runs, as airflow_bags judges it: those verdicts are returned (one Airflow start for both)."""
    rounds: list[dict[str, Path]] = []
    for project in projects:
        dag_ids = {f.stem for f in (project / "dags").glob("*.py")}
        free = next((r for r in rounds if not dag_ids & set(r)), None)
        if free is None:
            rounds.append(free := {})
        free.update(dict.fromkeys(dag_ids, project))
    with_dags = dags_of(bags or [])
    bagged = Verdicts()
    for n, chosen in enumerate(rounds or ([{}] if with_dags else [])):
        batch = list(dict.fromkeys(chosen.values()))
        scratch = home / f"round{n}"
        env = _airflow_env(scratch, AIRFLOW__CORE__DAGS_FOLDER=str(scratch / "dags"))
        options = [a for p in with_dags for a in ("--bag", str(p))] if n == 0 else []
        results = _batch("airflow_runs.py", batch, python, env, *options)
        for project in batch:
            verdicts.add("airflow dag.test", project, _run_failure(results[str(project)], "success", project, python))
        if n == 0:  # no "bags": the driver crashed, each bag's failure is its output
            crashed = {str(p): results.get(str(batch[0]) if batch else "", "driver crashed") for p in with_dags}
            bag_verdicts(with_dags, results.get("bags") or crashed, bagged)
    return bagged


def flink_plans(
    projects: list[Path],
    python: Path,
    home: Path,
    verdicts: Verdicts,
    streams: list[Path] | None = None,
    stream_verdicts: Verdicts | None = None,
    rows: int = 100,
    wholes: list[Path] | None = None,
) -> None:
    """PyFlink's planner accepts every statement of every generated Flink job (EXPLAIN). With
    `streams`, the local stream run of each of those projects (stream_runs' `pipeline.change_events`
    then `pipeline.stream`, each project's own `main()`) follows in the same process, its verdicts
    in `stream_verdicts`: one PyFlink gateway and JVM for all, not one a project. With `wholes`
    (stream-only projects), each one's own runner follows there too, its stream step in that JVM
    (flink_plans.py --whole; the verdict: stream_runs)."""
    with_jobs = [p for p in projects if (p / "pipeline" / "flink_local.py").is_file()]
    streams, wholes = streams or [], wholes or []
    if not with_jobs and not streams and not wholes:
        return
    options = ["--stream", str(rows), *map(str, streams)] if streams else []
    options += ["--whole", str(rows), *map(str, wholes)] if wholes else []
    proc = subprocess.run(
        [str(python), str(HERE / "flink_plans.py"), *map(str, with_jobs), *options],
        capture_output=True, text=True, timeout=1800, check=False, env=offline_env(home),
    )  # fmt: skip
    if proc.returncode != 0:
        for project in with_jobs:
            verdicts.add("flink EXPLAIN", project, proc.stderr[-3000:])
        for project in [*streams, *wholes]:
            (stream_verdicts or verdicts).add("flink local run", project, proc.stderr[-3000:])
        return
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for project in with_jobs:
        jobs = results[str(project)]
        refused = {job: why for job, why in jobs.items() if why != "planned"}
        problem = json.dumps(refused)[:3000] if refused else (None if jobs else "no Flink job to plan")
        verdicts.add("flink EXPLAIN", project, problem)
    for project in streams:
        ran = results["streams"][str(project)]
        failure = (ran["stdout"] + ran["stderr"])[-3000:] if ran["code"] else _stream_failure(project, ran["stdout"])
        (stream_verdicts or verdicts).add("flink local run", project, failure)
    for project in wholes:
        failure = whole_failure(project, results["whole"][str(project)])
        (stream_verdicts or verdicts).add("flink local run", project, failure)


def whole_failure(project: Path, ran: dict[str, Any]) -> str | None:
    """Why a stream-only project's run by its own runner (flink_plans.py --whole) failed: an exit
    code other than 0, a job without its result line, what stream_only_run requires, or a stream
    step that ran as a process instead of in the judge's JVM (the judge must not quietly become a
    JVM a project again)."""
    if ran["code"] != 0:  # never an empty detail: that would be a pass
        return f"exit {ran['code']}: {(ran['stdout'] + ran['stderr'])[-3000:]}"
    failure = _stream_failure(project, ran["stdout"]) or stream_only_run(project, _jobs(project), ran["stdout"])
    if failure is None and "pipeline.stream" not in ran["in_process"]:
        failure = f"the stream step did not run in the judge's process (steps run there: {ran['in_process']})"
    return failure


def dbt_parses(projects: list[Path], python: Path, home: Path, verdicts: Verdicts, adapters: frozenset[str]) -> None:
    """`dbt parse --target <warehouse>` with deprecation warnings as errors, for every warehouse
    output of the project's profile whose adapter the judge env (`python`) has (no connection is
    made): every parse in one interpreter (tests/families/test_dbt_warehouse_parse.dbt_parses)."""
    from ruamel.yaml import YAML

    from tests.families.test_dbt_warehouse_parse import dbt_parses as parse_all

    jobs: list[tuple[Path, str, str]] = []  # (project, target, adapter)
    for project in projects:
        profiles = project / "dbt" / "profiles.yml"
        if not profiles.is_file():
            continue
        doc = YAML(typ="safe").load(profiles.read_text(encoding="utf-8"))
        for profile in doc.values():
            for target, output in sorted(profile.get("outputs", {}).items()):
                if output.get("type") in adapters:
                    jobs.append((project, target, output["type"]))
    if not jobs:
        return
    procs = parse_all([(project, target, frozenset()) for project, target, _ in jobs], python, home)
    for (project, target, adapter), proc in zip(jobs, procs, strict=True):
        failure = None if proc.returncode == 0 else f"--target {target}:\n{proc.stdout[-3000:]}"
        verdicts.add(f"dbt parse ({adapter})", project, failure)


def stream_runs(
    projects: list[Path],
    python: Path,
    home: Path,
    verdicts: Verdicts,
    rows: int = 100,
    runners: bool = False,
    planned: list[Path] | None = None,
    plan_verdicts: Verdicts | None = None,
) -> None:
    """The local stream run: every Flink job in PyFlink's mini-cluster over synthetic change
    events must exit 0 with a result line per job, all in one PyFlink process (a JVM start costs
    10-30 s of CPU), after the EXPLAIN of every project of `planned` (verdicts in `plan_verdicts`).
    With `runners`, a stream-only project (no batch layer) runs as `pipegen run` runs it: its own
    runner, `python -m pipeline.run --rows N --no-docs`, with `python` (the flink judge env, which
    also has the runner's requirements) standing in for both environments `pipegen run` builds; the
    stream step it starts as a process of that interpreter (PIPEGEN_FLINK_PYTHON) runs in the shared
    process as `python -m` runs it (flink_plans.py --whole, local_runs.py). The capture step, with no
    local database named, is skipped saying the run falls back to synthetic change events, which the
    stream step says it writes; the stream step must be `ok` and the run's summary list every job's
    result under its spec path (stream_only_run). Any other project: `pipeline.change_events`, then
    `pipeline.stream`, the two steps' own `main()` (flink_plans with `streams`). The runner and its
    stream step as processes are judged by the README walk-through (`pipegen run`)."""
    whole = [p for p in projects if runners and not batch_layer(p) and (p / "pipeline" / "run.py").is_file()]
    shared = [p for p in projects if p not in whole]
    if shared or whole or planned:
        flink_plans(planned or [], python, home, plan_verdicts or Verdicts(), shared, verdicts, rows, whole)


def _jobs(project: Path) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = json.loads((project / "flink" / "jobs.json").read_text(encoding="utf-8"))["jobs"]
    return jobs


def _stream_failure(project: Path, out: str) -> str | None:
    """A result line (`<job>: N rows in S s`) for every Flink job of the project in a stream run's output."""
    jobs = _jobs(project)
    ran = [job["job"] for job in jobs if f"{job['job']}: " in out and " rows in " in out]
    missing = sorted({job["job"] for job in jobs} - set(ran))
    return f"no result line for {missing}:\n{out[-2000:]}" if missing else None


def stream_only_run(project: Path, jobs: list[dict[str, Any]], out: str) -> str | None:
    """What a stream-only project's local run must leave: the stream step ok; a capture step (CDC
    sources) skipped, naming the DSN variable it waits for; the stream step's line saying it wrote
    synthetic change events; every job with a result in run.json's results under its spec path."""
    run = json.loads((project / "reports" / "run.json").read_text(encoding="utf-8"))
    steps = {s["name"]: s for s in run["steps"]}
    problems = []
    if steps.get("stream", {}).get("status") != "ok":
        problems.append(f"stream step: {steps.get('stream')}")
    capture = steps.get("capture")
    if (project / "pipeline" / "capture.json").is_file():
        variables = [e["dsn_env"] for e in json.loads((project / "pipeline" / "capture.json").read_text())["sources"]]
        if not capture or capture["status"] != "skipped" or not all(v in capture["text"] for v in variables):
            problems.append(f"capture step not skipped naming {variables}: {capture}")
        if "synthetic change events" not in out or "no captured change events" not in out:
            problems.append("no line saying the run falls back to synthetic change events")
    paths = {r["spec_path"] for r in run["results"] if r["rows"] is not None}
    wanted = {j["result"]["spec_path"] for j in jobs if "result" in j}
    if wanted - paths:
        problems.append(f"results missing from the summary: {sorted(wanted - paths)}")
    return "; ".join(problems) or None


def kubernetes_core(projects: list[Path], python: Path, home: Path, verdicts: Verdicts) -> None:
    """Every built-in-kind Kubernetes resource (Role, RoleBinding, ...) of every project is valid
    against the Kubernetes API's strict schemas (kubernetes-validate, one process for all)."""
    from tests.judges.kubernetes import core_resources, validate_core

    found = []
    for project in projects:
        files = {
            str(p.relative_to(project)): p.read_text(encoding="utf-8")
            for p in sorted(project.rglob("*.y*ml"))
            if p.is_file() and ".pipegen" not in p.parts
        }
        found += [(project, path, r) for path, r in core_resources(files)]
    if not found:
        return
    problems = validate_core([r for _, _, r in found], python, home)
    by_project: dict[Path, list[str]] = {}
    for (project, path, r), issues in zip(found, problems, strict=True):
        by_project.setdefault(project, []).extend(f"{path}: {r['kind']}: {i}" for i in issues)
    for project, issues in by_project.items():
        verdicts.add("kubernetes schemas", project, "\n".join(issues) or None)
