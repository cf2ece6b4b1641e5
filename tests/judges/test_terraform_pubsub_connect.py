"""The Pub/Sub bridge on Managed Kafka Connect (generators/terraform/gcp_connect.py): on GCP the Spark stream reads the
bridged Pub/Sub topics from Google's Managed Kafka, so Terraform runs Google's Pub/Sub Source connector on a Managed
Kafka Connect cluster attached to it (google-beta resources). Judged offline: every block against its provider's
schema (`provider = google-beta` blocks against google-beta 6.50's, the terraform judge's `@cdktf/provider-google-beta`
16.12.1: proven to refuse an unknown argument and a missing required one there, and a Connect resource left on the
google provider), every reference across blocks, checkov with the project's skip list, `terraform fmt` and the
tfvars against the variables through `terraform console`; one connector per bridged topic with the connector's own
keys, each topic declared on the cluster, the Managed Kafka service agent granted exactly those subscriptions.
(Before: no connector, and R528 said Managed Kafka Connect was out of the judge's reach.)"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pipegen.generators.kafka import bridge
from pipegen.pipeline import prepare, render_tree, validate
from pipegen.plan.kafkanames import bridge_connectors
from tests.judges.terraform import (
    console,
    fmt_check,
    parse_dir,
    run_checkov,
    schema_problems,
    schemas,
    stub_mirror,
    terraform_binary,
    tfvars_problems,
    write_terraform,
)
from tests.judges.terraform import validate as tf_validate
from tests.judges.tfschema import reference_problems

COLUMNS = "[{name: id, type: bigint, not_null: true}, {name: at, type: 'timestamp(3)', not_null: true}]"
SPEC = f"""version: 1
pipeline: {{name: ps_connect}}
latency: 1m
cloud: gcp
engines: {{stream: spark}}
sources:
  - name: web
    type: pubsub
    ingestion: stream
    connection: {{project: acme-data, stream: web-clicks-sub}}
    topics:
      - {{name: clicks, primary_key: id, event_time: at, columns: {COLUMNS}}}
  - name: App
    type: pubsub
    ingestion: stream
    connection: {{project: acme-apps}}
    topics:
      - {{name: opens, primary_key: id, event_time: at, columns: {COLUMNS}}}
      - {{name: Closes, primary_key: id, event_time: at, columns: {COLUMNS}}}
  - name: later
    type: pubsub
    ingestion: stream
    connection: {{project: "${{env:LATER_PROJECT}}"}}
    topics:
      - {{name: taps, primary_key: id, event_time: at, columns: {COLUMNS}}}
targets:
  - {{name: lake, type: delta, connection: {{bucket: acme-lake}}}}
deploy: {{terraform: {{enabled: true}}}}
"""
# (source, topic) -> (project, subscription): `stream` of a one-topic source, else the topic's name (R522); `later`
# names its project by reference, which a connector's `cps.project` cannot be (R528): no connector
BRIDGED = {("web", "clicks"): ("acme-data", "web-clicks-sub"), ("App", "opens"): ("acme-apps", "opens"),
           ("App", "Closes"): ("acme-apps", "Closes")}  # fmt: skip
AGENT = "serviceAccount:service-${data.google_project.connect.number}@gcp-sa-managedkafka.iam.gserviceaccount.com"
CONNECT_KEYS = {"connector.class", "name", "tasks.max"}  # Kafka Connect's own, as Google's Terraform sample sets them

NEGATIVE = """
resource "google_managed_kafka_connector" "typo" {
  provider         = google-beta
  connector_id     = "c"
  connect_clusterr = "x"
  location         = "europe-west1"
}

resource "google_managed_kafka_connect_cluster" "no_beta" {
  connect_cluster_id = "c"
  kafka_cluster      = "k"
  location           = "europe-west1"
}

resource "google_managed_kafka_connect_cluster" "ok" {
  provider           = google-beta
  connect_cluster_id = "c"
  kafka_cluster      = "k"
  location           = "europe-west1"
  capacity_config {
    vcpu_count   = "3"
    memory_bytes = "3221225472"
  }
  gcp_config {
    access_config {
      network_configs {
        primary_subnet = "projects/p/regions/r/subnetworks/s"
      }
    }
  }
}

resource "google_managed_kafka_connector" "refers" {
  provider        = google-beta
  connector_id    = "c"
  connect_cluster = google_managed_kafka_connect_cluster.ok.connect_cluster_idd
  location        = "europe-west1"
}

provider "google-beta" {
  projectt = "p"
}
"""


@pytest.fixture(scope="module")
def provider_schemas() -> dict[str, dict[str, Any]]:
    return schemas()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    where = tmp_path_factory.mktemp("connect")
    (where / "pipegen.yaml").write_text(SPEC, encoding="utf-8")
    ready = prepare(where / "pipegen.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    return files, write_terraform(files, where / "out")


@pytest.fixture(scope="module")
def parsed(hcl_python: Path, project: tuple[dict[str, str], Path]) -> dict[str, Any]:
    root = project[1]
    return {p.split("/terraform/", 1)[1]: d for p, d in parse_dir(hcl_python, root).items()}


def _resources(docs: dict[str, Any], type_name: str) -> dict[str, Any]:
    return {label: body for d in docs.values() for e in d.get("resource", []) for t, named in e.items()
            if t == type_name for label, body in named.items()}  # fmt: skip


def test_the_schema_check_judges_google_beta_blocks_by_the_google_beta_schema(
    hcl_python: Path, tmp_path: Path, provider_schemas: dict[str, dict[str, Any]]
) -> None:
    (tmp_path / "bad.tf").write_text(NEGATIVE)
    problems, checked = schema_problems(parse_dir(hcl_python, tmp_path), provider_schemas)
    text = "\n".join(problems)
    assert "google_managed_kafka_connector.typo: unknown argument `connect_clusterr`" in text
    assert "google_managed_kafka_connector.typo: missing required argument `connect_cluster`" in text
    # the google provider 6.50 has no Connect resource: left on it, the block names an unknown type
    assert "google_managed_kafka_connect_cluster.no_beta: unknown resource type (provider `google`)" in text
    assert "provider google-beta: unknown argument `projectt`" in text
    assert "google_managed_kafka_connect_cluster has no attribute `connect_cluster_idd`" in text
    assert checked == 4 and len(problems) == 5, text  # the complete google-beta cluster and the reference pass


def test_every_bridged_topic_has_one_managed_connector_of_the_connectors_own_keys(
    parsed: dict[str, Any], project: tuple[dict[str, str], Path]
) -> None:
    files = project[0]
    assert "terraform/modules/platform/connect.tf" in files  # (main: no Connect cluster, no connector)
    names = bridge_connectors("ps_connect", list(BRIDGED))
    expected = {str(names[pair]): {"topic": pair[1], "project": p, "subscription": s}
                for pair, (p, s) in BRIDGED.items()}  # fmt: skip
    for env in ("dev", "staging", "prod"):
        tfvars = parsed[f"envs/{env}/terraform.tfvars"]
        assert tfvars["pubsub_connectors"] == expected
        assert {"clicks", "opens", "Closes"} <= set(tfvars["kafka_topics"]) and "taps" not in tfvars["kafka_topics"]
        assert (tfvars["connect_vcpus"], tfvars["connect_memory_gib"]) == (3, 3)  # Google's minimum
        assert tfvars["connect_cluster_id"] == f"ps-connect-{env}-connect"
    module = {p: d for p, d in parsed.items() if p.startswith("modules/")}
    (cluster,) = _resources(module, "google_managed_kafka_connect_cluster").values()
    (connector,) = _resources(module, "google_managed_kafka_connector").values()
    assert cluster["provider"] == connector["provider"] == "google-beta"
    assert cluster["kafka_cluster"] == "${google_managed_kafka_cluster.kafka.id}"
    assert connector["for_each"] == "${var.pubsub_connectors}"
    configs = connector["configs"]
    assert set(configs) <= bridge.SOURCE_KEYS | bridge.CONNECT_KEYS | CONNECT_KEYS
    assert configs["connector.class"] == bridge.CONNECTOR_CLASS
    assert (configs["kafka.topic"], configs["cps.project"], configs["cps.subscription"]) == (
        "${each.value.topic}", "${each.value.project}", "${each.value.subscription}")  # fmt: skip
    # google-beta is pinned beside google in the module and every root, and configured in every root alike
    for path, doc in parsed.items():
        if path.endswith("versions.tf"):
            pins = doc["terraform"][0]["required_providers"][0]
            assert pins["google-beta"] == {"source": "hashicorp/google-beta", "version": pins["google"]["version"]}
        if path.endswith("main.tf") and path.startswith("envs/"):
            configured = {name: body for e in doc["provider"] for name, body in e.items()}
            assert configured["google-beta"] == configured["google"]
    found = [d for d in validate(project[1].parents[1] / "pipegen.yaml").diagnostics if d.code == "R528"]
    assert [(d.path, d.severity) for d in found] == [("sources[2].connection.project", "warning")]


def test_the_service_agent_consumes_exactly_the_bridged_subscriptions(parsed: dict[str, Any]) -> None:
    module = {p: d for p, d in parsed.items() if p.startswith("modules/")}
    grants = _resources(module, "google_pubsub_subscription_iam_member")
    mine = {label: g for label, g in grants.items() if AGENT in g["member"]}
    assert {g["role"] for g in mine.values()} == {"roles/pubsub.subscriber", "roles/pubsub.viewer"}
    assert all(g["for_each"] == "${var.pubsub_connectors}" and g["subscription"] == "${each.value.subscription}"
               and g["project"] == "${each.value.project}" for g in mine.values())  # fmt: skip
    text = repr(module)
    assert text.count("gcp-sa-managedkafka") == len(mine) == 2  # no other grant names the agent


@pytest.mark.judge
def test_the_connect_project_passes_the_schemas_checkov_fmt_and_the_tfvars_console(
    project: tuple[dict[str, str], Path],
    parsed: dict[str, Any],
    provider_schemas: dict[str, dict[str, Any]],
    checkov_python: Path,
    tmp_path: Path,
) -> None:
    tf = {p: d for p, d in parsed.items() if p.endswith(".tf")}
    problems, checked = schema_problems(tf, provider_schemas)
    assert problems == [] and checked >= 10
    found, references = reference_problems(tf, provider_schemas)
    assert found == [] and references >= 10
    root = project[1]
    report = run_checkov(checkov_python, root.parent, tmp_path / "home")
    failed = [f"{f['check_id']} {f['resource']}: {f['check_name']}" for f in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 0  # checkov judged the project
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("no terraform binary on PATH: `terraform fmt` and the tfvars console not run")
    done = fmt_check(terraform, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tfvars_problems(terraform, root, tmp_path) == []
    env = root / "envs" / "prod"
    bad = (env / "terraform.tfvars").read_text().replace("connect_memory_gib = 3", "connect_memory_gib = 30")
    run = console(terraform, tmp_path / "bad", (env / "variables.tf").read_text(), bad, "1")
    assert "connect_memory_gib: from 1 to 8 GiB per vCPU of connect_vcpus." in run.stderr


def test_with_kubernetes_the_bridge_is_terraform_s_and_no_pod_identity_is_federated_for_it(tmp_path: Path) -> None:
    """With Kubernetes too, the Strimzi KafkaConnect runs no bridge (it could only write the Strimzi cluster), so no
    Connect pod signs in as the `bridge` account: the Managed Kafka Connect cluster is the bridge, signed in as
    Google's service agent."""
    both = "deploy: {terraform: {enabled: true}, kubernetes: {enabled: true, namespace: clicks}}"
    text = SPEC.replace("deploy: {terraform: {enabled: true}}", both)
    (tmp_path / "pipegen.yaml").write_text(text, encoding="utf-8")
    ready = prepare(tmp_path / "pipegen.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    assert "terraform/modules/platform/connect.tf" in files
    assert not [p for p in files if p.startswith("k8s/") and "pubsub" in p]
    assert not any("kind: KafkaConnect" in t for p, t in files.items() if p.startswith("k8s/"))
    tfvars = files["terraform/envs/prod/terraform.tfvars"]
    accounts = tfvars.split("workload_accounts = {", 1)[1].split("}", 1)[0]
    assert "bridge" not in accounts and "bridge_subscriptions" not in tfvars


def test_terraform_validate_accepts_the_connect_root_with_the_google_beta_stand_in(
    project: tuple[dict[str, str], Path],
    provider_schemas: dict[str, dict[str, Any]],
    tfstub_python: Path,
    tmp_path: Path,
) -> None:
    """`terraform init -backend=false` + `terraform validate` by Terraform itself on the prod root, google and
    google-beta served by their stand-ins (tests/judges/tfstub.py, installed from the mirror at the pinned
    versions); the same root with a Connect resource's argument misspelt is refused by Terraform's own message."""
    terraform = terraform_binary()
    if terraform is None:
        print("terraform is not installed (it is not in any registry here): skipping `terraform validate`")
        pytest.skip("no terraform binary on this machine")
    config = stub_mirror(tfstub_python, tmp_path / "stub")
    work = shutil.copytree(project[1], tmp_path / "terraform")  # init writes .terraform/: a copy
    run = tf_validate(terraform, work / "envs" / "prod", config, tmp_path / "home")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "Success! The configuration is valid." in run.stdout
    connect = next(work.glob("modules/*/connect.tf"))
    text = connect.read_text(encoding="utf-8")
    assert "connect_cluster_id =" in text
    connect.write_text(text.replace("connect_cluster_id =", "connect_cluster_idd =", 1), encoding="utf-8")
    run = tf_validate(terraform, work / "envs" / "prod", config, tmp_path / "home")
    assert run.returncode == 1 and "Unsupported argument" in run.stderr, run.stdout[-2000:] + run.stderr[-4000:]
