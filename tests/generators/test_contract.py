"""The family contract: the plan decides which families a spec needs, the registry says
which are generated, contributions reach the shared files, and nothing is dropped silently."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pipegen import __version__
from pipegen.generators import registry
from pipegen.generators.base import (
    CiStep,
    ComposeService,
    Contribution,
    ContributionConflict,
    Declaration,
    EnvVar,
    GenContext,
    MakeTarget,
    RunStep,
    collect,
)
from pipegen.generators.registry import GENERATORS, PLANNED, REGISTRY, get
from pipegen.pipeline import families_for, needed_families, prepare, render_tree
from pipegen.plan.components import Kind
from pipegen.plan.plan import Plan, make_plan
from pipegen.spec.model import Architecture, Orchestrator, Spec
from tests.conftest import REPO, example_specs, spec_data


def plan_variants() -> list[Plan]:
    """Every example spec under every architecture and orchestrator, with monitoring and
    deploy switched both ways: the plans a user can get."""
    plans = []
    for path in example_specs():
        spec = prepare(path).spec
        for arch, orch, on in itertools.product(
            [a for a in Architecture if a != Architecture.AUTO], Orchestrator, (True, False)
        ):
            deploy = spec.deploy.model_copy(
                update={
                    "kubernetes": spec.deploy.kubernetes.model_copy(update={"enabled": on}),
                    "terraform": spec.deploy.terraform.model_copy(update={"enabled": on}),
                }
            )
            monitoring = spec.monitoring.model_copy(update={"prometheus": on})
            variant = spec.model_copy(
                update={"architecture": arch, "orchestrator": orch, "deploy": deploy, "monitoring": monitoring}
            )
            plans.append(make_plan(variant))
    return plans


PLANS = plan_variants()


def test_registry_and_planned_partition_the_declared_families() -> None:
    tags = [d.tag for d in REGISTRY.declarations]
    assert len(tags) == len(set(tags)), "a family is declared twice"
    assert not set(GENERATORS) & PLANNED, "a family is both generated and planned"
    assert set(GENERATORS) | PLANNED == set(tags)
    for d in REGISTRY.declarations:
        assert d.description and (d.always or d.needs), f"{d.tag}: no description, or never on"


def test_every_generated_family_names_its_judge_and_the_judge_tests_exist() -> None:
    for d in REGISTRY.declarations:
        if d.generator is None:
            continue
        assert d.judge is not None and d.judge.tool and d.judge.tests, f"{d.tag} declares no judge"
        for test in d.judge.tests:
            assert (REPO / test).is_file(), f"{d.tag}: judge test {test} does not exist"


def test_every_component_kind_the_plan_emits_is_made_by_a_declared_family() -> None:
    emitted = {k for p in PLANS for k in p.graph.kinds}
    owners = REGISTRY.owners()
    assert emitted <= set(owners), emitted - set(owners)
    # and no kind or family is dead: some plan emits each kind, some plan needs each family
    assert set(Kind) == emitted, set(Kind) - emitted
    needed = {d.tag for p in PLANS for d in needed_families(p)}
    assert needed == {d.tag for d in REGISTRY.declarations}, {d.tag for d in REGISTRY.declarations} - needed


def test_families_rendered_are_exactly_the_plans_generated_families() -> None:
    for plan in PLANS[:12]:
        needed = needed_families(plan)
        assert families_for(plan) == [d.tag for d in needed if d.generator is not None]
        assert [d.tag for d in needed][:2] == ["project", "docs"]  # always on, in registry order


def test_get_suggests_a_close_family_name() -> None:
    assert get("docs") is GENERATORS["docs"]
    with pytest.raises(KeyError, match="did you mean 'docs'"):
        get("dosc")


def test_generated_docs_list_planned_families_as_planned(monkeypatch: pytest.MonkeyPatch) -> None:
    # no family is planned today (Spark streaming and the Databricks bundle are generated): a toy
    # planned declaration, on for every plan, stands in for the next one
    toy = Declaration("toy_planned", "Toy jobs, where a plan needs them", always=True)
    monkeypatch.setattr(registry, "REGISTRY", registry.Registry((*REGISTRY.declarations, toy)))
    prepared = prepare(REPO / "specs" / "azure_playground.yaml")
    text = render_tree(prepared.spec, prepared.plan)["docs/architecture.md"]
    planned = [d.tag for d in registry.REGISTRY.needed(prepared.plan) if d.generator is None]
    assert planned == ["toy_planned"]
    for tag in planned:
        assert f"`{tag}` | planned" in text


# ---------------------------------------------------------------- contributions


def test_collect_merges_sorts_and_unites_env_uses() -> None:
    shared = collect(
        {
            "ingestion": Contribution(
                requirements=("dlt==1.31.0", "duckdb==1.4.0"),
                env=(EnvVar("PG_PASSWORD", ("ingestion reads it",), secret=True),),
            ),
            "dbt": Contribution(
                requirements=("duckdb==1.4.0", "dbt-core==1.11.16"),
                env=(EnvVar("PG_PASSWORD", ("dbt profile",), secret=True),),
                run_steps=(RunStep(20, "transform", "dbt build", ("-m", "x")), RunStep(10, "ingest", "load", ())),
            ),
        }
    )
    assert shared.requirements == ("dbt-core==1.11.16", "dlt==1.31.0", "duckdb==1.4.0")
    assert shared.env == (EnvVar("PG_PASSWORD", ("dbt profile", "ingestion reads it"), secret=True),)
    assert [s.name for s in shared.run_steps] == ["ingest", "transform"]


@pytest.mark.parametrize(
    "parts",
    [
        {"dbt": Contribution(requirements=("duckdb==1.4.0",)),
         "gx": Contribution(requirements=("duckdb==1.3.0",))},
        {"dbt": Contribution(env=(EnvVar("X", ("a",), secret=True),)),
         "gx": Contribution(env=(EnvVar("X", ("b",), secret=False, default="1"),))},
        {"dbt": Contribution(make_targets=(MakeTarget("t", "a", (("a",),)),)),
         "gx": Contribution(make_targets=(MakeTarget("t", "b", (("b",),)),))},
    ],
    ids=["two-pins", "secret-and-not", "two-targets"],
)  # fmt: skip
def test_conflicting_contributions_are_refused(parts: dict[str, Contribution]) -> None:
    with pytest.raises(ContributionConflict):
        collect(parts)


def render_with(contribution: Contribution) -> dict[str, str]:
    """The project family's files for the base spec plus one extra family's contribution."""
    spec = Spec.model_validate(spec_data())
    plan = make_plan(spec)
    project = GENERATORS["project"]
    ctx = GenContext(spec, plan, frozenset({"project"}), __version__)
    shared = collect({"project": project.contribute(ctx), "ingestion": contribution})
    return project.render(replace(ctx, shared=shared))


def test_contributions_reach_requirements_env_and_makefile(tmp_path: Path) -> None:
    files = render_with(
        Contribution(
            requirements=("dlt[duckdb]==1.31.0",),
            env=(EnvVar("RUNTIME__DLTHUB_TELEMETRY", ("dlt: no network calls",), default="false"),),
            make_targets=(MakeTarget("ingest", "load sources", (("$(PROJECT_PYTHON)", "-m", "ingestion", "it's"),)),),
            run_steps=(RunStep(10, "ingest", "load", ("-m", "ingestion")),),
        )
    )
    assert "dlt[duckdb]==1.31.0\n" in files["requirements.txt"]
    assert "RUNTIME__DLTHUB_TELEMETRY=false\n" in files[".env.example"]
    (tmp_path / "pipegen.mk").write_text(files["pipegen.mk"])
    (tmp_path / "Makefile").write_text("include pipegen.mk\n")
    cmd = ["make", "-n", "-C", str(tmp_path), "ingest", "run", "PROJECT_PYTHON=python3"]
    dry = subprocess.run(cmd, check=False, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "python3 -m ingestion 'it'\"'\"'s'" in dry.stdout  # quoted for the shell, run by make
    assert re.search(r"^python3 -m pipeline.run *$", dry.stdout, re.MULTILINE)  # `make run` runs every step
    chosen = subprocess.run([*cmd[:-3], "run", "PROJECT_PYTHON=python3", "ONLY=ingest", "ROWS=5", "FROM=ingest"],
                            check=False, capture_output=True, text=True)  # fmt: skip
    assert re.search(r"^python3 -m pipeline.run --from ingest +--only ingest +--rows 5 *$", chosen.stdout, re.M), chosen


def test_compose_services_and_ci_steps_render_as_yaml() -> None:
    files = render_with(
        Contribution(
            compose_services=(ComposeService("db", "postgres:17", ports=("5432:5432",), environment=(("A", "b: c"),)),),
            ci_steps=(CiStep("dbt build", "make dbt-build"),),
        )
    )
    compose = YAML(typ="safe").load(files["compose.yaml"])
    assert compose == {
        "services": {"db": {"image": "postgres:17", "ports": ["5432:5432"], "environment": {"A": "b: c"}}}
    }
    workflow = YAML(typ="safe").load(files[".github/workflows/pipegen.yml"])
    assert workflow["jobs"]["check"]["steps"][-1] == {"name": "dbt build", "run": "make dbt-build"}


def test_no_compose_file_without_contributions_and_a_workflow_with_only_pipegens_checks() -> None:
    files = render_with(Contribution())
    assert "compose.yaml" not in files
    steps = YAML(typ="safe").load(files[".github/workflows/pipegen.yml"])["jobs"]["check"]["steps"]
    assert [s.get("name") for s in steps[2:6]] == [
        "Install pipegen", "Validate the spec", "Generated files are current",
        "No breaking spec change against the base branch",
    ]  # fmt: skip


def test_env_example_covers_secrets_in_environment_variables() -> None:
    data = spec_data(deploy={"environments": {"prod": {"variables": {"API_TOKEN": "${secret:PROD_API_TOKEN}"}}}})
    spec = Spec.model_validate(data)
    env = render_tree(spec, make_plan(spec))[".env.example"]
    assert "# secret: deploy.environments.prod.variables.API_TOKEN\nPROD_API_TOKEN=\n" in env


def test_the_pipeline_package_init_is_wanted_by_run_steps_or_python_modules() -> None:
    none = collect({"dbt": Contribution(requirements=("duckdb==1.4.0",))})
    modules = collect({"flink": Contribution(python_modules=True), "dbt": Contribution()})
    steps = collect({"dbt": Contribution(run_steps=(RunStep(10, "transform", "dbt build", ("-m", "x")),))})
    assert (none.python_modules, modules.python_modules, steps.python_modules) == (False, True, True)
    assert modules.run_steps == ()
