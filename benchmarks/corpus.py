"""The long run of the spec generator: draw N specs with a recorded seed, hold each to the
invariant (validate refuses it with located errors, or every family renders and every judge
passes), and write the pass rate and the failure classes to docs/corpus.md.

    python -m benchmarks.corpus --count 300 --seed 20261204 [--judges static,airflow,flink,local,dbt,...]
                                [--local-runs 40] [--independent] [--keep /tmp/failing] [--write docs/corpus.md]

Run from the repo root in the dev environment (scripts/test.sh builds it); the judge
environments are built on first use, as in the test suite. A failing spec is kept (with the
judge's output) under --keep, to minimise and add to tests/corpus/ as a regression fixture.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.judges import promtool
from tests.judges.envs import ensure_env, judge_python
from tests.specgen import infra_judges, judges
from tests.specgen.invariant import Outcome, static
from tests.specgen.sample import draw

REPO = Path(__file__).resolve().parents[1]
ALL_JUDGES = (
    "static", "airflow", "flink", "local", "dbt", "stream", "prefect", "dag_test", "k8s",
    "compose", "terraform", "promtool", "lake",
)  # fmt: skip


def failure_class(judge: str, detail: str) -> str:
    """A failure's class: the judge and its first error line, names and numbers blurred."""
    lines = [ln.strip() for ln in detail.splitlines() if ln.strip()]
    error = next(
        (ln for ln in reversed(lines) if re.search(r"Error|Exception|error|fail", ln)), lines[-1] if lines else ""
    )
    error = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "'…'", error)
    error = re.sub(r"\d+", "N", error)
    return f"{judge}: {error[:160]}"


def _judge(
    paths: list[Path], chosen: tuple[str, ...], runs: dict[str, int], home: Path, verdicts: judges.Verdicts
) -> None:
    local_runs = runs["local"]
    if "airflow" in chosen:
        judges.airflow_bags(paths, judge_python("airflow"), home, verdicts)
    if "flink" in chosen:
        judges.flink_plans(paths, judge_python("flink"), home, verdicts)
    if "dbt" in chosen:
        with_profiles = [p for p in paths if (p / "dbt" / "profiles.yml").is_file()][:local_runs]
        judges.dbt_parses(with_profiles, judge_python("dbt_warehouses"), home, verdicts, judges.WAREHOUSE_ADAPTERS)
    if "stream" in chosen:
        streaming = [p for p in paths if (p / "flink" / "jobs.json").is_file()][: runs["stream"]]
        judges.stream_runs(streaming, judge_python("flink"), home, verdicts)
    if "local" in chosen:
        batch = [p for p in paths if (p / "pipeline" / "run.py").is_file()][:local_runs]
        judges.local_run(batch, judge_python("batch"), home, verdicts)
    if "prefect" in chosen:
        flows = [p for p in paths if any((p / "flows").glob("*.py"))][:local_runs]
        judges.prefect_runs(flows, judge_python("prefect"), home / "prefect", verdicts)
    if "dag_test" in chosen:
        dags = [p for p in paths if any((p / "dags").glob("*.py")) and (p / "pipeline" / "run.py").is_file()]
        judges.airflow_runs(dags[:local_runs], judge_python("airflow"), home / "dag_test", verdicts)
    if "k8s" in chosen:
        judges.kubernetes_core(paths, judge_python("k8s"), home, verdicts)
    _judge_infra(paths, chosen, runs, home, verdicts)


def _judge_infra(
    paths: list[Path], chosen: tuple[str, ...], runs: dict[str, int], home: Path, verdicts: judges.Verdicts
) -> None:
    if "compose" in chosen:
        found = sorted(ensure_env("compose").glob("lib/python*/site-packages/compose/docker-compose"))
        infra_judges.compose_configs(paths, found[0], verdicts)
    if "terraform" in chosen:
        infra_judges.terraform_checks(paths, judge_python("hcl"), verdicts)
    if "promtool" in chosen:
        infra_judges.promtool_rules(paths, promtool.promtool(), verdicts)
    if "lake" in chosen:
        batch = [p for p in paths if (p / "pipeline" / "run.py").is_file()][: runs["local"]]
        ran = set(batch) if "local" in chosen else set()
        lakes = [p for p in paths if (p / "pipeline" / "lake.json").is_file()][: runs["local"]]
        infra_judges.lake_tables(lakes, judge_python("batch"), home, verdicts, ran)


def run(
    count: int, seed: int, chosen: tuple[str, ...], runs: dict[str, int], keep: Path | None, independent: bool = False
) -> dict[str, object]:
    started = time.perf_counter()
    specs = draw(count, seed, independent)
    outcomes: list[Outcome] = [static(s) for s in specs]
    classes: Counter[str] = Counter()
    failing: dict[int, list[str]] = {}
    for i, outcome in enumerate(outcomes):
        if outcome.failure:
            classes[failure_class("static", outcome.failure + "\n" + outcome.detail)] += 1
            failing.setdefault(i, []).append(outcome.failure + "\n" + outcome.detail)
    valid = [i for i, o in enumerate(outcomes) if o.valid and not o.failure]
    judged: dict[str, int] = {"static": len(outcomes)}
    with tempfile.TemporaryDirectory(prefix="pipegen-corpus-") as scratch:
        root = Path(scratch)
        projects = {}
        for i in valid:
            folder = root / f"spec{i:04d}"
            folder.mkdir()
            (folder / "pipegen.yaml").write_text(outcomes[i].text, encoding="utf-8")
            command = ["generate", str(folder / "pipegen.yaml"), "-o", str(folder / "project")]
            proc = subprocess.run(
                [sys.executable, "-m", "pipegen", *command], capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                classes[failure_class("generate", proc.stdout + proc.stderr)] += 1
                failing.setdefault(i, []).append(proc.stdout + proc.stderr)
                continue
            projects[i] = folder / "project"
        verdicts = judges.Verdicts()
        home = root / "home"
        paths = list(projects.values())
        _judge(paths, chosen, runs, home, verdicts)
        for judge, names in verdicts.judged.items():
            judged[judge] = len(names)
        by_folder = {f"{p.parent.name}/{p.name}": i for i, p in projects.items()}
        for name, detail in verdicts.failed.items():
            judge, project = name.split(": ", 1)
            classes[failure_class(judge, detail)] += 1
            failing.setdefault(by_folder[project], []).append(f"{judge}\n{detail}")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for i, details in failing.items():
                (keep / f"spec{i:04d}.yaml").write_text(outcomes[i].text, encoding="utf-8")
                (keep / f"spec{i:04d}.txt").write_text("\n\n".join(details), encoding="utf-8")
    return {
        "count": count,
        "seed": seed,
        "independent": independent,
        "valid": len(valid),
        "refused": sum(1 for o in outcomes if not o.valid and not o.failure),
        "failing": len(failing),
        "judged": judged,
        "classes": classes,
        "seconds": time.perf_counter() - started,
    }


def markdown(result: dict[str, object], chosen: tuple[str, ...], runs: dict[str, int]) -> str:
    count, failing = int(result["count"]), int(result["failing"])  # type: ignore[call-overload]
    rate = 100.0 * (count - failing) / count if count else 0.0
    judged = result["judged"]
    classes: Counter[str] = result["classes"]  # type: ignore[assignment]
    independent = " --independent" if result.get("independent") else ""
    lines = [
        "# The spec generator's long run",
        "",
        "Written by `python -m benchmarks.corpus` (tests/specgen/): specs drawn across the whole vocabulary,",
        "each held to the invariant — `validate` refuses it with located errors, or every family renders and",
        "every judge run passes. Same seed, same specs.",
        "",
        f"- command: `python -m benchmarks.corpus --count {count} --seed {result['seed']} --judges {','.join(chosen)}"
        f" --local-runs {runs['local']} --stream-runs {runs['stream']}{independent}`",
        f"- specs drawn: {count}; valid: {result['valid']}; refused with located errors: {result['refused']}",
        f"- **pass rate: {rate:.1f} %** ({count - failing} of {count} met the invariant)",
        f"- judged: {', '.join(f'{k} {v}' for k, v in judged.items())}",  # type: ignore[attr-defined]
        f"- wall time: {float(result['seconds']):.0f} s",  # type: ignore[arg-type]
        "",
        "## Failure classes",
        "",
    ]
    if not classes:
        lines.append("None in this run.")
    for name, n in classes.most_common():
        lines.append(f"- {n} × {name}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--judges", default=",".join(ALL_JUDGES))
    parser.add_argument(
        "--local-runs",
        type=int,
        default=40,
        help="at most this many projects per slow judge (local runs, lake runs, Prefect, dag.test, dbt parse)",
    )
    parser.add_argument("--stream-runs", type=int, help="at most this many Flink local runs (default: --local-runs)")
    parser.add_argument(
        "--independent",
        action="store_true",
        help="draw each spec on its own (tests/specgen/sample.independent_draws), not Hypothesis's mutated sample",
    )
    parser.add_argument("--keep", type=Path, help="write failing specs and their judge output here")
    parser.add_argument("--write", type=Path, help="write the report here (e.g. docs/corpus.md)")
    args = parser.parse_args(argv)
    chosen = tuple(j for j in args.judges.split(",") if j)
    unknown = set(chosen) - set(ALL_JUDGES)
    if unknown:
        parser.error(f"unknown judge(s) {sorted(unknown)}: choose from {', '.join(ALL_JUDGES)}")
    if args.keep is not None and args.keep.exists():
        shutil.rmtree(args.keep)
    runs = {"local": args.local_runs, "stream": args.local_runs if args.stream_runs is None else args.stream_runs}
    result = run(args.count, args.seed, chosen, runs, args.keep, args.independent)
    text = markdown(result, chosen, runs)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 1 if result["failing"] else 0


if __name__ == "__main__":
    sys.exit(main())
