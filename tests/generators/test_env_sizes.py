"""Node counts per environment (plan/envsizes.py) where they land: the kustomize overlays' patches of the
Strimzi broker pool and the FlinkDeployments, and the Terraform roots' tfvars (MSK brokers, Managed
Kafka vCPUs). The expected numbers are worked out by hand below from the spec's literal `sizing:` and
`deploy.environments` (docs/families.md's rules), never read from the code under test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO

SIZED = """
sizing:
  kafka: {brokers: 5, replication_factor: 3, partitions: 12}
  flink: {parallelism: 10, checkpoint_interval: 1m}

deploy:
  kubernetes: {enabled: true, namespace: shop-realtime}
  terraform: {enabled: true}
  environments:
    dev: {}
    staging: {kafka_brokers: 4, flink_task_managers: 2}
    prod: {}
"""
# slots per task manager: min(parallelism 10, 4) = 4
# dev:     brokers = replication factor 3; Flink parallelism 1 on 1 task manager; MSK 2 (dev's fewest);
#          Managed Kafka 3 vCPUs
# staging: brokers 4 (its own); 2 task managers x 4 slots = parallelism 8; MSK 4 -> 6 (3 zones); 6 vCPUs
# prod:    brokers 5 (sizing); parallelism 10 on ceil(10 / 4) = 3 task managers; MSK 5 -> 6; 3 x ceil(5/3) = 6 vCPUs
EXPECTED = {"dev": (3, 1, 1, 2, 3), "staging": (4, 8, 2, 6, 6), "prod": (5, 10, 3, 6, 6)}


def _render(tmp_path: Path, cloud: str) -> dict[str, str]:
    text = (REPO / "specs/ecommerce_realtime.yaml").read_text()
    head = text[: text.index("\nsizing:\n")]
    assert "\ncloud: aws\n" in head
    (tmp_path / f"sized_{cloud}.yaml").write_text(head.replace("\ncloud: aws\n", f"\ncloud: {cloud}\n") + SIZED)
    ready = prepare(tmp_path / f"sized_{cloud}.yaml")
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def _tfvar(files: dict[str, str], env: str, name: str) -> int:
    found = re.search(rf"^{name}\s*=\s*(\d+)$", files[f"terraform/envs/{env}/terraform.tfvars"], re.M)
    assert found, (env, name)
    return int(found.group(1))


@pytest.fixture(scope="module")
def aws_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _render(tmp_path_factory.mktemp("sized"), "aws")


@pytest.mark.parametrize("env", sorted(EXPECTED))
def test_overlays_and_tfvars_size_kafka_and_flink_per_environment(env: str, aws_files: dict[str, str]) -> None:
    brokers, parallelism, managers, msk, _vcpus = EXPECTED[env]
    files = aws_files
    kustomization = yaml.safe_load(files[f"k8s/overlays/{env}/kustomization.yaml"])
    targets = {p["path"]: p.get("target") for p in kustomization["patches"]}
    assert targets["kafka-brokers.yaml"] == {"group": "kafka.strimzi.io", "kind": "KafkaNodePool",
                                             "name": "ecommerce-realtime-brokers"}  # fmt: skip
    assert targets["flink-size.yaml"] == {"group": "flink.apache.org", "kind": "FlinkDeployment"}
    kafka = yaml.safe_load(files[f"k8s/overlays/{env}/kafka-brokers.yaml"])
    assert kafka == [{"op": "replace", "path": "/spec/replicas", "value": brokers}]
    flink = {op["path"]: op["value"] for op in yaml.safe_load(files[f"k8s/overlays/{env}/flink-size.yaml"])}
    assert flink == {"/spec/job/parallelism": parallelism, "/spec/taskManager/replicas": managers}
    # the base's slots per task manager carry the parallelism the overlay asks
    deployment = yaml.safe_load(
        next(v for k, v in files.items() if k.startswith("flink/deploy/") and k.endswith(".yaml"))
    )
    assert deployment["spec"]["flinkConfiguration"]["taskmanager.numberOfTaskSlots"] == "4"
    assert managers * 4 >= parallelism
    assert _tfvar(files, env, "kafka_brokers") == msk


def test_gcp_managed_kafka_vcpus_follow_each_environments_brokers(tmp_path: Path) -> None:
    files = _render(tmp_path, "gcp")
    assert {env: _tfvar(files, env, "kafka_vcpus") for env in EXPECTED} == {e: v[4] for e, v in EXPECTED.items()}
