"""The Faker streams' generators of a Kappa plan (no batch layer), deployed (issue 21, infra21b): the corpus fixture
tests/corpus/kappa_faker_stream_deployed.yaml (a Faker stream, one Flink job, Terraform) on aws, gcp and azure, with
and without `deploy.kubernetes`. Its generated `pipeline/stream_generator.py`, run as compose.yaml's generator service
runs it (`--local`), creates and writes the topic the Flink jobs read (the naming layer's `read_topic`) on a real
Kafka-protocol broker (tansu), and flink-sql waits for that service; each cloud's
Terraform root runs it beside the cloud's managed Kafka, judged as every example's root is (python-hcl2, the
provider schemas, checkov, `terraform fmt` and `terraform console` over each environment's values); under
Kubernetes the kustomize base runs it as a Deployment, judged by `kubectl kustomize`, kubernetes-validate --strict,
the operators' CRDs and checkov. Before the plan gave a Kappa plan its generators (plan/stream_generators.py), none
of these files existed and validate warned R456."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.stream_generators import GeneratorHost, generator_host
from tests.conftest import REPO
from tests.families.test_stream_generator import PROBE, UUID
from tests.judges.crds import CrdCatalog, shared_crds_dir
from tests.judges.kubernetes import failures, is_core
from tests.judges.kustomize import MISSING, build, hardening_problems, kubectl
from tests.judges.kustomize import run_checkov as k8s_checkov
from tests.judges.kustomize import skips as k8s_skips
from tests.judges.terraform import (
    console,
    fmt_check,
    parse_dir,
    run_checkov,
    schema_problems,
    schemas,
    terraform_binary,
    write_terraform,
)
from tests.judges.test_terraform import _resources
from tests.servers import KafkaBroker

pytestmark = pytest.mark.judge

SPEC = REPO / "tests/corpus/kappa_faker_stream_deployed.yaml"
CLOUDS = ("aws", "gcp", "azure")
TABLE = "clickstream__page_views"
GENERATOR = ["python", "-m", "pipeline.stream_generator", "--table", TABLE]


class Project(NamedTuple):
    files: dict[str, str]
    found: tuple[tuple[str, str], ...]  # validate's (code, spec path) of every diagnostic
    topic: str  # the topic the Flink jobs read, by the naming layer
    host: GeneratorHost | None  # where its generators run (plan/stream_generators.py)


def _project(cloud: str, kubernetes: bool, where: Path) -> Project:
    """The fixture on `cloud`, with `deploy.kubernetes` where asked."""
    text = SPEC.read_text(encoding="utf-8")
    assert text.count("\ncloud: aws\n") == 1 and text.count("\ndeploy:\n") == 1
    text = text.replace("\ncloud: aws\n", f"\ncloud: {cloud}\n")
    if kubernetes:
        text = text.replace("\ndeploy:\n", "\ndeploy:\n  kubernetes: {enabled: true}\n")
    spec = where / f"{cloud}-{'kubernetes' if kubernetes else 'terraform'}.yaml"
    spec.write_text(text, encoding="utf-8")
    ready = prepare(spec)
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    topic = str(ready.plan.names.dataset("clickstream", "page_views").read_topic)
    found = tuple((d.code, ".".join(map(str, d.path))) for d in ready.diagnostics)
    return Project(files, found, topic, generator_host(ready.spec, ready.plan.graph.kinds))


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Project]:
    where = tmp_path_factory.mktemp("specs")
    return {(cloud, k8s): _project(cloud, k8s, where) for cloud in CLOUDS for k8s in (False, True)}


def _write(files: dict[str, str], root: Path) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _flink_topics(files: dict[str, str]) -> set[str]:
    return {t for p, text in files.items() if p.startswith("flink/sql/") for t in re.findall(r"'topic' = '([^']+)'",
                                                                                            text)}  # fmt: skip


@pytest.mark.parametrize("kubernetes", [False, True], ids=["terraform", "kubernetes"])
@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_kappa_plan_writes_the_generator_of_its_faker_stream_for_the_topic_its_flink_jobs_read(
    projects: dict[tuple[str, bool], Project], cloud: str, kubernetes: bool
) -> None:
    files, found, topic, host = projects[cloud, kubernetes]
    assert [code for code, _ in found if code not in ("R453",)] == []  # no R456: the stream has a writer
    assert host == (GeneratorHost.KUBERNETES if kubernetes else GeneratorHost.CLOUD)
    config = json.loads(files["pipeline/stream_generator.json"])
    assert config["streams"] == [{"table": TABLE, "topic": topic, "rate": 1.0}]  # rows_per_day 86400: one a second
    assert topic in _flink_topics(files)  # the topic the stream jobs read
    assert config["sign_in"] == (None if kubernetes else cloud)  # Strimzi's mutual TLS, else the cloud's identity
    assert "pipeline/stream_generator.py" in files and "Faker==" in files["requirements-generator.txt"]
    # Kappa alone: no batch layer's stand-ins and no synthesize step; the local stream run reads change events
    assert "pipeline/synthesize.py" not in files and "pipeline.synthesize" not in files["pipeline/run.py"]
    assert ("terraform/modules/platform/generators.tf" in files) is not kubernetes
    assert ("pipeline.stream_generator" in files.get("k8s/base/workloads.yaml", "")) is kubernetes


def _compose_generators(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    services = yaml.safe_load(files["compose.yaml"])["services"]
    return {name: s for name, s in services.items() if "pipeline.stream_generator" in " ".join(s.get("command", []))}


def test_compose_runs_the_generator_on_its_broker_before_the_flink_jobs_are_submitted(
    projects: dict[tuple[str, bool], Project],
) -> None:
    # compose.yaml's local stack, whatever runs the generators once deployed: its broker creates no topic and its
    # Flink jobs read the stream's, so a generator service writes it and flink-sql waits for it to be healthy
    for (cloud, kubernetes), (files, *_) in projects.items():
        generators = _compose_generators(files)
        assert list(generators) == ["clickstream-page-views-generator"], (cloud, kubernetes)
        (service,) = generators.values()
        assert service["command"][-1].endswith(f"python -m pipeline.stream_generator --table {TABLE} --local")
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:29092"
        assert "kafka" in service["depends_on"] and "PIPEGEN_HEARTBEAT" in service["environment"]
        flink_sql = yaml.safe_load(files["compose.yaml"])["services"]["flink-sql"]
        assert "clickstream-page-views-generator" in flink_sql["depends_on"]


def test_the_generator_creates_and_writes_the_topic_the_flink_jobs_read_on_a_local_broker(
    projects: dict[tuple[str, bool], Project], tmp_path: Path, batch_python: Path, kafka_broker: KafkaBroker
) -> None:
    # the AWS root's project (its config signs in to MSK with IAM), run as compose.yaml runs it (`--local`: no
    # sign-in, the topic created where missing) on tansu, where no test created the topic; then once more (the
    # topic exists: kept, the new events after the first ones)
    files, _, topic, _ = projects["aws", False]
    assert json.loads(files["pipeline/stream_generator.json"])["sign_in"] == "aws"
    (service,) = _compose_generators(files).values()
    command = service["command"][-1].split("exec ", 1)[1].split()
    assert command[:3] == ["python", "-m", "pipeline.stream_generator"]
    root = _write(files, tmp_path / "project")
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_broker.bootstrap, "PATH": "/usr/bin:/bin"}
    for start, events in (("2026-05-01T10:00:00", 20), ("2026-05-01T11:00:00", 5)):
        argv = [str(batch_python), *command[1:], "--max-events", str(events), "--no-pace", "--start", start]
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    got = json.loads(subprocess.run([str(batch_python), str(probe), kafka_broker.bootstrap, topic, "read", "25"],
                                    capture_output=True, text=True, timeout=120, check=True).stdout)  # fmt: skip
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    (table,) = spec["sources"][0]["tables"]
    assert len(got) == 25
    for i, message in enumerate(got):
        record = message["value"]
        assert list(record) == [c["name"] for c in table["columns"]]
        assert UUID.match(record["view_id"]) and record["page"]
        hour, second = (10, i + 1) if i < 20 else (11, i - 19)  # 86400 rows a day: one a second
        assert record["viewed_at"] == f"2026-05-01 {hour}:00:{second:02d}"


def _generators_on(cloud: str, docs: dict[str, Any], topic: str) -> None:
    """The cloud's generator runtime in the root's modules/platform/generators.tf: one container per streamed table
    running the generator for it, its identity allowed to write the stream's topic."""
    generators = docs["modules/platform/generators.tf"]
    if cloud == "aws":
        (task,) = _resources(generators, "aws_ecs_task_definition").values()
        (container,) = json.loads(re.sub(r"\$\{([^}]*)\}", r"\1", task["container_definitions"]))
        assert container["command"] == GENERATOR and task["task_role_arn"] == "${aws_iam_role.generator.arn}"
        assert len(_resources(generators, "aws_ecs_service")) == 1
        policy = {k: v for e in generators["data"] for k, v in e.get("aws_iam_policy_document", {}).items()}
        grants = {st["sid"]: st for st in policy["generator"]["statement"]}
        assert {r.rsplit("/", 1)[1] for r in grants["KafkaWriteTopics"]["resources"]} == {topic}
    elif cloud == "gcp":
        pool = _resources(generators, "google_cloud_run_v2_worker_pool")["generators"]
        assert [c["command"] for c in pool["template"][0]["containers"]] == [GENERATOR]
        assert pool["template"][0]["service_account"] == "${google_service_account.generator.email}"
    else:
        (group,) = _resources(generators, "azurerm_container_group").values()
        assert [c["commands"] for c in group["container"]] == [GENERATOR]
        senders = _resources(generators, "azurerm_role_assignment")["generator"]
        assert senders["role_definition_name"] == "Azure Event Hubs Data Sender"
        assert senders["for_each"] == f'${{toset(["{topic}"])}}'


def test_each_clouds_terraform_root_runs_the_generator_and_passes_the_schemas_checkov_fmt_and_console(
    projects: dict[tuple[str, bool], Project], hcl_python: Path, checkov_python: Path, tmp_path: Path
) -> None:
    roots = {cloud: write_terraform(projects[cloud, False].files, tmp_path / cloud / "out") for cloud in CLOUDS}
    everything = parse_dir(hcl_python, *roots.values())
    problems, checked = schema_problems({p: d for p, d in everything.items() if p.endswith(".tf")}, schemas())
    assert problems == [] and checked > 30
    for cloud, root in roots.items():
        docs = {p.split(f"/{cloud}/out/terraform/", 1)[1]: d for p, d in everything.items() if str(root) in p}
        _generators_on(cloud, docs, projects[cloud, False].topic)
        for env in ("dev", "staging", "prod"):
            assert docs[f"envs/{env}/terraform.tfvars"]["generator_image"] == f"clicks-live-generator:{env}"
    report = run_checkov(checkov_python, tmp_path, tmp_path / "home")  # one process for the three roots
    assert [f"{f['check_id']} {f['file_abs_path']}" for f in report["results"]["failed_checks"]] == []
    passed = {Path(f["file_abs_path"]).name for f in report["results"]["passed_checks"]}
    assert "generators.tf" in passed
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("no terraform binary on PATH: `terraform fmt` and `terraform console` not run")
    for cloud, root in roots.items():
        done = fmt_check(terraform, root)
        assert done.returncode == 0, done.stdout + done.stderr
        for env in sorted((root / "envs").iterdir()):
            ran = console(terraform, tmp_path / "console" / cloud / env.name, (env / "variables.tf").read_text(),
                          (env / "terraform.tfvars").read_text(), "var.generator_image")  # fmt: skip
            assert ran.returncode == 0 and "Error" not in ran.stderr, f"{cloud}/{env.name}:\n{ran.stderr[-2000:]}"
            assert ran.stdout.strip() == f'"clicks-live-generator:{env.name}"'


def test_under_kubernetes_each_cloud_runs_the_generator_as_a_deployment_that_writes_only_its_topic(
    projects: dict[tuple[str, bool], Project], k8s_python: Path, checkov_python: Path, tmp_path: Path
) -> None:
    binary = kubectl()
    if binary is None:
        pytest.fail(MISSING)
    built: dict[str, list[dict[str, Any]]] = {}
    skipped: set[str] = set()
    for cloud in CLOUDS:
        files, _, topic, _ = projects[cloud, True]
        root = _write(files, tmp_path / cloud)
        skipped |= set(k8s_skips(root))
        for overlay in sorted((root / "k8s" / "overlays").iterdir()):
            objs = built[f"{cloud}-{overlay.name}"] = build(binary, overlay)
            (generator,) = [o for o in objs if o["kind"] == "Deployment"
                            and o["spec"]["template"]["spec"]["containers"][0].get("args") == GENERATOR]  # fmt: skip
            assert hardening_problems(generator) == [] and generator["spec"]["replicas"] == 1
            (main,) = generator["spec"]["template"]["spec"]["containers"]
            assert main["image"] == f"clicks-live-generator:{overlay.name}"
            users = {o["metadata"]["name"]: o for o in objs if o["kind"] == "KafkaUser"}
            (user,) = [u for name, u in users.items() if name.endswith("-generator")]
            acls = {(a["resource"]["type"], a["resource"].get("name", ""), op)
                    for a in user["spec"]["authorization"]["acls"] for op in a["operations"]}  # fmt: skip
            assert acls == {("topic", topic, "Write"), ("topic", topic, "Describe"), ("cluster", "", "IdempotentWrite")}
    everything = [(name, o) for name, objs in built.items() for o in objs]
    assert len(built) == 9
    assert failures([(n, o) for n, o in everything if is_core(o)], k8s_python, tmp_path / "home") == {}
    if (folder := shared_crds_dir()) is not None:
        assert CrdCatalog.load(folder).validate_all([o for _, o in everything if not is_core(o)]) == []
    (tmp_path / "built").mkdir()
    for name, objs in built.items():
        (tmp_path / "built" / f"{name}.yaml").write_text(yaml.safe_dump_all(objs, sort_keys=False), encoding="utf-8")
    report = k8s_checkov(checkov_python, tmp_path / "built", sorted(skipped), tmp_path / "home")
    assert [f"{f['check_id']} {f['resource']}" for f in report["results"]["failed_checks"]] == []
