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
