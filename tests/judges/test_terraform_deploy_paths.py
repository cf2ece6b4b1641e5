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
import yaml

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.cloudnames import landing_root
from pipegen.plan.stream_generators import GeneratorHost, generator_host
from tests.conftest import REPO
from tests.judges.terraform import (
    fmt_check,
    parse_dir,
    run_checkov,
    schema_problems,
    schemas,
    terraform_binary,
    write_terraform,
)
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


def _playground_on(cloud: str, where: Path, kubernetes: bool = False) -> tuple[dict[str, str], GeneratorHost | None]:
    """The azure_playground spec moved to `cloud` (with `deploy.kubernetes` where asked): its files, and where its
    stream generators run (plan/stream_generators.py)."""
    text = (REPO / "specs/azure_playground.yaml").read_text()
    assert text.count("cloud: azure") == 1 and text.count("\ndeploy:\n") == 1
    text = text.replace("cloud: azure", f"cloud: {cloud}")
    if kubernetes:
        text = text.replace("\ndeploy:\n", "\ndeploy:\n  kubernetes: {enabled: true}\n")
    where.mkdir(parents=True, exist_ok=True)
    (where / "spec.yaml").write_text(text)
    ready = prepare(where / "spec.yaml")
    host = generator_host(ready.spec, ready.plan.graph.kinds)
    return {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}, host


def _judge_root(hcl_python: Path, checkov_python: Path, files: dict[str, str], where: Path) -> dict[str, Any]:
    """The project's Terraform judged as every example's is: the provider schema (blocks and references),
    checkov beyond the reasoned skips, terraform fmt; its parsed files by their path under terraform/."""
    root = write_terraform(files, where / "out")
    parsed = parse_dir(hcl_python, root)
    problems, checked = schema_problems({p: d for p, d in parsed.items() if p.endswith(".tf")}, schemas())
    assert problems == [] and checked > 10
    report = run_checkov(checkov_python, where / "out", where / "home")
    failed = [f"{f['check_id']} {f['resource']}" for f in report["results"]["failed_checks"]]
    assert failed == []
    assert any("generators.tf" in f["file_abs_path"] for f in report["results"]["passed_checks"])
    if (terraform := terraform_binary()) is not None:
        done = fmt_check(terraform, root)
        assert done.returncode == 0, done.stdout + done.stderr
    return {p.split("/terraform/", 1)[1]: d for p, d in parsed.items()}


def test_on_aws_terraform_runs_a_fargate_service_per_faker_stream_whose_role_may_write_its_topics_only(
    hcl_python: Path, checkov_python: Path, tmp_path: Path
) -> None:
    # the playground on AWS: one ECS Fargate service (desired count 1) per streamed table of the generated
    # pipeline/stream_generator.json running it for its table; the task role may connect and write exactly those
    # tables' MSK topics (its signing in today: MSK IAM); no secret in the tasks' environment
    files, host = _playground_on("aws", tmp_path)
    assert host == GeneratorHost.CLOUD
    streams = json.loads(files["pipeline/stream_generator.json"])["streams"]
    assert streams and json.loads(files["pipeline/stream_generator.json"])["sign_in"] == "aws"
    docs = _judge_root(hcl_python, checkov_python, files, tmp_path)
    generators = docs["modules/platform/generators.tf"]
    tasks, services = _resources(generators, "aws_ecs_task_definition"), _resources(generators, "aws_ecs_service")
    ran = {}
    for label, task in tasks.items():
        assert (task["cpu"], task["memory"], task["requires_compatibilities"]) == ("256", "512", ["FARGATE"])
        assert task["task_role_arn"] == "${aws_iam_role.generator.arn}" != task["execution_role_arn"]
        (container,) = json.loads(re.sub(r"\$\{([^}]*)\}", r"\1", task["container_definitions"]))
        assert container["command"][:4] == ["python", "-m", "pipeline.stream_generator", "--table"]
        assert container["readonlyRootFilesystem"] is True and container["user"] != "0"
        env = {e["name"]: e["value"] for e in container["environment"]}
        assert env == {"KAFKA_BOOTSTRAP_SERVERS": "aws_msk_cluster.kafka.bootstrap_brokers_sasl_iam",
                       "AWS_REGION": "var.region"} and "secrets" not in container  # fmt: skip
        assert container["image"] == "var.generator_image"
        ran[container["command"][4]] = label
        service = services[label]
        assert (service["desired_count"], service["launch_type"]) == (1, "FARGATE")
        assert service["task_definition"] == f"${{aws_ecs_task_definition.{label}.arn}}"
        assert service["network_configuration"][0]["assign_public_ip"] is False
    assert set(ran) == {s["table"] for s in streams} and len(services) == len(streams)
    policy = {k: v for e in generators["data"] for k, v in e.get("aws_iam_policy_document", {}).items()}["generator"]
    grants = {st["sid"]: st for st in policy["statement"]}
    assert set(grants) == {"KafkaConnect", "KafkaWriteTopics"}
    assert grants["KafkaWriteTopics"]["actions"] == ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    written = {r.rsplit("/", 1)[1] for r in grants["KafkaWriteTopics"]["resources"]}
    assert written == {s["topic"] for s in streams}
    logs = _resources(generators, "aws_cloudwatch_log_group")["generators"]
    assert logs["retention_in_days"] >= 365 and logs["kms_key_id"] == "${aws_kms_key.data.arn}"
    for env in ("dev", "staging", "prod"):
        assert docs[f"envs/{env}/terraform.tfvars"]["generator_image"] == f"azure-playground-generator:{env}"
    assert "Fargate, stream generators" in files["docs/terraform.md"]


def test_on_gcp_terraform_runs_a_cloud_run_worker_pool_container_per_faker_stream_as_its_own_account(
    hcl_python: Path, checkov_python: Path, tmp_path: Path
) -> None:
    # the playground on GCP: one Cloud Run worker pool (one instance), a container per streamed table running the
    # generator for it, as a service account of its own that is a Managed Kafka client and nothing else, reaching
    # the cluster through its subnet; no secret in the containers' environment
    files, host = _playground_on("gcp", tmp_path)
    assert host == GeneratorHost.CLOUD
    streams = json.loads(files["pipeline/stream_generator.json"])["streams"]
    assert streams and json.loads(files["pipeline/stream_generator.json"])["sign_in"] == "gcp"
    docs = _judge_root(hcl_python, checkov_python, files, tmp_path)
    generators = docs["modules/platform/generators.tf"]
    pool = _resources(generators, "google_cloud_run_v2_worker_pool")["generators"]
    assert (pool["scaling"][0]["scaling_mode"], pool["scaling"][0]["manual_instance_count"]) == ("MANUAL", 1)
    (template,) = pool["template"]
    assert template["service_account"] == "${google_service_account.generator.email}"
    assert template["vpc_access"][0]["network_interfaces"][0]["subnetwork"] == "${var.kafka_subnet}"
    ran = {}
    for container in template["containers"]:
        assert container["command"][:4] == ["python", "-m", "pipeline.stream_generator", "--table"]
        assert container["image"] == "${var.generator_image}"
        assert [e["name"] for e in container["env"]] == ["KAFKA_BOOTSTRAP_SERVERS"]
        assert "value_source" not in container["env"][0]
        ran[container["command"][4]] = container
    assert set(ran) == {s["table"] for s in streams}
    grants = [m for p, d in docs.items() if p.startswith("modules/platform/") for e in d.get("resource", [])
              for m in e.get("google_project_iam_member", {}).values()
              if "google_service_account.generator." in m["member"]]  # fmt: skip
    assert {g["role"] for g in grants} == {"roles/managedkafka.client"}
    accounts = set()
    for env in ("dev", "staging", "prod"):
        values = docs[f"envs/{env}/terraform.tfvars"]
        assert {s["topic"] for s in streams} <= set(values["kafka_topics"])
        assert values["generator_image"] == f"azure-playground-generator:{env}"
        accounts.add(values["generator_account"])  # a service account id: 6-30 characters, the naming layer's
        assert re.fullmatch("[a-z][a-z0-9-]{4,28}[a-z0-9]", values["generator_account"])
        assert values["generator_account"] not in values["workload_accounts"].values()
    assert len(accounts) == 3 and "azure-playground-dev-generator" in accounts
    assert "Cloud Run worker pool, stream generators" in files["docs/terraform.md"]


@pytest.mark.parametrize(("cloud", "kubernetes"), [
    ("azure", False), ("aws", False), ("gcp", False), ("aws", True), ("gcp", True), ("azure", True)])  # fmt: skip
def test_a_faker_stream_runs_a_generator_wherever_it_is_deployed(tmp_path: Path, cloud: str, kubernetes: bool) -> None:
    # each cloud's Terraform root runs the stream generators beside its managed Kafka; under deploy.kubernetes the
    # kustomize base runs them beside Strimzi (and Terraform none): plan/stream_generators.py `generator_host`
    files, host = _playground_on(cloud, tmp_path, kubernetes)
    assert host == (GeneratorHost.KUBERNETES if kubernetes else GeneratorHost.CLOUD)
    assert ("terraform/modules/platform/generators.tf" in files) is not kubernetes
    k8s = files.get("k8s/base/workloads.yaml", "")
    assert ("pipeline.stream_generator" in k8s) is kubernetes


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


def test_the_generators_docs_name_a_streamed_table_whose_name_is_no_identifier_without_crashing(
    tmp_path: Path,
) -> None:
    # long run seed 20261218 spec 8 (class 52): a streamed table named `WITH` made `generate` crash in the
    # terraform docs (`Ident` over `<source>__WITH`); the docs now write each name as a code span
    files, _ = _playground_on("azure", tmp_path / "ok")
    text = (REPO / "specs/azure_playground.yaml").read_text()
    assert text.count("- name: page_views\n") == 1
    (tmp_path / "spec.yaml").write_text(
        text.replace("- name: page_views\n", "- name: WITH\n").replace("from: page_views", "from: WITH")
    )
    ready = prepare(tmp_path / "spec.yaml")
    assert not [d for d in ready.diagnostics if d.severity == "error"], ready.diagnostics
    docs = str(render_tree(ready.spec, ready.plan)["docs/terraform.md"])
    assert "| `clickstream__WITH` |" in docs, docs[docs.find("The data generators") :][:800]
    assert "| `clickstream__page_views` |" in files["docs/terraform.md"]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_on_databricks_extract_load_lands_where_the_bundle_reads_and_only_its_identity_writes_there(
    hcl_python: Path, checkov_python: Path, tmp_path: Path, cloud: str
) -> None:
    """Issue 21 (plan/spark_landing.py): the Spark job on Databricks, deployed with Terraform and Kubernetes. Per
    environment the bundle's `landing_root`, the batch pod's PIPEGEN_LANDING_ROOT (the overlay's literal, where
    extract-load runs) and plan/cloudnames.py `landing_root` are one URL: the landing bucket Terraform creates
    (aws, gcp) or the `landing` container of the environment's storage account (azure), whose root the output
    `spark_landing_root` is; extract-load's identity (`ingest`, and the batch pod's, which holds its grants)
    writes it, no other identity does. The root passes the provider schema and checkov beyond the reasoned skips."""
    text = (REPO / "specs/spark_lakehouse.yaml").read_text()
    assert text.count("cloud: aws") == 1 and "\ndeploy:" not in text
    text = text.replace("cloud: aws", f"cloud: {cloud}") + "\ndeploy:\n  terraform: {enabled: true}\n"
    (tmp_path / "spec.yaml").write_text(text + "  kubernetes: {enabled: true}\n")
    ready = prepare(tmp_path / "spec.yaml")
    assert not [d for d in ready.diagnostics if d.code in ("R493", "R500")]
    files = {k: str(v) for k, v in render_tree(ready.spec, ready.plan).items()}
    root = write_terraform(files, tmp_path / "out")
    parsed = parse_dir(hcl_python, root)
    problems, checked = schema_problems({p: d for p, d in parsed.items() if p.endswith(".tf")}, schemas())
    assert problems == [] and checked > 10
    report = run_checkov(checkov_python, tmp_path / "out", tmp_path / "home")
    assert [f"{f['check_id']} {f['resource']}" for f in report["results"]["failed_checks"]] == []
    docs = {p.split("/terraform/", 1)[1]: d for p, d in parsed.items()}
    bundle = yaml.safe_load(files["databricks.yml"])
    for env in ("dev", "staging", "prod"):
        url = landing_root(ready.spec, env)
        assert url and bundle["targets"][env]["variables"]["landing_root"] == url
        assert f'- "PIPEGEN_LANDING_ROOT={url}"' in files[f"k8s/overlays/{env}/kustomization.yaml"]
        tfvars = docs[f"envs/{env}/terraform.tfvars"]
        expected = (f"abfss://landing@{tfvars['storage_account']}.dfs.core.windows.net" if cloud == "azure"
                    else f"{'s3' if cloud == 'aws' else 'gs'}://{tfvars['landing_bucket']}")  # fmt: skip
        assert url == expected
        assert _blocks(docs[f"envs/{env}/outputs.tf"], "output")["spark_landing_root"]["value"] == (
            "${module.platform.spark_landing_root}"
        )
    assert (
        "export PIPEGEN_LANDING_ROOT=$(terraform -chdir=terraform/envs/<env> output -raw spark_landing_root)"
        in (files["docs/terraform.md"])
    )
    if cloud == "aws":
        writers = {name for name, policy in _policies(docs).items() for st in policy["statement"]
                   if any("aws_s3_bucket.landing." in r for r in st.get("resources", []))
                   and "s3:PutObject" in st["actions"]}  # fmt: skip
        assert writers == {"ingest"}  # the batch pod's role: the ingest policy attached (no policy of its own)
        attached = _resources(docs["modules/platform/iam.tf"], "aws_iam_role_policy_attachment")
        assert attached["batch_ingest"]["policy_arn"] == "${aws_iam_policy.ingest.arn}"
    elif cloud == "gcp":
        grants = _blocks(docs["modules/platform/identities.tf"], "locals")["bucket_grants"]
        writers = {g["workload"] for g in grants.values() if g["bucket"] == "${google_storage_bucket.landing.name}"}
        assert writers == {"ingest", "batch"}
    else:
        grants = _blocks(docs["modules/platform/identities.tf"], "locals")["grants"]
        landing = '${azurerm_storage_container.layer["landing"].id}'
        assert {g["workload"] for g in grants.values() if g["scope"] == landing} == {"ingest", "batch"}
        containers = _resources(docs["modules/platform/storage.tf"], "azurerm_storage_container")["layer"]
        assert "landing" in containers["for_each"]
