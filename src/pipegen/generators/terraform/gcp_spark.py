"""The Spark job's identity on GCP where it runs on Dataproc Serverless (the spark family's
`spark/dataproc/<step>.json`, whose `environmentConfig.executionConfig.serviceAccount` is
`${DATAPROC_SERVICE_ACCOUNT}`): a service account of its own (`<prefix>-spark`, the naming layer's
`identity("spark")`), never the project's default compute account (Editor on the whole project), with
exactly what the generated job needs, and its e-mail as the output `dataproc_service_account` (each
root's too), the value the deploy step substitutes; `spark_lake_root` is PIPEGEN_LAKE_ROOT.

What the job touches (templates/spark/medallion/): the lake root in the environment's lake bucket (its
layers, `_pipegen_batches`), read only the jobs bucket (its files) and the landing bucket (`spark_landing_root`:
the raw batches extract-load lands, plan/cloudnames.py `landing_root`), the checkpoints bucket
where it streams (`--checkpoint-root`), both with the project's key; where it streams, the Managed Kafka
cluster (`roles/managedkafka.client` on the project: google 6.50 has no IAM resource on one cluster; the stream
signs in with OAUTHBEARER as this account, common.spark_stream `managed_kafka_oauth`);
the spec secrets the job's code reads (common.spark_secrets: the lake
target's Iceberg catalog token, an Event Hubs login of its stream), each `roles/secretmanager.secretAccessor` on
that secret alone: the batches read them through Dataproc's Secret Manager credential provider (`dataproc_project`,
`spark_secret_<name>`: the secret ids the batches name). Dataproc
Serverless requires `roles/dataproc.worker` of the batch's service account (its driver and executors report to
the service). The job writes no BigQuery dataset."""

from __future__ import annotations

from pipegen.generators.terraform.common import lands, regex_var, secret_output, spark_secrets
from pipegen.generators.terraform.hcl import Attr, Block, Ref, block, quote
from pipegen.generators.terraform.model import Infra, Output, Var
from pipegen.plan.components import Kind
from pipegen.plan.infra_findings import SPARK_JOBS
from pipegen.plan.names import ENV

OBJECTS = "roles/storage.objectUser"  # a bucket's objects, nothing more (gcp.py WRITE)
READ = "roles/storage.objectViewer"  # the job's files: read only
ACCOUNT_RE = "^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
MEMBER = Ref('"serviceAccount:${google_service_account.spark.email}"')


def on_dataproc(inf: Infra) -> bool:
    """The Spark job runs and not on Databricks: the spark family writes Dataproc Serverless batches."""
    kinds = inf.ctx.plan.graph.kinds
    return bool(kinds & SPARK_JOBS) and Kind.DATABRICKS_JOBS not in kinds


def streams(inf: Infra) -> bool:
    return Kind.SPARK_STREAMING in inf.ctx.plan.graph.kinds


def landing_bucket(inf: Infra) -> bool:
    """Terraform creates the landing bucket (PIPEGEN_LANDING_ROOT): the Spark job on Dataproc Serverless reads it
    (`--landing-root`), and so does the Databricks job cluster where extract-load lands batches (the bundle's
    `landing_root` names it: plan/cloudnames.py `landing_root`)."""
    return on_dataproc(inf) or lands(inf)


def variables(inf: Infra, bucket_re: str) -> tuple[Var, ...]:
    landing = (
        (
            regex_var(
                "landing_bucket",
                "GCS bucket the raw batches land in (PIPEGEN_LANDING_ROOT): extract-load "
                "writes it, the Spark job reads it.",
                bucket_re,
                "landing_bucket: 3-63 lowercase letters, digits, _ . -.",
            ),
        )
        if landing_bucket(inf)
        else ()
    )
    if not on_dataproc(inf):
        return landing
    message = "spark_account: a service account id of 6-30 lowercase letters, digits and -."
    return (regex_var("spark_account", "Service account id of the Spark job's Dataproc Serverless batches.",
                      ACCOUNT_RE, message),
            regex_var("jobs_bucket", "GCS bucket of the Spark job's files (PIPEGEN_JOB_ROOT): never expired.",
                      bucket_re, "jobs_bucket: 3-63 lowercase letters, digits, _ . -."),
            *landing)  # fmt: skip


def identity(inf: Infra) -> tuple[Block, ...]:
    if not on_dataproc(inf):
        return ()
    buckets = ["lake", *(["checkpoints"] if streams(inf) else [])]
    each = ", ".join(f"{b} = google_storage_bucket.{b}.name" for b in buckets)
    out = [
        block("resource", "google_service_account", "spark", body=[
            Attr("account_id", Ref("var.spark_account")),
            Attr("display_name", Ref('"${var.name_prefix} spark (Dataproc Serverless)"'))]),
        block("resource", "google_project_iam_member", "spark_dataproc_worker", body=[
            Attr("project", Ref("var.project")), Attr("role", "roles/dataproc.worker"), Attr("member", MEMBER)]),
        block("resource", "google_storage_bucket_iam_member", "spark", body=[
            Attr("for_each", Ref("{ " + each + " }")), Attr("bucket", Ref("each.value")),
            Attr("role", OBJECTS), Attr("member", MEMBER)]),
        block("resource", "google_storage_bucket_iam_member", "spark_jobs", body=[
            Attr("bucket", Ref("google_storage_bucket.jobs.name")), Attr("role", READ), Attr("member", MEMBER)]),
        block("resource", "google_storage_bucket_iam_member", "spark_landing", body=[  # bronze moves no batch
            Attr("bucket", Ref("google_storage_bucket.landing.name")), Attr("role", READ), Attr("member", MEMBER)]),
        block("resource", "google_kms_crypto_key_iam_member", "spark", body=[
            Attr("crypto_key_id", Ref("google_kms_crypto_key.data.id")),
            Attr("role", "roles/cloudkms.cryptoKeyEncrypterDecrypter"), Attr("member", MEMBER)]),
    ]  # fmt: skip
    if streams(inf) and inf.stream:
        out.append(block("resource", "google_project_iam_member", "spark_kafka", body=[
            Attr("project", Ref("var.project")), Attr("role", "roles/managedkafka.client"),
            Attr("member", MEMBER)]))  # fmt: skip
    if secrets := spark_secrets(inf):  # the spec secrets the job's code reads, the job's own to read
        keys = ", ".join(quote(s) for s in secrets)
        out.append(block("resource", "google_secret_manager_secret_iam_member", "spark", body=[
            Attr("for_each", Ref(f"toset([{keys}])")),
            Attr("secret_id", Ref("google_secret_manager_secret.spec[each.value].id")),
            Attr("role", "roles/secretmanager.secretAccessor"), Attr("member", MEMBER)]))  # fmt: skip
    return tuple(out)


def landing_output(inf: Infra) -> tuple[Output, ...]:
    """`spark_landing_root` (PIPEGEN_LANDING_ROOT of extract-load, the Dataproc batches' `--landing-root`, the
    Databricks bundle's `landing_root`) where Terraform creates the landing bucket."""
    if not landing_bucket(inf):
        return ()
    reader = "the Spark job's service account reads" if on_dataproc(inf) else "the Databricks job cluster reads"
    writer = "extract-load writes and " if lands(inf) else ""
    return (
        Output(
            "spark_landing_root",
            '"gs://${google_storage_bucket.landing.name}"',
            f"Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing bucket {writer}{reader}.",
        ),
    )


def outputs(inf: Infra) -> tuple[Output, ...]:
    if not on_dataproc(inf):
        return landing_output(inf)
    return (
        Output("dataproc_service_account", "google_service_account.spark.email",
               "The Spark job's service account: DATAPROC_SERVICE_ACCOUNT of spark/dataproc/*.json."),
        Output("spark_lake_root", '"gs://${google_storage_bucket.lake.name}"',
               "The Spark job's lake root (PIPEGEN_LAKE_ROOT): the lake bucket its service account writes."),
        Output("spark_job_root", '"gs://${google_storage_bucket.jobs.name}"',
               "Where the Spark job's files go (PIPEGEN_JOB_ROOT): the jobs bucket its service account reads."),
        *landing_output(inf),
        *secret_outputs(inf),
    )  # fmt: skip


def landing_writers(inf: Infra) -> tuple[str, ...]:
    """The workloads that land raw batches in the landing bucket: extract-load (`ingest`) where it lands any
    (plan/spark_landing.py; the batch pod's identity holds the same grant: common.pod_grants)."""
    return ("ingest",) if landing_bucket(inf) and lands(inf) else ()


def secret_outputs(inf: Infra) -> tuple[Output, ...]:
    """Where the spec secrets the job reads are (the batches' Secret Manager credential provider): the project
    (DATAPROC_PROJECT of `gsm://projects/<project>`) and each secret's id, the alias the batches name as
    `${PIPEGEN_SECRET_<NAME>_ID}` (the docs' export lines); names, not values."""
    secrets = spark_secrets(inf)
    if not secrets:
        return ()
    project = Output("dataproc_project", "var.project",
                     "The project of the batches' Secret Manager credential provider: DATAPROC_PROJECT.")  # fmt: skip
    return (project, *(Output(secret_output(s), f"google_secret_manager_secret.spec[{quote(s)}].secret_id",
                              f"Secret Manager secret id of {s}: {ENV.secret_id(s)} of spark/dataproc/*.json.")
                       for s in secrets))  # fmt: skip
