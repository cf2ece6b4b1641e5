"""Valid means it runs, judged by the real tools on specs nobody here wrote: a fixed-seed
sample of drawn specs that validate, plus every spec in tests/corpus/, is generated with the
CLI and judged in batches — the local run (synthetic data, dlt into DuckDB, dbt build, GX),
Airflow's DagBag, PyFlink's planner over every Flink statement, dbt parse per warehouse target
and one local stream run. benchmarks/corpus.py runs
hundreds with a recorded seed and writes the pass rate to docs/corpus.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.specgen import judges
from tests.specgen.sample import valid_sample

SEED = 20261204
SAMPLE = 12
CORPUS = Path(__file__).parents[1] / "corpus"
LOCAL_RUNS = 8  # the local run costs ~10 s a project: the first ones with a batch layer (the corpus first)
STREAM_RUNS = 1
DBT_PARSES = 8  # projects whose warehouse targets dbt parses (~5 s a target)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("drawn")
    specs = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.yaml"))]  # first: every judge runs them
    specs += [outcome.text for _, outcome in valid_sample(SAMPLE, SEED, pool=SAMPLE * 3)]
    out = []
    for i, text in enumerate(specs):
        folder = root / f"spec{i:02d}"
        folder.mkdir()
        (folder / "pipegen.yaml").write_text(text, encoding="utf-8")
        proc = run_cli("generate", str(folder / "pipegen.yaml"), "-o", str(folder / "project"))
        assert proc.returncode == 0, f"{text}\n{proc.stdout}{proc.stderr}"
        out.append(folder / "project")
    assert len(out) >= SAMPLE
    return out


# Failure classes found and not fixed yet, each in docs/corpus.md and on issue 19: a failure that
# matches one is printed (visible in the run's output), never counted as a pass; any other fails.
KNOWN_OPEN = {
    "an extract that keeps no row lands no raw table, and dbt's staging model fails on the missing relation":
        r"Table with name \w+ does not exist",
    "an extract that keeps no row: the empty batch's column types read as a contract violation (record {})":
        r"offending record: \{\}\. Nothing of this batch was loaded",
}  # fmt: skip


def _open_failures(verdicts: judges.Verdicts) -> judges.Verdicts:
    """`verdicts` without the failures of a known open class (printed instead)."""
    import re

    kept = judges.Verdicts(verdicts.judged, {})
    for name, detail in verdicts.failed.items():
        known = next((why for why, pattern in KNOWN_OPEN.items() if re.search(pattern, detail)), None)
        if known is None:
            kept.failed[name] = detail
        else:
            print(f"KNOWN OPEN FAILURE ({known}): {name}")
    return kept


def _report(verdicts: judges.Verdicts) -> str:
    return "\n\n".join(
        f"== {name}\n{(Path(name.split(': ')[1]).parent / 'pipegen.yaml')}\n{detail}"
        for name, detail in verdicts.failed.items()
    )


@pytest.mark.judge
def test_the_local_run_of_drawn_specs_builds_every_model(
    projects: list[Path], batch_python: Path, tmp_path: Path
) -> None:
    batch = [p for p in projects if (p / "pipeline" / "run.py").is_file()][:LOCAL_RUNS]
    verdicts = judges.Verdicts()
    judges.local_run(batch, batch_python, tmp_path / "home", verdicts)
    assert len(verdicts.judged.get("local run", [])) >= 4
    verdicts = _open_failures(verdicts)
    assert not verdicts.failed, _report(verdicts)


@pytest.mark.judge
def test_airflow_loads_every_drawn_specs_dag(projects: list[Path], airflow_python: Path, tmp_path: Path) -> None:
    verdicts = judges.Verdicts()
    judges.airflow_bags(projects, airflow_python, tmp_path / "home", verdicts)
    assert len(verdicts.judged.get("airflow DagBag", [])) >= 4
    assert not verdicts.failed, _report(verdicts)


@pytest.mark.judge
def test_pyflink_plans_every_drawn_specs_flink_statements(
    projects: list[Path], flink_python: Path, tmp_path: Path
) -> None:
    verdicts = judges.Verdicts()
    judges.flink_plans(projects, flink_python, tmp_path / "home", verdicts)
    assert len(verdicts.judged.get("flink EXPLAIN", [])) >= 3
    assert not verdicts.failed, _report(verdicts)


def _warehouse_outputs(project: Path) -> bool:
    """Whether the project's dbt profile has an output of a warehouse adapter (not only DuckDB)."""
    profiles = project / "dbt" / "profiles.yml"
    return profiles.is_file() and any(f'type: "{a}"' in profiles.read_text() for a in judges.WAREHOUSE_ADAPTERS)


@pytest.mark.judge
def test_dbt_parses_every_drawn_specs_warehouse_target(
    projects: list[Path], dbt_warehouses_python: Path, tmp_path: Path
) -> None:
    verdicts = judges.Verdicts()
    with_profiles = [p for p in projects if _warehouse_outputs(p)][:DBT_PARSES]
    judges.dbt_parses(
        with_profiles, dbt_warehouses_python.parent / "dbt", tmp_path / "home", verdicts, judges.WAREHOUSE_ADAPTERS
    )
    assert sum(len(v) for v in verdicts.judged.values()) >= min(3, len(with_profiles)) > 0, verdicts.judged
    assert not verdicts.failed, _report(verdicts)


@pytest.mark.judge
def test_the_local_stream_run_of_a_drawn_spec_runs_every_flink_job(
    projects: list[Path], flink_python: Path, tmp_path: Path
) -> None:
    """The first drawn spec with Flink jobs (a JVM run costs ~20 s a job: one project in CI;
    benchmarks/corpus.py runs more)."""
    streaming = [p for p in projects if (p / "flink" / "jobs.json").is_file()][:STREAM_RUNS]
    verdicts = judges.Verdicts()
    judges.stream_runs(streaming, flink_python, tmp_path / "home", verdicts)
    assert len(verdicts.judged.get("flink local run", [])) == STREAM_RUNS
    assert not verdicts.failed, _report(verdicts)
