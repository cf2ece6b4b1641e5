"""The kubernetes family without the tools (tests/judges/test_kubernetes_family.py runs kubectl,
kubernetes-validate and checkov): what runs per orchestrator, the kustomization in every folder of
another family's resources lists exactly that folder's resource files, sizes and ports from their
documented rules, and the image settings' validate errors and warning."""

from __future__ import annotations

import posixpath
from functools import cache
from pathlib import Path

import yaml

from pipegen.generators.kubernetes.workloads import Size, env_replicas, env_size, ports_of, runs_per_day
from pipegen.generators.registry import PLANNED, REGISTRY
from pipegen.pipeline import families_for, prepare, render_tree
from pipegen.spec.model import Connection, Resources
from pipegen.spec.validate import check_bytes
from tests.conftest import REPO


@cache
def rendered(name: str) -> dict[str, str]:
    ready = prepare(REPO / "specs" / f"{name}.yaml")
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def test_kubernetes_is_generated_not_planned() -> None:
    assert "kubernetes" not in PLANNED and REGISTRY.by_tag["kubernetes"].generator is not None
    assert "kubernetes" in families_for(prepare(REPO / "specs" / "ecommerce_realtime.yaml").plan)
    assert "kubernetes" not in families_for(prepare(REPO / "specs" / "hello.yaml").plan)


def test_airflow_is_deployed_with_its_scheduler_as_the_batch_pod_and_prefect_runs_workers() -> None:
    airflow = list(yaml.safe_load_all(rendered("ecommerce_realtime")["k8s/base/workloads.yaml"]))
    commands = {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["args"][:2]
                for d in airflow if d["kind"] == "Deployment"}  # fmt: skip
    assert commands == {
        "ecommerce-realtime-airflow-api-server": ["airflow", "api-server"],
        "ecommerce-realtime-batch": ["airflow", "scheduler"],  # LocalExecutor: the tasks run in the batch pod
        "ecommerce-realtime-airflow-dag-processor": ["airflow", "dag-processor"],
        "ecommerce-realtime-airflow-triggerer": ["airflow", "triggerer"],  # the DAG's DeadlineAlert calls back there
    }
    assert [d["metadata"]["name"] for d in airflow if d["kind"] == "Service"] == [
        "ecommerce-realtime-airflow-api-server"
    ]
    assert "CronJob" not in {d["kind"] for d in airflow}
    prefect = yaml.safe_load(rendered("iot_lambda")["k8s/base/workloads.yaml"])
    args = prefect["spec"]["template"]["spec"]["containers"][0]["args"]
    assert prefect["kind"] == "Deployment" and args[:5] == ["prefect", "worker", "start", "--pool", "iot_lambda-pool"]
    assert "iot_lambda-pool" in rendered("iot_lambda")["prefect.yaml"]  # the pool the deployment names


def test_each_folder_kustomization_lists_exactly_its_resource_files() -> None:
    for name in ("ecommerce_realtime", "iot_lambda"):
        files = rendered(name)
        base = yaml.safe_load(files["k8s/base/kustomization.yaml"])
        folders = [posixpath.normpath(posixpath.join("k8s/base", r)) for r in base["resources"] if "/" in r]
        assert {"k8s/kafka", "flink/deploy"} <= set(folders), folders
        for folder in folders:
            listed = yaml.safe_load(files[f"{folder}/Kustomization"])["resources"]
            present = sorted(posixpath.basename(p) for p in files
                             if posixpath.dirname(p) == folder and p.endswith(".yaml"))  # fmt: skip
            assert listed == present, (name, folder)


def test_an_overlay_per_environment_of_the_spec() -> None:
    overlays = {p.split("/")[2] for p in rendered("ecommerce_realtime") if p.startswith("k8s/overlays/")}
    assert overlays == {"prod"}  # the spec's deploy.environments
    overlays = {p.split("/")[2] for p in rendered("iot_lambda") if p.startswith("k8s/overlays/")}
    assert overlays == {"dev", "staging", "prod"}  # none in the spec: the defaults


def test_sizes_and_replicas_follow_their_rules() -> None:
    assert runs_per_day("*/5 * * * *") == 288 and runs_per_day("0 * * * *") == 24 and runs_per_day("7 3 * * 2") == 1
    planned = Size("1000m", "2000m", "4096Mi")
    assert env_size(planned, "prod", None) == planned
    assert env_size(planned, "dev", None) == Size("250m", "500m", "512Mi")
    assert env_size(planned, "dev", Resources(cpu="2", memory="3Gi")) == Size("2", "2", "3Gi")
    assert (env_replicas("prod", None), env_replicas("staging", None), env_replicas("prod", 0)) == (2, 1, 0)


def test_egress_ports_come_from_the_connection_else_the_systems_default() -> None:
    assert ports_of("postgres", None) == (5432,)
    assert ports_of("postgres", Connection(port=6543)) == (6543,)
    assert ports_of("mongodb", None) == (27017,)
    assert ports_of("api", None) == (443,) and ports_of("snowflake", None) == (443,)


BASE = """version: 1
pipeline: {name: shop}
latency: 1h
cloud: aws
sources:
  - {name: db, type: postgres, tables: [{name: orders, primary_key: id, columns: [{name: id, type: bigint}]}]}
targets:
  - {name: wh, type: duckdb}
"""


def codes(deploy: str) -> list[tuple[str, str]]:
    checked = check_bytes((BASE + deploy).encode(), "pipegen.yaml")
    return [(d.code, d.severity) for d in checked.diagnostics]


def test_image_settings_are_checked_against_the_environments_and_the_cloud() -> None:
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/a"
    ok = f"deploy:\n  kubernetes: {{enabled: true, image: {ecr}, image_tags: {{prod: v1}}}}\n"
    assert codes(ok) == []
    assert codes(ok.replace("{prod: v1}", "{qa: v1}")) == [("R421", "error")]
    assert codes(ok.replace("123456789012.dkr.ecr.us-east-1.amazonaws.com", "acme.azurecr.io")) == [("R422", "error")]
    assert codes(ok.replace("enabled: true", "enabled: false")) == [("R423", "warning"), ("R423", "warning")]
    assert ("R422", "error") not in codes(ok.replace("123456789012.dkr.ecr.us-east-1.amazonaws.com", "ghcr.io/x"))


def test_no_file_of_the_family_holds_a_secret_value(tmp_path: Path) -> None:
    files = rendered("ecommerce_realtime")
    ours = {p: t for p, t in files.items() if p.startswith(("k8s/base/", "k8s/overlays/"))}
    assert ours and not any('kind: "Secret"' in t or "stringData" in t for t in ours.values())
    assert "secretRef" in ours["k8s/base/workloads.yaml"]
