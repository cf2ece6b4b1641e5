"""Where deployed jobs come from (issue 21, tf23). The Spark job's files on EMR Serverless and Dataproc
Serverless: every submit request names
them under `${PIPEGEN_JOB_ROOT}`; Terraform gives them a bucket of their own (`jobs_bucket`) that no lifecycle
rule expires (the lake bucket's objects expire after the retention, so files kept there would vanish), grants
the job's identity read access to it and nothing more, and outputs its root (`spark_job_root`), which the
generated docs' export line puts in PIPEGEN_JOB_ROOT. The Databricks jobs: the Asset Bundle deploys them (with
their code), to the workspace whose URL every root outputs (DATABRICKS_HOST in the docs' export line).
Cross-file: the requests and the bundle, the parsed HCL and the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.cloudnames import landing_root
from tests.conftest import REPO
from tests.judges.terraform import parse_dir, write_terraform
from tests.judges.test_terraform import _blocks, _policies, _resources

JOB_ROOT = "${PIPEGEN_JOB_ROOT}"


def _project(hcl_python: Path, tmp_path: Path, cloud: str) -> tuple[dict[str, str], dict[str, Any]]:
    text = (REPO / "specs/pii_etl.yaml").read_text()
    assert text.count("cloud: aws") == 1
    (tmp_path / "spec.yaml").write_text(text.replace("cloud: aws", f"cloud: {cloud}"))
    ready = prepare(tmp_path / "spec.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    parsed = parse_dir(hcl_python, write_terraform(files, tmp_path / "out"))
    return files, {p.split("/terraform/", 1)[1]: d for p, d in parsed.items()}


def _job_paths(requests: list[dict[str, Any]]) -> set[str]:
    """Every path under the job root the requests name (a value, or a word of one)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            found.update(re.findall(re.escape(JOB_ROOT) + r"[^\s,]*", value))

    walk(requests)
    return found


def _exported(docs_md: str, env: str) -> str:
    """The output the docs' export line of `env` reads (after a literal prefix such as `https://`)."""
    line = rf"^export {env}=\S*\$\(terraform -chdir=terraform/envs/<env> output -raw (\w+)\)$"
    found = re.findall(line, docs_md, re.MULTILINE)
    assert len(found) == 1, (env, found)
    return str(found[0])


@pytest.mark.parametrize(("cloud", "folder"), [("aws", "spark/emr-serverless/"), ("gcp", "spark/dataproc/")])
def test_the_spark_jobs_files_have_a_bucket_of_their_own_that_never_expires_and_the_job_may_read(
    hcl_python: Path, tmp_path: Path, cloud: str, folder: str
) -> None:
    files, docs = _project(hcl_python, tmp_path, cloud)
    requests = [json.loads(t) for p, t in files.items() if p.startswith(folder)]
    assert requests and all(p.startswith(f"{JOB_ROOT}/spark/") for p in _job_paths(requests)), folder
    assert _job_paths(requests)
    output = _exported(files["docs/terraform.md"], "PIPEGEN_JOB_ROOT")
    value = _blocks(docs["modules/platform/outputs.tf"], "output")[output]["value"]
    for env in ("dev", "staging", "prod"):
        root = _blocks(docs[f"envs/{env}/outputs.tf"], "output")
        assert root[output]["value"] == f"${{module.platform.{output}}}"
        assert docs[f"envs/{env}/terraform.tfvars"]["jobs_bucket"] == f"pii-etl-{env}-jobs"
    storage = docs["modules/platform/storage.tf"]
    if cloud == "aws":
        assert value == "s3://${aws_s3_bucket.jobs.bucket}"
        assert _resources(storage, "aws_s3_bucket")["jobs"]["bucket"] == "${var.jobs_bucket}"
        rules = _resources(storage, "aws_s3_bucket_lifecycle_configuration")
        assert "expiration" in rules["lake"]["rule"][0]  # what the job's files escape
        assert "expiration" not in rules["jobs"]["rule"][0]
        assert _resources(storage, "aws_s3_bucket_server_side_encryption_configuration")["jobs"]
        assert _resources(storage, "aws_s3_bucket_public_access_block")["jobs"]["block_public_policy"] is True
        statements = {st["sid"]: st for st in _policies(docs)["spark"]["statement"]}
        assert statements["ObjectsJobs"]["actions"] == ["s3:GetObject"]  # read only
        assert statements["ObjectsJobs"]["resources"] == ["${aws_s3_bucket.jobs.arn}/*"]
        assert statements["ListJobs"]["resources"] == ["${aws_s3_bucket.jobs.arn}"]
        assert 'aws s3 cp --recursive spark "$PIPEGEN_JOB_ROOT/spark"' in files["docs/terraform.md"]
    else:
        assert value == "gs://${google_storage_bucket.jobs.name}"
        buckets = _resources(storage, "google_storage_bucket")
        assert buckets["jobs"]["name"] == "${var.jobs_bucket}"

        def deletes(bucket: dict[str, Any]) -> bool:
            return any(a["type"] == "Delete" for r in bucket.get("lifecycle_rule", []) for a in r["action"])

        assert deletes(buckets["lake"]) and not deletes(buckets["jobs"])
        grants = _resources(docs["modules/platform/identities.tf"], "google_storage_bucket_iam_member")
        member = "serviceAccount:${google_service_account.spark.email}"
        jobs = [g for g in grants.values() if g.get("bucket") == "${google_storage_bucket.jobs.name}"]
        assert [(g["role"], g["member"]) for g in jobs] == [("roles/storage.objectViewer", member)]
        assert 'gcloud storage cp -r spark "$PIPEGEN_JOB_ROOT"' in files["docs/terraform.md"]


def test_the_databricks_bundle_deploys_the_jobs_to_the_workspace_url_terraform_outputs(
    hcl_python: Path, tmp_path: Path
) -> None:
    # the playground's Databricks jobs stay in the Asset Bundle (their deploy path, with their code); Terraform
    # stands up the workspace and every root outputs its URL, which the docs' export line gives the bundle
    ready = prepare(REPO / "specs/azure_playground.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    assert "\n  jobs:\n" in files["databricks.yml"]
    assert not any("databricks_job" in t for p, t in files.items() if p.startswith("terraform/"))
    parsed = parse_dir(hcl_python, write_terraform(files, tmp_path / "out"))
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parsed.items()}
    output = _exported(files["docs/terraform.md"], "DATABRICKS_HOST")
    assert output == "databricks_url"
    workspace = _blocks(docs["modules/platform/outputs.tf"], "output")[output]["value"]
    assert workspace == "${azurerm_databricks_workspace.main.workspace_url}"
    for env in ("dev", "staging", "prod"):
        assert _blocks(docs[f"envs/{env}/outputs.tf"], "output")[output]["value"] == f"${{module.platform.{output}}}"
    assert "databricks bundle deploy -t <env>" in files["docs/terraform.md"]


def test_the_playgrounds_terraform_runs_a_generator_per_faker_stream_that_may_send_to_its_event_hub_only(
    hcl_python: Path, tmp_path: Path
) -> None:
    # seed 003: `terraform apply` stands the data generators up with the rest; one container per streamed table of
    # the generated pipeline/stream_generator.json, each running it for its table, the group's identity a sender on
    # exactly those tables' event hubs (declared in every environment), no secret in its environment
    ready = prepare(REPO / "specs/azure_playground.yaml")
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    streams = json.loads(files["pipeline/stream_generator.json"])["streams"]
    assert streams
    parsed = parse_dir(hcl_python, write_terraform(files, tmp_path / "out"))
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parsed.items()}
    generators = docs["modules/platform/generators.tf"]
    group = _resources(generators, "azurerm_container_group")["generators"]
    assert (group["os_type"], group["sku"], group["restart_policy"], group["ip_address_type"]) == (
        "Linux", "Standard", "Always", "None")  # fmt: skip
    assert group["identity"][0]["identity_ids"] == ["${azurerm_user_assigned_identity.generator.id}"]
    ran = {}
    for container in group["container"]:
        command = container["commands"]
        assert command[:3] == ["python", "-m", "pipeline.stream_generator"] and command[3] == "--table"
        ran[command[4]] = container
        env = container["environment_variables"]
        assert env["AZURE_CLIENT_ID"] == "${azurerm_user_assigned_identity.generator.client_id}"
        assert env["KAFKA_BOOTSTRAP_SERVERS"].endswith(".servicebus.windows.net:9093")
        assert "secure_environment_variables" not in container and container["image"] == "${var.generator_image}"
    assert set(ran) == {s["table"] for s in streams}
    senders = _resources(generators, "azurerm_role_assignment")["generator"]
    assert senders["role_definition_name"] == "Azure Event Hubs Data Sender"
    assert senders["scope"] == "${azurerm_eventhub.topic[each.value].id}"
    assert senders["principal_id"] == "${azurerm_user_assigned_identity.generator.principal_id}"
    assert senders["for_each"] == "${toset([" + ", ".join(f'"{s["topic"]}"' for s in streams) + "])}"
    for env in ("dev", "staging", "prod"):
        values = docs[f"envs/{env}/terraform.tfvars"]
        assert {s["topic"] for s in streams} <= set(values["eventhubs"])
        assert values["generator_image"] == f"azure-playground-generator:{env}"
    assert "## The data generators" in files["docs/terraform.md"]


@pytest.mark.parametrize(("cloud", "warned"), [("azure", False), ("aws", True), ("gcp", True)])
def test_a_faker_stream_no_generator_is_deployed_for_is_a_located_warning(
    tmp_path: Path, cloud: str, warned: bool
) -> None:
    # R456: only the Azure root runs the stream generators; on AWS and GCP the playground's stream is warned
    text = (REPO / "specs/azure_playground.yaml").read_text()
    assert text.count("cloud: azure") == 1
    (tmp_path / "spec.yaml").write_text(text.replace("cloud: azure", f"cloud: {cloud}"))
    ready = prepare(tmp_path / "spec.yaml")
    found = [(d.path, d.severity) for d in ready.diagnostics if d.code == "R456"]
    assert found == ([("sources[1].ingestion", "warning")] if warned else [])
    files = render_tree(ready.spec, ready.plan)
    assert ("terraform/modules/platform/generators.tf" in files) is not warned


LANDING_ROOT = "${PIPEGEN_LANDING_ROOT}"


@pytest.mark.parametrize(("cloud", "folder"), [("aws", "spark/emr-serverless/"), ("gcp", "spark/dataproc/")])
def test_the_landing_root_every_request_names_is_a_bucket_extract_load_writes_and_the_job_only_reads(
    hcl_python: Path, tmp_path: Path, cloud: str, folder: str
) -> None:
    """Issues 20/21 (spark26): the raw batches' root (`--landing-root ${PIPEGEN_LANDING_ROOT}` in every EMR
    request / Dataproc batch) is the output the docs export, the landing bucket plan/cloudnames.py `landing_root`
    names per environment; extract-load's identity writes it, the Spark job's reads it, no other identity
    touches it."""
    files, docs = _project(hcl_python, tmp_path, cloud)
    requests = [json.loads(t) for p, t in files.items() if p.startswith(folder)]
    assert requests
    for request in requests:
        args = request["jobDriver"]["sparkSubmit"]["entryPointArguments"] if cloud == "aws" else (
            request["pysparkBatch"]["args"])  # fmt: skip
        assert args[args.index("--landing-root") + 1] == LANDING_ROOT
    output = _exported(files["docs/terraform.md"], "PIPEGEN_LANDING_ROOT")
    value = _blocks(docs["modules/platform/outputs.tf"], "output")[output]["value"]
    ready = prepare(tmp_path / "spec.yaml")
    for env in ("dev", "staging", "prod"):
        assert _blocks(docs[f"envs/{env}/outputs.tf"], "output")[output]["value"] == f"${{module.platform.{output}}}"
        bucket = docs[f"envs/{env}/terraform.tfvars"]["landing_bucket"]
        assert landing_root(ready.spec, env) == f"{'s3' if cloud == 'aws' else 'gs'}://{bucket}"
    storage = docs["modules/platform/storage.tf"]
    if cloud == "aws":
        assert value == "s3://${aws_s3_bucket.landing.bucket}"
        assert _resources(storage, "aws_s3_bucket")["landing"]["bucket"] == "${var.landing_bucket}"
        granted: dict[str, set[str]] = {}
        for name, policy in _policies(docs).items():
            for st in policy["statement"]:
                if any("aws_s3_bucket.landing." in r for r in st.get("resources", [])):
                    granted.setdefault(name, set()).update(st["actions"])
        assert granted == {
            "spark": {"s3:ListBucket", "s3:GetObject"},
            "ingest": {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
        }
    else:
        assert value == "gs://${google_storage_bucket.landing.name}"
        assert _resources(storage, "google_storage_bucket")["landing"]["name"] == "${var.landing_bucket}"
        identities = docs["modules/platform/identities.tf"]
        bucket_ref = "${google_storage_bucket.landing.name}"
        members = [(g["role"], g["member"]) for g in _resources(identities, "google_storage_bucket_iam_member").values()
                   if g.get("bucket") == bucket_ref]  # fmt: skip
        assert members == [("roles/storage.objectViewer", "serviceAccount:${google_service_account.spark.email}")]
        local = _blocks(identities, "locals")["bucket_grants"]
        writers = sorted((g["workload"], g["role"]) for g in local.values() if g["bucket"] == bucket_ref)
        assert writers == [("ingest", "roles/storage.objectUser")]
