"""The Delta loaders' cloud identity (issues 20, 21): every loader Deployment (pipeline/delta_relay.py) runs as one
ServiceAccount, `<app>-delta-loader`, which Terraform federates with the `loader` identity and grants exactly what
the Flink jobs' `stream` identity holds (the loaders write what the jobs' Delta sinks would have written), on AWS
(EKS Pod Identity: the stream policy attached to the loader's role), GCP and Azure (a copy of each stream grant, and
the overlays' identity.env line the ServiceAccount's annotation reads). Judged per cloud: every block against its
provider's schema and every reference across blocks, `terraform fmt`, Terraform's own check of each environment's
tfvars, and the built overlays (kubectl kustomize): the annotation reaches the loaders' ServiceAccount."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.families.test_delta_relay import SPEC
from tests.judges.kustomize import MISSING, build, kubectl
from tests.judges.terraform import (
    fmt_check,
    parse_dir,
    schema_problems,
    schemas,
    terraform_binary,
    tfvars_problems,
    write_terraform,
)
from tests.judges.tfschema import reference_problems

CLOUDS = ("aws", "gcp", "azure")
ACCOUNT = "relay-judge-delta-loader"
LOADERS = {"relay-judge-delta-appended", "relay-judge-delta-upserted", "relay-judge-delta-shop-orders-bronze"}


def spec_text(cloud: str) -> str:
    text = SPEC.replace("cloud: aws", f"cloud: {cloud}").replace("deploy:\n", "deploy:\n  terraform: {enabled: true}\n")
    if cloud == "azure":  # the lake container's storage account
        text = text.replace("connection: {bucket: lake}", "connection: {bucket: lake, account: relayjudge}")
    return text


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, str], Path]]:
    """Per cloud: the rendered files and the project written out."""
    root = tmp_path_factory.mktemp("loader_identity")
    out = {}
    for cloud in CLOUDS:
        (root / f"{cloud}.yaml").write_text(spec_text(cloud))
        ready = prepare(root / f"{cloud}.yaml")
        files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
        project = root / cloud
        for path, text in files.items():
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(text)
        out[cloud] = (files, project)
    return out


@pytest.fixture(scope="module")
def parsed(hcl_python: Path, projects: dict[str, tuple[dict[str, str], Path]], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, dict[str, Any]]:  # fmt: skip
    root = tmp_path_factory.mktemp("loader_terraform")
    dirs = {cloud: write_terraform(files, root / cloud) for cloud, (files, _) in projects.items()}
    everything = parse_dir(hcl_python, *dirs.values())
    return {cloud: {k.split("/terraform/", 1)[1]: v for k, v in everything.items() if k.startswith(str(d))}
            for cloud, d in dirs.items()}  # fmt: skip


def _tfvars_accounts(docs: dict[str, Any]) -> dict[str, str]:
    (found,) = {repr(d["k8s_service_accounts"]): d["k8s_service_accounts"] for p, d in docs.items()
                if p.endswith("terraform.tfvars") and "k8s_service_accounts" in d}.values()  # fmt: skip
    return dict(found)


def _grants(docs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """GCP and Azure: every grant of the module's locals (`bucket_grants`, `secret_grants`, ...: key -> {workload,
    what it grants}), keyed `<local>/<key>`."""
    out: dict[str, dict[str, Any]] = {}
    for path, doc in docs.items():
        for block in doc.get("locals", []) if path.startswith("modules/") else []:
            for local, value in block.items():
                if isinstance(value, dict) and all(isinstance(g, dict) and "workload" in g for g in value.values()):
                    out.update({f"{local}/{k}": g for k, g in value.items()})
    assert out, "no grants in the module's locals"
    return out


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_loaders_share_one_service_account_that_terraform_federates_as_loader(
    cloud: str, projects: dict[str, tuple[dict[str, str], Path]], parsed: dict[str, dict[str, Any]]
) -> None:
    files, _ = projects[cloud]
    workloads = files["k8s/base/workloads.yaml"]
    assert workloads.count(f'serviceAccountName: "{ACCOUNT}"') == len(LOADERS), workloads
    assert all(f'name: "{n}"' in workloads for n in LOADERS)
    docs = parsed[cloud]
    assert _tfvars_accounts(docs)["loader"] == ACCOUNT
    if cloud == "aws":  # the loader's role holds the stream's policy, nothing else
        attached = {k: v for d in docs.values() for e in d.get("resource", [])
                    for k, v in e.get("aws_iam_role_policy_attachment", {}).items()}  # fmt: skip
        loader = {k: v for k, v in attached.items() if k.startswith("loader_")}
        assert list(loader) == ["loader_stream"], sorted(attached)
        assert 'workload["loader"]' in loader["loader_stream"]["role"]
        assert "aws_iam_policy.stream.arn" in loader["loader_stream"]["policy_arn"]
        return
    grants = _grants(docs)

    def held(workload: str) -> set[str]:
        return {f"{key.split('/', 1)[0]}:" + repr(sorted((k, str(v)) for k, v in g.items() if k != "workload"))
                for key, g in grants.items() if g["workload"] == workload}  # fmt: skip

    assert held("stream") and held("loader") == held("stream"), (held("stream"), held("loader"))
    identity_env = files["k8s/overlays/dev/identity.env"]
    assert any(line.startswith("loader=") for line in identity_env.splitlines()), identity_env


@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_and_its_provider_schemas_accept_the_loader_identity(
    cloud: str, parsed: dict[str, dict[str, Any]], projects: dict[str, tuple[dict[str, str], Path]], tmp_path: Path
) -> None:
    tf = {p: d for p, d in parsed[cloud].items() if p.endswith(".tf")}
    provider_schemas = schemas()
    problems, checked = schema_problems(tf, provider_schemas)
    assert problems == [] and checked >= 10
    assert reference_problems(tf, provider_schemas)[0] == []
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("no terraform binary on PATH: fmt and the tfvars console not run")
    root = projects[cloud][1] / "terraform"
    done = fmt_check(terraform, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tfvars_problems(terraform, root, tmp_path) == []


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_the_built_overlays_annotate_the_loaders_service_account(
    cloud: str, projects: dict[str, tuple[dict[str, str], Path]]
) -> None:
    binary = kubectl()
    if binary is None:
        pytest.fail(MISSING)
    key = {"gcp": "iam.gke.io/gcp-service-account", "azure": "azure.workload.identity/client-id"}[cloud]
    project = projects[cloud][1]
    for overlay in sorted((project / "k8s" / "overlays").iterdir()):
        objs = build(binary, overlay)
        (account,) = [o for o in objs if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == ACCOUNT]
        want = next(line.split("=", 1)[1] for line in (overlay / "identity.env").read_text().splitlines()
                    if line.startswith("loader="))  # fmt: skip
        assert account["metadata"]["annotations"][key] == want, overlay.name
        if cloud == "azure":  # Entra's webhook selects the pods by their label
            pods = [o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] in LOADERS]
            assert len(pods) == len(LOADERS)
            assert all(p["spec"]["template"]["metadata"]["labels"].get("azure.workload.identity/use") == "true"
                       for p in pods)  # fmt: skip
