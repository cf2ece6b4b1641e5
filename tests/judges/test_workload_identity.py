"""Workload identity across the kubernetes and terraform families (issue 21, ident22): for every environment,
every ServiceAccount a built overlay holds whose pods run the batch run (found from the built Deployment that
runs the tasks, Airflow's scheduler or Prefect's worker, by its command and `serviceAccountName`, not from
pipegen's names) is linked to an identity the same environment's
Terraform root creates, and the federation names exactly that namespace and ServiceAccount:

- AWS (EKS Pod Identity): the association's namespace and ServiceAccount, evaluated from the root's tfvars, are
  the built ServiceAccount's, its role one of the root's `workload_roles`; the ServiceAccount carries nothing;
- GCP: the built annotation's service account id is the root's `workload_accounts` entry; its
  `roles/iam.workloadIdentityUser` member, evaluated, is `serviceAccount:<project>.svc.id.goog[<ns>/<sa>]`;
- Azure: the federated credential's subject, evaluated, is `system:serviceaccount:<ns>:<sa>` and its parent the
  identity of the annotation's key; a client id written into identity.env (as the root's output prints it)
  reaches the built annotation, and the pods carry `azure.workload.identity/use`.

And the batch identity holds exactly what the ingest and transform identities hold (the steps its pod runs).
HCL parsed with python-hcl2 (the `hcl` judge env), overlays built by `kubectl kustomize`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.judges.kustomize import MISSING, build, kubectl, runs_batch
from tests.judges.terraform import parse_dir, write_terraform

# (spec, cloud): an example per cloud whose batch run runs on Kubernetes (Airflow's scheduler, Prefect's workers)
CASES = {"aws": ("ecommerce_realtime", "aws"), "gcp": ("iot_lambda", "gcp"), "azure": ("ecommerce_realtime", "azure")}
ANNOTATIONS = {"gcp": "iam.gke.io/gcp-service-account", "azure": "azure.workload.identity/client-id"}
IDENTITY_VARS = {"aws": "workload_roles", "gcp": "workload_accounts", "azure": "workload_identities"}
CLIENT_ID = "3f1c2a9e-0b7d-4c55-9a1e-7f0d2b6c8e41"


def _render(cloud: str, where: Path) -> dict[str, str]:
    spec, target = CASES[cloud]
    text = (REPO / "specs" / f"{spec}.yaml").read_text()
    text = re.sub(r"\ncloud: [a-z]+\n", f"\ncloud: {target}\n", text, count=1)
    (where / f"{spec}_{cloud}.yaml").write_text(text)
    ready = prepare(where / f"{spec}_{cloud}.yaml")
    assert not [d for d in ready.diagnostics if d.severity == "error"]
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}


def _write(files: dict[str, str], root: Path) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _blocks(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in doc.get(kind, []):
        out.update(entry)
    return out


def _resources(docs: dict[str, Any], kind: str) -> dict[str, Any]:
    """name -> body of every `resource "<kind>"` of the module."""
    out: dict[str, Any] = {}
    for path, doc in docs.items():
        if path.startswith("modules/"):
            for entry in doc.get("resource", []):
                out.update(entry.get(kind, {}))
    return out


def _eval(expr: str, tfvars: dict[str, Any], key: str, value: str) -> str:
    """A string template over `var.*`, `each.key` and `each.value`, evaluated (what Terraform would make)."""

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref == "each.key":
            return key
        if ref == "each.value":
            return value
        assert ref.startswith("var."), ref
        return str(tfvars[ref.removeprefix("var.")])

    return re.sub(r"\$\{([a-z0-9_.]+)\}", one, expr)


def _pods(objects: list[dict[str, Any]], batch: bool = True) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """(namespace, pod spec, pod labels) of every Deployment built that runs the batch run's tasks (`batch`),
    else of every other Deployment (the self-hosted Airflow's API server, DAG processor, triggerer)."""
    out = []
    for o in objects:
        if o["kind"] == "Deployment" and runs_batch(o) == batch:
            template = o["spec"]["template"]
            out.append((o["metadata"]["namespace"], template["spec"], template["metadata"].get("labels", {})))
    return out


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory, hcl_python: Path) -> dict[str, Any]:
    out = {}
    for cloud in CASES:
        root = tmp_path_factory.mktemp(cloud)
        files = _render(cloud, root)
        project = _write(files, root / "project")
        docs = {p.split("/terraform/", 1)[1]: d for p, d in parse_dir(hcl_python, write_terraform(files, root)).items()}
        out[cloud] = (files, project, docs)
    return out


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_every_batch_service_account_is_linked_to_its_environments_identity(
    cloud: str, projects: dict[str, Any]
) -> None:
    binary = kubectl()
    if binary is None:
        pytest.fail(MISSING)
    files, project, docs = projects[cloud]
    envs = sorted(p.split("/")[2] for p in files if p.startswith("k8s/overlays/") and p.endswith("/kustomization.yaml"))
    assert envs
    for env in envs:
        tfvars = docs[f"envs/{env}/terraform.tfvars"]
        if cloud == "azure":  # the output's line, as `terraform output -raw k8s_identity_env` writes it
            (project / f"k8s/overlays/{env}/identity.env").write_text(f"batch={CLIENT_ID}\n")
        objects = build(binary, project / f"k8s/overlays/{env}")
        accounts = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objects
                    if o["kind"] == "ServiceAccount"}  # fmt: skip
        pods = _pods(objects)
        assert len(pods) == 1, f"{env}: not one batch workload built"
        for ns, pod, labels in _pods(objects, batch=False):  # no cloud identity where no task runs
            sa = accounts[(ns, pod["serviceAccountName"])]
            assert (
                not sa["metadata"].get("annotations")
                and pod["serviceAccountName"] not in (tfvars["k8s_service_accounts"].values())
                and "azure.workload.identity/use" not in labels
            ), env
        for ns, pod, labels in pods:
            sa = accounts[(ns, pod["serviceAccountName"])]
            annotations = sa["metadata"].get("annotations", {})
            # the Terraform side: exactly this namespace and ServiceAccount, as the root's tfvars value them
            assert tfvars["k8s_namespace"] == ns, env
            linked = [k for k, v in tfvars["k8s_service_accounts"].items() if v == pod["serviceAccountName"]]
            assert len(linked) == 1, f"{env}: {pod['serviceAccountName']} is no identity's ServiceAccount"
            key = linked[0]
            identity = tfvars[IDENTITY_VARS[cloud]][key]  # a name the root creates (for_each over the map)
            if cloud == "aws":
                assert not annotations, "EKS Pod Identity: nothing in the manifests"
                (assoc,) = _resources(docs, "aws_eks_pod_identity_association").values()
                assert assoc["for_each"] == "${var.k8s_service_accounts}"
                assert _eval(assoc["namespace"], tfvars, key, tfvars["k8s_service_accounts"][key]) == ns
                assert _eval(assoc["service_account"], tfvars, key, tfvars["k8s_service_accounts"][key]) == sa[
                    "metadata"]["name"]  # fmt: skip
                assert assoc["role_arn"] == "${aws_iam_role.workload[each.key].arn}"
                role = _resources(docs, "aws_iam_role")["workload"]
                assert role["for_each"] == "${var.workload_roles}" and identity
            elif cloud == "gcp":
                email = annotations[ANNOTATIONS[cloud]]
                assert email.split("@")[0] == identity, f"{env}: the annotation names another service account"
                (member,) = _resources(docs, "google_service_account_iam_member").values()
                assert member["role"] == "roles/iam.workloadIdentityUser"
                assert member["service_account_id"] == "${google_service_account.workload[each.key].name}"
                tfvars_project = {**tfvars, "project": "acme-proj"}
                assert _eval(member["member"], tfvars_project, key, tfvars["k8s_service_accounts"][key]) == (
                    f"serviceAccount:acme-proj.svc.id.goog[{ns}/{sa['metadata']['name']}]")  # fmt: skip
            else:
                assert annotations[ANNOTATIONS[cloud]] == CLIENT_ID, (
                    f"{env}: identity.env does not reach the annotation"
                )
                assert labels.get("azure.workload.identity/use") == "true"
                (cred,) = _resources(docs, "azurerm_federated_identity_credential").values()
                assert cred["parent_id"] == "${azurerm_user_assigned_identity.workload[each.key].id}"
                assert cred["issuer"] == "${var.aks_oidc_issuer_url}"
                assert _eval(cred["subject"], tfvars, key, tfvars["k8s_service_accounts"][key]) == (
                    f"system:serviceaccount:{ns}:{sa['metadata']['name']}")  # fmt: skip
                assert identity in files[f"k8s/overlays/{env}/identity.env"], "the placeholder names the identity"
            # the output printing identity.env lists exactly the linked keys, each its identity's value
            if cloud != "aws":
                outputs = _blocks(docs["modules/platform/outputs.tf"], "output")
                assert "keys(var.k8s_service_accounts)" in outputs["k8s_identity_env"]["value"]


def _grant_sets(docs: dict[str, Any], cloud: str) -> dict[str, set[str]]:
    """Identity -> what it is granted (a comparable string per grant)."""
    out: dict[str, set[str]] = {}
    if cloud == "aws":
        for name, a in _resources(docs, "aws_iam_role_policy_attachment").items():
            role = re.search(r'workload\["([a-z]+)"\]', a["role"])
            assert role is not None, name
            out.setdefault(role.group(1), set()).add(a["policy_arn"])
        return out
    module = docs["modules/platform/identities.tf"]
    locals_ = _blocks(module, "locals")
    for name in ("bucket_grants", "secret_grants", "grants"):
        for g in locals_.get(name, {}).values():
            out.setdefault(g["workload"], set()).add(repr(sorted((k, v) for k, v in g.items() if k != "workload")))
    return out


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_the_flink_jobs_service_account_is_federated_with_the_stream_identity(
    cloud: str, projects: dict[str, Any]
) -> None:
    # the FlinkDeployments' `serviceAccount` (the flink family's, the operator's ServiceAccount) against the tfvars
    files, _, docs = projects[cloud]
    deployments = [yaml.safe_load(t) for p, t in files.items() if p.startswith("flink/deploy/") and p.endswith(".yaml")]
    assert deployments, "the example runs Flink jobs"
    for env in sorted(p.split("/")[2] for p in files if p.startswith("terraform/envs/") and p.endswith(".tfvars")):
        tfvars = docs[f"envs/{env}/terraform.tfvars"]
        for d in deployments:
            assert d["metadata"]["namespace"] == tfvars["k8s_namespace"]
            assert tfvars["k8s_service_accounts"]["stream"] == d["spec"]["serviceAccount"], env
            assert tfvars[IDENTITY_VARS[cloud]]["stream"], "the stream identity the federation names"


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_the_batch_identity_holds_exactly_what_its_steps_hold(cloud: str, projects: dict[str, Any]) -> None:
    _, _, docs = projects[cloud]
    grants = _grant_sets(docs, cloud)
    assert grants["batch"] == grants["ingest"] | grants["transform"]
    assert grants["ingest"] and grants["transform"]
    if cloud == "gcp":  # and wherever ingest or transform is a BigQuery writer or a Kafka client, batch is too
        for env in sorted(p.split("/")[1] for p in docs if p.startswith("envs/") and p.endswith(".tfvars")):
            datasets = docs[f"envs/{env}/terraform.tfvars"]["bigquery_datasets"]
            assert datasets
            for d in datasets.values():
                assert ("batch" in d["writers"]) == bool({"ingest", "transform"} & set(d["writers"])), env
        clients = _resources(docs, "google_project_iam_member")["kafka_client"]["for_each"]
        assert ("batch" in clients) == ('"ingest"' in clients or '"transform"' in clients)


# The Pub/Sub bridge's Kafka Connect pods (issue 21, gcp47): a bridged source without `private_key` signs in with
# Application Default Credentials, so the pods Strimzi runs for the KafkaConnect (its ServiceAccount
# `<KafkaConnect name>-connect`, Strimzi's naming rule, derived here from the built KafkaConnect) are federated with
# the `bridge` identity, which holds exactly the subscriptions the connectors consume. `views` names no project (the
# bridge Secret's GCP_PROJECT: R529, no grant); `orders` signs in with its own key (no grant needed).
BRIDGE_SPEC = """\
version: 1
pipeline: {name: shop}
latency: 1m
cloud: gcp
sources:
  - name: clicks
    type: pubsub
    ingestion: stream
    connection: {project: acme-data, stream: clicks-sub}
    topics:
      - {name: Clicks, primary_key: id, format: json, columns: [{name: id, type: bigint, not_null: true}]}
  - name: views
    type: pubsub
    ingestion: stream
    topics:
      - {name: views, primary_key: id, format: json, columns: [{name: id, type: bigint, not_null: true}]}
  - name: orders
    type: pubsub
    ingestion: stream
    connection: {project: acme-orders, private_key: "${secret:ORDERS_KEY}"}
    topics:
      - {name: orders, primary_key: id, format: json, columns: [{name: id, type: bigint, not_null: true}]}
targets:
  - {name: wh, type: postgres, connection: {host: wh, database: wh, user: w, password: "${secret:WH_PASSWORD}"}}
transforms:
  streams:
    - {name: clicks_copy, from: Clicks, sink: {target: wh}}
    - {name: views_copy, from: views, sink: {target: wh}}
    - {name: orders_copy, from: orders, sink: {target: wh}}
deploy:
  kubernetes: {enabled: true, namespace: data}
  terraform: {enabled: true}
"""
STRIMZI_CONNECT_SA = "{}-connect"  # Strimzi's KafkaConnectResources.serviceAccountName(cluster)


@pytest.fixture(scope="module")
def bridge_project(tmp_path_factory: pytest.TempPathFactory, hcl_python: Path) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bridge_identity")
    (root / "pipegen.yaml").write_text(BRIDGE_SPEC)
    ready = prepare(root / "pipegen.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    project = _write(files, root / "project")
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parse_dir(hcl_python, write_terraform(files, root)).items()}
    return {"files": files, "project": project, "docs": docs, "diagnostics": ready.diagnostics, "root": root}


def _bridge_connectors(files: dict[str, str]) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(files["k8s/kafka/pubsub-bridge.yaml"]) if d]


def test_the_connect_pods_running_the_bridge_sign_in_as_the_bridge_identity(bridge_project: dict[str, Any]) -> None:
    binary = kubectl()
    if binary is None:
        pytest.fail(MISSING)
    files, project, docs = bridge_project["files"], bridge_project["project"], bridge_project["docs"]
    envs = sorted(p.split("/")[2] for p in files if p.startswith("k8s/overlays/") and p.endswith("/kustomization.yaml"))
    assert envs
    assert "the `bridge` service account" in files["docs/kafka.md"]
    (member,) = _resources(docs, "google_service_account_iam_member").values()
    for env in envs:
        tfvars = {**docs[f"envs/{env}/terraform.tfvars"], "project": "acme-proj"}
        objects = build(binary, project / f"k8s/overlays/{env}")
        (connect,) = [o for o in objects if o["kind"] == "KafkaConnect"]
        ns, sa = connect["metadata"]["namespace"], STRIMZI_CONNECT_SA.format(connect["metadata"]["name"])
        annotations = connect["spec"]["template"]["serviceAccount"]["metadata"]["annotations"]
        email = annotations[ANNOTATIONS["gcp"]]
        assert tfvars["k8s_namespace"] == ns
        (key,) = [k for k, v in tfvars["k8s_service_accounts"].items() if v == sa]
        assert email.split("@")[0] == tfvars["workload_accounts"][key], f"{env}: the annotation names another account"
        assert _eval(member["member"], tfvars, key, sa) == f"serviceAccount:acme-proj.svc.id.goog[{ns}/{sa}]"
        # identity.env's line (as `terraform output -raw k8s_identity_env` writes it) reaches the annotation
        env_file = project / f"k8s/overlays/{env}/identity.env"
        lines = [f"{key}=c@acme-proj.iam.gserviceaccount.com" if line.startswith(f"{key}=") else line
                 for line in env_file.read_text().splitlines()]  # fmt: skip
        env_file.write_text("\n".join(lines) + "\n")
        (connect,) = [o for o in build(binary, project / f"k8s/overlays/{env}") if o["kind"] == "KafkaConnect"]
        assert connect["spec"]["template"]["serviceAccount"]["metadata"]["annotations"] == {
            ANNOTATIONS["gcp"]: "c@acme-proj.iam.gserviceaccount.com"}  # fmt: skip


def test_the_bridge_identity_consumes_exactly_the_subscriptions_of_its_connectors(
    bridge_project: dict[str, Any],
) -> None:
    files, docs = bridge_project["files"], bridge_project["docs"]
    keyless = [
        c["spec"]["config"] for c in _bridge_connectors(files) if "gcp.credentials.json" not in c["spec"]["config"]
    ]
    assert len(keyless) == 2  # clicks and views sign in as the pods' identity; orders with its key
    literal = {(c["cps.project"], c["cps.subscription"]) for c in keyless
               if "${" not in c["cps.project"] + c["cps.subscription"]}  # fmt: skip
    assert literal == {("acme-data", "clicks-sub")}
    (r529,) = [d for d in bridge_project["diagnostics"] if d.code == "R529"]  # views: no project, no grant
    assert "'views'" in r529.message and r529.severity == "warning"
    subscriber = _resources(docs, "google_pubsub_subscription_iam_member")
    assert {b["role"] for b in subscriber.values()} == {"roles/pubsub.subscriber", "roles/pubsub.viewer"}
    for env in ("dev", "staging", "prod"):
        tfvars = docs[f"envs/{env}/terraform.tfvars"]
        for grant in subscriber.values():
            assert grant["for_each"] == "${var.bridge_subscriptions}"
            assert grant["member"] == '${google_service_account.workload["bridge"].member}'
            assert (grant["project"], grant["subscription"]) == ("${each.value.project}", "${each.value.subscription}")
            values = tfvars["bridge_subscriptions"]
            assert {(v["project"], v["subscription"]) for v in values.values()} == literal, env
    # nothing else: no bucket, secret, Kafka or key grant names the bridge identity
    assert "bridge" not in _grant_sets(docs, "gcp")
    clients = _resources(docs, "google_project_iam_member")["kafka_client"]["for_each"]
    assert '"bridge"' not in clients
    kms = _resources(docs, "google_kms_crypto_key_iam_member")["workload"]["for_each"]
    assert 'k != "bridge"' in kms


def test_terraform_checkov_and_the_crds_accept_the_bridge_identity(
    bridge_project: dict[str, Any], checkov_python: Path, tmp_path: Path
) -> None:
    from tests.judges.crds import CrdCatalog, shared_crds_dir
    from tests.judges.terraform import console, fmt_check, run_checkov, schema_problems, schemas, terraform_binary
    from tests.judges.tfschema import reference_problems

    docs, project = bridge_project["docs"], bridge_project["project"]
    tf = {p: d for p, d in docs.items() if p.endswith(".tf")}
    provider_schemas = schemas()
    problems, checked = schema_problems(tf, provider_schemas)
    assert problems == [] and checked >= 10
    assert reference_problems(tf, provider_schemas)[0] == []
    report = run_checkov(checkov_python, project / "terraform", tmp_path / "home")
    assert [f"{f['check_id']} {f['file_abs_path']}" for f in report["results"]["failed_checks"]] == []
    folder = shared_crds_dir()
    if folder is None:
        pytest.fail("../shared/crds is absent: the CRD judge has no input")
    binary = kubectl()
    if binary is None:
        pytest.fail(MISSING)
    built = [o for o in build(binary, project / "k8s/overlays/prod") if o["kind"] == "KafkaConnect"]
    assert CrdCatalog.load(folder).validate_all(built) == []
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("no terraform binary on PATH: fmt and the tfvars console not run")
    root = project / "terraform"
    done = fmt_check(terraform, root)
    assert done.returncode == 0, done.stdout + done.stderr
    for env in sorted((root / "envs").iterdir()):
        run = console(terraform, tmp_path / env.name, (env / "variables.tf").read_text(),
                      (env / "terraform.tfvars").read_text(), "var.bridge_subscriptions")  # fmt: skip
        assert run.returncode == 0 and "clicks-sub" in run.stdout, f"{env.name}:\n{run.stderr[-2000:]}"
