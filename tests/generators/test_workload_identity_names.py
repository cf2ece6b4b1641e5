"""Workload identity without the tools (tests/judges/test_workload_identity.py builds the overlays and parses
the HCL): which pod gets an identity, on which clouds, and that both families take its names from
common/workload_identity.py and the naming layer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipegen.pipeline import prepare, render_tree

SPEC = """version: 1
pipeline: {name: shop}
latency: 1h
orchestrator: ORCH
cloud: CLOUD
sources:
  - {name: db, type: postgres, tables: [{name: orders, primary_key: id, columns: [{name: id, type: bigint}]}]}
targets:
  - {name: wh, type: duckdb}
deploy:
  kubernetes: {enabled: K8S}
  terraform: {enabled: TF}
"""


def render(tmp_path: Path, cloud: str, orch: str = "airflow", k8s: bool = True, tf: bool = True) -> dict[str, str]:
    text = SPEC.replace("ORCH", orch).replace("CLOUD", cloud).replace("K8S", str(k8s).lower())
    (tmp_path / "pipegen.yaml").write_text(text.replace("TF", str(tf).lower()))
    ready = prepare(tmp_path / "pipegen.yaml")
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


@pytest.mark.parametrize(("cloud", "orch", "account"), [("aws", "airflow", "shop-batch"),
                                                          ("gcp", "prefect", "shop-prefect-worker"),
                                                          ("azure", "airflow", "shop-batch")])  # fmt: skip
def test_the_batch_pods_service_account_is_the_one_terraform_federates(
    tmp_path: Path, cloud: str, orch: str, account: str
) -> None:
    files = render(tmp_path, cloud, orch)
    accounts = [sa["metadata"]["name"] for sa in yaml.safe_load_all(files["k8s/base/serviceaccounts.yaml"])]
    # Airflow's components that run no task have a ServiceAccount of their own, without an identity
    assert accounts == ([account] if orch == "prefect" else ["shop-airflow", account])
    for env in ("dev", "staging", "prod"):
        tfvars = files[f"terraform/envs/{env}/terraform.tfvars"]
        assert f'batch = "{account}"' in tfvars and 'k8s_namespace = "shop"' in tfvars
        assert f'"shop-{env}-batch"' in tfvars  # the identity's name: plan/cloudnames.py, <prefix>-batch
        identity_env = files.get(f"k8s/overlays/{env}/identity.env")
        if cloud == "aws":  # EKS Pod Identity: nothing in the manifests
            assert identity_env is None
            assert "replacements" not in yaml.safe_load(files[f"k8s/overlays/{env}/kustomization.yaml"])
        else:
            assert f"shop-{env}-batch" in str(identity_env)
            assert f"output -raw k8s_identity_env > k8s/overlays/{env}/identity.env" in str(identity_env)
    for workload in yaml.safe_load_all(files["k8s/base/workloads.yaml"]):
        if workload["kind"] != "Deployment":
            continue
        template = workload["spec"]["template"]
        linked = template["spec"]["serviceAccountName"] == account  # the batch pod's label only
        assert (template["metadata"]["labels"].get("azure.workload.identity/use") == "true") == (
            cloud == "azure" and linked)  # fmt: skip


def test_no_identity_without_both_families(tmp_path: Path) -> None:
    without_tf = render(tmp_path, "gcp", tf=False)
    assert not any(p.endswith("identity.env") for p in without_tf)
    assert "iam.gke.io" not in "".join(v for p, v in without_tf.items() if p.startswith("k8s/"))
    without_k8s = render(tmp_path, "gcp", k8s=False)
    tfvars = without_k8s["terraform/envs/dev/terraform.tfvars"]
    assert "batch" not in tfvars and "k8s_namespace" not in tfvars
    assert "workloadIdentityUser" not in "".join(v for p, v in without_k8s.items() if p.startswith("terraform/"))
