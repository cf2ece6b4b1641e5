"""Valid means it runs, judged by the real tools on specs nobody here wrote: a fixed-seed
sample of drawn specs that validate, plus every spec in tests/corpus/, is generated with the
CLI and judged in batches — the local run (synthetic data, dlt into DuckDB, dbt build, GX),
Airflow's DagBag, a Prefect flow run and Airflow's dag.test() of a local run, PyFlink's planner
over every Flink statement, dbt parse per warehouse target, local stream runs and compose.yaml's
judges (the Compose binary, its schema, the cross-file checks). Sized to a CPU budget (docs/corpus.md,
"The suite's sample": ~150 s of CPU here): the judges that cost a run per project take the corpus
fixtures that name them and one or two drawn projects each, rotated by the day.
benchmarks/corpus.py runs hundreds with a recorded seed and writes the pass rate to
docs/corpus.md; docs/judges.md lists what is not judged and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import generate
from tests.specgen import judges
from tests.specgen.rotation import choose, choose_covering
from tests.specgen.sample import valid_sample

SEED = 20261204
SAMPLE = 12
CORPUS = Path(__file__).parents[1] / "corpus"
# The expensive judges of drawn specs run a few of the sample's projects each, chosen by
# tests/specgen/rotation.py: rotated by the day (PIPEGEN_DRAWN_ROTATION repeats a choice, printed in
# each test's output and failure), PIPEGEN_DRAWN_RUNS=all runs every project they can take.
LOCAL_RUNS = 1  # drawn projects with a batch layer run locally after every corpus one (~30 s of CPU a project)
STREAM_RUNS = 1  # drawn projects with Flink jobs run locally after the corpus fixtures naming `stream` (~3 s a job)
# drawn projects whose warehouse targets dbt parses (~4 s a target) after the corpus fixtures naming
# `dbt_warehouse`: more where the sample's drawn projects have more adapters, every one parsed each run
DBT_PARSES = 2
# Runs under an orchestrator, of drawn specs (not the corpus), rotated as above: a Prefect flow
# run costs ~25 s of CPU a project after the test harness's start, a dag.test() ~30 s after
# Airflow's db migrate (one process each for all its projects; the DagBag of every project is
# loaded in the Airflow one, before its migrate: airflow_verdicts).
PREFECT_RUNS = 1
AIRFLOW_RUNS = 1
# the drawn-spec Airflow round: (DagBag verdicts, dag.test() verdicts, projects run, rotation note)
AirflowRound = tuple[judges.Verdicts, judges.Verdicts, int, str]
# the Flink round: (EXPLAIN verdicts, local stream run verdicts, projects streamed, rotation note)
FlinkRound = tuple[judges.Verdicts, judges.Verdicts, list[Path], str]


# The judges a corpus fixture names on its `# judges:` line: the ones whose failure it records.
# The batched judges (Airflow's DagBag, Flink EXPLAIN, Terraform, Compose) take every corpus spec in
# one process whatever it names; the judges that cost a run or a parse per project (the local run,
# ~10 s a project; the stream run; a Prefect flow run; dbt parse of warehouse targets) take only the
# fixtures that name them, and a few drawn specs.
CORPUS_JUDGES = frozenset({"generate", "local", "flink", "stream", "dbt_warehouse", "prefect", "compose"})


def corpus() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.yaml"))]


def judged_by(spec_text: str) -> set[str]:
    """The judges a corpus fixture's `# judges:` line names (empty for a drawn spec)."""
    for line in spec_text.splitlines():
        if line.startswith("# judges:"):
            return {j.strip() for j in line.removeprefix("# judges:").split(",")}
    return set()


def test_every_corpus_fixture_names_the_judges_that_found_it() -> None:
    named = {p.stem: judged_by(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.yaml"))}
    assert named and all(named.values()), {k: v for k, v in named.items() if not v}
    unknown = {k: v - CORPUS_JUDGES for k, v in named.items() if v - CORPUS_JUDGES}
    assert not unknown, f"unknown judges {unknown}; known: {sorted(CORPUS_JUDGES)}"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("drawn")
    specs = corpus()  # first: every judge runs them
    specs += [outcome.text for _, outcome in valid_sample(SAMPLE, SEED, pool=SAMPLE * 3, render=False)]
    out = []
    for i, text in enumerate(specs):
        folder = root / f"spec{i:02d}"
        folder.mkdir()
        (folder / "pipegen.yaml").write_text(text, encoding="utf-8")
        code, output = generate(folder / "pipegen.yaml", folder / "project")
        assert code == 0, f"{text}\n{output}"
        out.append(folder / "project")
    assert len(out) >= SAMPLE
    return out


def _report(verdicts: judges.Verdicts, note: str = "") -> str:
    failures = [
        f"== {name}\n{(Path(name.split(': ')[1]).parent / 'pipegen.yaml')}\n{detail}"
        for name, detail in verdicts.failed.items()
    ]
    return "\n\n".join([note, *failures] if note else failures)


@pytest.mark.judge
def test_the_local_run_of_drawn_specs_builds_every_model(
    projects: list[Path], batch_python: Path, tmp_path: Path
) -> None:
    """Every corpus spec that names the local run among its judges (each a regression fixture, run
    without the report's docs; their runners in one batch-env process whose steps run in it, so
    dbt, GX and dlt are imported once: judges.local_runs_in_one_process) and LOCAL_RUNS drawn ones,
    rotated (with dbt's and GX's docs, which must be built; `python -m pipeline.run` as a process
    whose steps are processes, as the user runs it)."""
    runnable = [p for p in projects if judges.batch_layer(p)]
    regressions = [p for p in runnable if p not in drawn(projects) and "local" in _judges_of(p)]
    fresh, note = choose([p for p in runnable if p in drawn(projects)], LOCAL_RUNS)
    print(note)
    verdicts = judges.Verdicts()
    judges.local_runs_in_one_process(regressions, batch_python, tmp_path / "home", verdicts, docs=False)
    judges.local_run(fresh, batch_python, tmp_path / "home", verdicts)
    assert len(verdicts.judged.get("local run", [])) == len(regressions) + len(fresh) > len(regressions) > 0, note
    assert not verdicts.failed, _report(verdicts, note)


@pytest.fixture(scope="module")
def airflow_verdicts(
    projects: list[Path], airflow_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> AirflowRound:
    """(DagBag verdicts of every project, dag.test() verdicts of AIRFLOW_RUNS drawn ones, rotated,
    how many were chosen, the rotation's note) from one Airflow process: the DagBag of every project
    is loaded before the round's db migrate and runs (an Airflow start costs ~20 s of CPU here)."""
    with_dags = [p for p in drawn(projects) if any((p / "dags").glob("*.py")) and judges.batch_layer(p)]
    chosen, note = choose(_distinct_pipelines(with_dags), AIRFLOW_RUNS)
    runs = judges.Verdicts()
    bags = judges.airflow_runs(chosen, airflow_python, tmp_path_factory.mktemp("airflow") / "home", runs, bags=projects)
    return bags, runs, len(chosen), note


@pytest.mark.judge
def test_airflow_loads_every_drawn_specs_dag(airflow_verdicts: AirflowRound) -> None:
    verdicts = airflow_verdicts[0]
    assert len(verdicts.judged.get("airflow DagBag", [])) >= 4
    assert not verdicts.failed, _report(verdicts)


def _judges_of(project: Path) -> set[str]:
    return judged_by((project.parent / "pipegen.yaml").read_text(encoding="utf-8"))


def drawn(projects: list[Path]) -> list[Path]:
    """The projects of drawn specs (after the corpus's)."""
    return projects[len(corpus()) :]


def _distinct_pipelines(projects: list[Path]) -> list[Path]:
    """The first project of each pipeline name: one Airflow process runs them all (a DAG id
    twice would take a second process, judges.airflow_runs)."""
    seen: dict[str, Path] = {}
    for project in projects:
        for dag_file in sorted((project / "dags").glob("*.py")):  # dags/<pipeline>.py: the DAG id's file
            seen.setdefault(dag_file.stem, project)
    return list(dict.fromkeys(seen.values()))


@pytest.mark.judge
def test_a_prefect_flow_run_of_drawn_specs_completes_every_task_and_builds_every_model(
    projects: list[Path], prefect_python: Path, tmp_path: Path
) -> None:
    """Every corpus spec that names the Prefect run among its judges (a regression fixture) and
    PREFECT_RUNS drawn ones, rotated, in one Prefect process."""
    with_flows = [p for p in projects if any((p / "flows").glob("*.py"))]
    regressions = [p for p in with_flows if p not in drawn(projects) and "prefect" in _judges_of(p)]
    fresh, note = choose([p for p in with_flows if p in drawn(projects)], PREFECT_RUNS)
    print(note)
    verdicts = judges.Verdicts()
    judges.prefect_runs([*regressions, *fresh], prefect_python, tmp_path / "home", verdicts)
    judged = len(verdicts.judged.get("prefect flow run", []))
    assert judged == len(regressions) + len(fresh) > len(regressions) > 0, note
    assert not verdicts.failed, _report(verdicts, note)


@pytest.mark.judge
def test_dag_test_of_drawn_specs_runs_every_task_and_builds_every_model(
    airflow_verdicts: AirflowRound,
) -> None:
    _, verdicts, chosen, note = airflow_verdicts
    print(note)
    assert len(verdicts.judged.get("airflow dag.test", [])) == chosen > 0, note
    assert not verdicts.failed, _report(verdicts, note)


@pytest.fixture(scope="module")
def flink_round(projects: list[Path], flink_shared: Path, tmp_path_factory: pytest.TempPathFactory) -> FlinkRound:
    """(EXPLAIN verdicts of every project, local stream run verdicts, the projects streamed, the
    rotation's note): every corpus fixture that names the stream run, and STREAM_RUNS drawn projects
    with Flink jobs, rotated (benchmarks/corpus.py --stream-runs runs many). The EXPLAINs and every
    stream run share one PyFlink process (one JVM start instead of one a project, judges.stream_runs).
    A stream-only one (CDC or event sources, no batch layer) runs as `pipegen run` runs it: its own
    runner, whose stream step runs in that process (flink_plans.py --whole). That process is a fork of
    the test session's Flink judge service (`flink_shared`, tests/judges/flink_service.py): its JVM is started once."""
    with_jobs = [p for p in projects if (p / "flink" / "jobs.json").is_file()]
    regressions = [p for p in with_jobs if p not in drawn(projects) and "stream" in _judges_of(p)]
    fresh, note = choose([p for p in with_jobs if p in drawn(projects)], STREAM_RUNS)
    print(note)
    plans, streams = judges.Verdicts(), judges.Verdicts()
    home = tmp_path_factory.mktemp("flink") / "home"
    judges.stream_runs([*regressions, *fresh], flink_shared, home, streams, runners=True, planned=projects,
                       plan_verdicts=plans)  # fmt: skip
    return plans, streams, [*regressions, *fresh], note


@pytest.mark.judge
def test_pyflink_plans_every_drawn_specs_flink_statements(flink_round: FlinkRound) -> None:
    verdicts = flink_round[0]
    assert len(verdicts.judged.get("flink EXPLAIN", [])) >= 3
    assert not verdicts.failed, _report(verdicts)


def _warehouse_outputs(project: Path) -> bool:
    """Whether the project's dbt profile has an output of a warehouse adapter (not only DuckDB)."""
    return bool(_adapters(project))


def _adapters(project: Path) -> set[str]:
    """The warehouse adapters of the project's dbt profile that the dbt_warehouses env has."""
    profiles = project / "dbt" / "profiles.yml"
    text = profiles.read_text(encoding="utf-8") if profiles.is_file() else ""
    return {a for a in judges.WAREHOUSE_ADAPTERS if f'type: "{a}"' in text}


@pytest.mark.judge
def test_dbt_parses_every_drawn_specs_warehouse_target(
    projects: list[Path], dbt_warehouses_python: Path, tmp_path: Path
) -> None:
    """`dbt parse --target` of every warehouse output of the corpus fixtures that name `dbt_warehouse`
    and of DBT_PARSES drawn projects, rotated, among which every warehouse adapter of the sample's
    drawn projects (one dbt interpreter for all)."""
    with_profiles = [p for p in projects if _warehouse_outputs(p)]
    regressions = [p for p in with_profiles if p not in drawn(projects) and "dbt_warehouse" in _judges_of(p)]
    fresh, note = choose_covering([p for p in with_profiles if p in drawn(projects)], DBT_PARSES, _adapters)
    print(note)
    verdicts = judges.Verdicts()
    judges.dbt_parses([*regressions, *fresh], dbt_warehouses_python, tmp_path / "home", verdicts,
                      judges.WAREHOUSE_ADAPTERS)  # fmt: skip
    parsed = {name for names in verdicts.judged.values() for name in names}
    assert {f"{p.parent.name}/{p.name}" for p in [*regressions, *fresh]} == parsed and fresh, (note, verdicts.judged)
    adapters = {judge.removeprefix("dbt parse (").rstrip(")") for judge in verdicts.judged}
    assert adapters >= set().union(*map(_adapters, fresh)), (note, verdicts.judged)
    assert not verdicts.failed, _report(verdicts, note)


@pytest.mark.judge
def test_the_local_stream_run_of_a_drawn_spec_runs_every_flink_job(
    projects: list[Path], flink_round: FlinkRound
) -> None:
    """The corpus fixtures that name the stream run and STREAM_RUNS drawn specs, rotated (flink_round):
    every Flink job of each ran with its result line, a stream-only one as `pipegen run` runs it."""
    _, verdicts, streaming, note = flink_round
    print(note)
    regressions = [p for p in streaming if p not in drawn(projects)]
    assert len(verdicts.judged.get("flink local run", [])) == len(streaming) > len(regressions) > 0, note
    assert not verdicts.failed, _report(verdicts, note)


@pytest.mark.judge
def test_every_drawn_specs_compose_file_passes_the_compose_binary_its_schema_and_the_cross_file_checks(
    projects: list[Path],
) -> None:
    """compose.yaml of every drawn project (tests/specgen/infra_judges.py): `docker-compose config -q` with a
    developer's .env, the Compose JSON Schema, and tests/judges/compose_checks.py across the project's files
    (pinned images, .env.example, mounted paths, healthy dependencies, Flink slots). The corpus fixtures'
    compose.yaml get the same three judges in tests/judges/test_compose.py (every corpus spec with one), so
    they are not judged a second time here."""
    from tests.judges.envs import ensure_env
    from tests.specgen.infra_judges import compose_configs

    (binary,) = sorted(ensure_env("compose").glob("lib/python*/site-packages/compose/docker-compose"))
    verdicts = judges.Verdicts()
    compose_configs(drawn(projects), binary, verdicts)
    assert len(verdicts.judged.get("compose files", [])) >= len(drawn(projects)) // 2, verdicts.judged
    assert not verdicts.failed, _report(verdicts)


@pytest.mark.judge
def test_drawn_specs_terraform_parses_matches_provider_schemas_and_passes_checkov(
    projects: list[Path], hcl_python: Path, checkov_python: Path, tmp_path: Path
) -> None:
    """The terraform family's judges (tests/judges/test_terraform.py) over the drawn specs that deploy
    with Terraform: python-hcl2 parse, the provider-schema check, one checkov run over all of them."""
    from tests.judges.terraform import parse_dir, run_checkov, schema_problems, schemas

    dirs = [p / "terraform" for p in projects if (p / "terraform").is_dir()]
    assert dirs, "no drawn spec deploys with Terraform: the sample judged nothing"
    parsed = parse_dir(hcl_python, *dirs)
    problems, checked = schema_problems({k: v for k, v in parsed.items() if k.endswith(".tf")}, schemas())
    assert problems == []
    assert checked >= 5 * len(dirs)
    root = tmp_path / "terraform"
    for d in dirs:  # one checkov process for all of them
        shutil.copytree(d, root / d.parent.parent.name / "terraform")
    report = run_checkov(checkov_python, root, tmp_path / "home")
    failed = [f"{f['check_id']} {f['file_abs_path']}" for f in report["results"]["failed_checks"]]
    assert failed == []
    assert len(report["results"]["passed_checks"]) >= 10 * len(dirs)


@pytest.mark.judge
def test_drawn_specs_terraform_validate_accepts_a_root_of_each(
    projects: list[Path], tfstub_python: Path, tmp_path: Path
) -> None:
    """`terraform init -backend=false` + `terraform validate` (tests/judges/test_terraform.py) with the
    stand-in providers of tests/judges/tfstub.py, on one environment root of each drawn spec deploying with
    Terraform (the environments differ only in their values, which validate does not read)."""
    from tests.judges.terraform import schemas, stub_mirror, stub_servers, terraform_binary, validate

    terraform = terraform_binary()
    if terraform is None:
        print("terraform is not installed (it is not in any registry here): skipping `terraform validate`")
        pytest.skip("no terraform binary on this machine")
    dirs = [p / "terraform" for p in projects if (p / "terraform").is_dir()]
    assert dirs, "no drawn spec deploys with Terraform: the sample judged nothing"
    schemas()  # built before the stand-ins read them
    config = stub_mirror(tfstub_python, tmp_path / "tfstub")
    failed = []
    with stub_servers(tfstub_python, tmp_path / "tfstub/run") as reattach:
        for d in dirs:
            work = shutil.copytree(d, tmp_path / d.parent.parent.name / "terraform")  # init writes .terraform/
            root = sorted((work / "envs").iterdir())[-1]
            run = validate(terraform, root, config, tmp_path / "home", reattach)
            if run.returncode != 0 or "Success! The configuration is valid." not in run.stdout:
                failed.append(f"{d.parent.parent.name}/{root.name}:\n{run.stdout[-1500:]}\n{run.stderr[-3000:]}")
    assert not failed, "\n\n".join(failed)
