"""Submit configurations for the Spark job on the other clouds, serverless by default (no
cluster left running): AWS, an EMR Serverless StartJobRun request per run step
(`aws emr-serverless start-job-run --cli-input-json file://...`); GCP, a Dataproc Serverless
Batch per run step (`gcloud dataproc batches submit`, or the REST `batches.create` body).
Executors from the plan's capacity figures (common.spark_sizing), small ones. Account-specific
values (application id, role, bucket, service account) are `${VAR}` placeholders the deploy
step substitutes (pipeline/envsubst.py's syntax). The stream step has one request per deployment
environment, `stream-<env>.json`: its checkpoints in that environment's checkpoints bucket (the
naming layer's, the bucket Terraform creates for it: plan/cloudnames.py)."""

from __future__ import annotations

from typing import Any

from pipegen.common.spark_sizing import max_workers
from pipegen.common.spark_stream import (
    MANAGED_KAFKA_AUTH,
    MANAGED_KAFKA_AUTH_EXCLUDES,
    MSK_IAM_AUTH,
    job_secrets,
    managed_kafka_oauth,
    msk_iam,
    reads_pipeline_cluster,
    stream_env,
)
from pipegen.generators.base import GenContext
from pipegen.plan.cloudnames import cloud_names, environments, spark_checkpoint_root
from pipegen.plan.names import ENV

DATAPROC_RUNTIME = "2.2"  # Dataproc Serverless runtime 2.2 LTS (Spark 3.5, Java 17, Python 3.12)
ROOTS = ["--lake-root", "${PIPEGEN_LAKE_ROOT}", "--landing-root", "${PIPEGEN_LANDING_ROOT}"]
STEPS = {"bronze_silver": ["bronze", "silver"], "gold": ["gold"], "maintain": ["maintain"]}


# The stream step (where Spark streams): the Kafka source's connector package for the runtime's
# Spark and Scala (`${SPARK_KAFKA_PACKAGE}`, e.g. org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.2 on
# EMR's emr-spark-8.0.0, _2.13:3.5.x on Dataproc runtime 2.2) and the brokers, as driver environment
STREAM_ENV = ("KAFKA_BOOTSTRAP_SERVERS",)
DATAPROC_MAX_TTL = "1209600s"  # 14 days, a batch's longest run: resubmit; the checkpoint resumes it
# Dataproc's Secret Manager credential provider (runtime 2.2.29+: the `2.2` line's current release), which
# resolves a Hadoop credential alias as a Secret Manager secret id of the project; the job's secret() asks it
# for the alias the property SECRET_ALIAS + <NAME> gives (templates/spark/medallion/job.py, the same prefix)
CREDENTIAL_PROVIDER = "spark.hadoop.hadoop.security.credential.provider.path"
DATAPROC_PROJECT = "${DATAPROC_PROJECT}"
SECRET_ALIAS = "spark.pipegen.secret."


def steps(gold: bool, batch: bool = True) -> dict[str, list[str]]:
    """The batch run steps: the batch layers where Spark is the batch engine (gold where it builds a
    mart), maintenance always (the stream's, one per environment: `requests`)."""
    return {k: v for k, v in STEPS.items() if (gold or k != "gold") and (batch or k == "maintain")}


def driver_env(ctx: GenContext, referenced: tuple[str, ...] = ()) -> dict[str, str]:
    """The stream step's driver environment: the brokers and what common.spark_stream says the
    stream layer reads (an Event Hubs login), each a `${VAR}` the deploy step substitutes; not the
    `referenced` secrets (common.spark_stream `job_secrets`: secret_conf on EMR, secret_provider on
    Dataproc deliver them from the secret store). No TLS store: on AWS and GCP the project's cluster
    (MSK, Managed Kafka) signs the job in as its cloud identity (common.spark_stream `keyless`)."""
    names = [*STREAM_ENV, *(name for name, _ in stream_env(ctx.spec, ctx.plan.names) if name not in referenced)]
    return {name: f"${{{name}}}" for name in dict.fromkeys(names)}


def shipped_files(ctx: GenContext) -> list[str]:
    """What a run step ships to the driver's and every executor's working directory (spark.files):
    the job's data (medallion.json); the stream's Kafka source opens no file (keyless, driver_env)."""
    return [f"${{{ENV.job_root}}}/spark/medallion.json"]


def stream_packages(ctx: GenContext) -> list[str]:
    """The stream step's Maven packages: the Kafka source's, and where it reads the project's cluster the login
    the job's Kafka options name: on MSK (IAM authentication only) aws-msk-iam-auth (AWS_MSK_IAM), on Managed
    Kafka Google's login handler (OAUTHBEARER with the batch's service account)."""
    if not reads_pipeline_cluster(ctx.spec, ctx.plan.names):
        return ["${SPARK_KAFKA_PACKAGE}"]
    login = [MSK_IAM_AUTH] if msk_iam(ctx.spec) else [MANAGED_KAFKA_AUTH] if managed_kafka_oauth(ctx.spec) else []
    return ["${SPARK_KAFKA_PACKAGE}", *login]


def secret_conf(ctx: GenContext, step: str) -> list[dict[str, Any]]:
    """EMR Serverless's Secrets Manager integration: a `spark-defaults` property whose value is
    `EMR.secret@<secret id>` is resolved from Secrets Manager when the job runs, with the execution role
    (docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/secrets-manager.html): each secret the step's
    job reads (common.spark_stream `job_secrets`) reaches its driver's environment under its own name, the
    request holding only the entry's name (`${PIPEGEN_SECRET_<NAME>_ID}`, the Terraform output
    `spark_secret_<name>` of the environment)."""
    env = {f"spark.emr-serverless.driverEnv.{name}": f"EMR.secret@${{{ENV.secret_id(name)}}}"
           for name in job_secrets(ctx.spec, ctx.plan, step == "stream")}  # fmt: skip
    return [{"classification": "spark-defaults", "properties": env}] if env else []


def emr_run(ctx: GenContext, step: str, layers: list[str], env: str | None = None) -> dict[str, Any]:
    """StartJobRun's input (botocore's emr-serverless model) for one run step (the stream's: of `env`)."""
    executors = max_workers(ctx.plan)
    conf = [f"--conf spark.executor.instances={executors}", "--conf spark.executor.cores=2",
            "--conf spark.executor.memory=4g", "--conf spark.sql.session.timeZone=UTC",
            "--files " + ",".join(shipped_files(ctx))]  # fmt: skip
    if step == "stream":
        conf += ["--packages " + ",".join(stream_packages(ctx)),
                 *[f"--conf spark.emr-serverless.driverEnv.{k}={v}"
                   for k, v in driver_env(ctx, job_secrets(ctx.spec, ctx.plan)).items()]]  # fmt: skip
    run = {
        "applicationId": "${EMR_APPLICATION_ID}",
        "executionRoleArn": "${EMR_EXECUTION_ROLE_ARN}",
        "name": f"{ctx.plan.names.pipeline}_{step}" + (f"_{environment(ctx, env)}" if env else ""),
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": f"${{{ENV.job_root}}}/spark/medallion.py",
                "entryPointArguments": [*layers, *ROOTS, *checkpoint_args(ctx, env)],
                "sparkSubmitParameters": " ".join(conf),
            }
        },
        "executionTimeoutMinutes": 240,
        "tags": {"pipeline": str(ctx.plan.names.pipeline), **({"environment": environment(ctx, env)} if env else {})},
    }
    if secrets := secret_conf(ctx, step):
        run["configurationOverrides"] = {"applicationConfiguration": secrets}
    if step != "stream":
        return run
    # a streaming job run: no timeout, restarted on failure (at most 5 failed attempts an hour)
    del run["executionTimeoutMinutes"]
    return run | {"mode": "STREAMING", "retryPolicy": {"maxFailedAttemptsPerHour": 5}}


def dataproc_batch(ctx: GenContext, step: str, layers: list[str], env: str | None = None) -> dict[str, Any]:
    """A Dataproc Serverless Batch (google.cloud.dataproc_v1.Batch, JSON field names)."""
    executors = max_workers(ctx.plan)
    properties = {
        "spark.executor.instances": str(max(2, executors)),  # Dataproc Serverless runs at least 2
        "spark.executor.cores": "4",
        "spark.dynamicAllocation.maxExecutors": str(max(2, executors)),
        "spark.sql.session.timeZone": "UTC",
    }
    properties |= secret_provider(ctx, step)
    execution = {"serviceAccount": "${DATAPROC_SERVICE_ACCOUNT}"}
    batch = {
        "pysparkBatch": {
            "mainPythonFileUri": f"${{{ENV.job_root}}}/spark/medallion.py",
            "args": [*layers, *ROOTS, *checkpoint_args(ctx, env)],
            "fileUris": shipped_files(ctx),
        },
        "runtimeConfig": {
            "version": DATAPROC_RUNTIME,
            "properties": properties,
        },
        "environmentConfig": {"executionConfig": execution},
        "labels": {
            "pipeline": str(ctx.plan.names.pipeline).replace("_", "-")[:63],
            "step": step.replace("_", "-"),
            **({"environment": environment(ctx, env)} if env else {}),
        },
    }
    if step == "stream":  # a batch that runs until its TTL: the Kafka package, the brokers, the longest TTL
        properties["spark.jars.packages"] = ",".join(stream_packages(ctx))
        if MANAGED_KAFKA_AUTH in stream_packages(ctx):  # its pom's dependency outside Maven Central, unused by it
            properties["spark.jars.excludes"] = MANAGED_KAFKA_AUTH_EXCLUDES
        referenced = job_secrets(ctx.spec, ctx.plan)  # secret_provider's, never a `${NAME}` of the environment
        properties.update({f"spark.dataproc.driverEnv.{k}": v for k, v in driver_env(ctx, referenced).items()})
        execution["ttl"] = DATAPROC_MAX_TTL
    return batch


def secret_provider(ctx: GenContext, step: str) -> dict[str, str]:
    """Dataproc Serverless's Secret Manager credential provider (cloud.google.com/dataproc-serverless/docs/
    guides/hadoop-google-secret-manager-credential-provider): the Hadoop credential provider path
    `gsm://projects/<project>` (`${DATAPROC_PROJECT}`, the Terraform output `dataproc_project`) and, per
    secret the step's job reads (common.spark_stream `job_secrets`: the spec's, the Kafka cluster's TLS store
    passwords), the property `spark.pipegen.secret.<NAME>` naming its Secret Manager secret
    (`${PIPEGEN_SECRET_<NAME>_ID}`, the output `spark_secret_<name>`), which the job reads through Hadoop's
    `Configuration.getPassword` with the batch's service account: a name in the request, never a value."""
    secrets = job_secrets(ctx.spec, ctx.plan, step == "stream")
    if not secrets:
        return {}
    aliases = {f"{SECRET_ALIAS}{name}": f"${{{ENV.secret_id(name)}}}" for name in secrets}
    return {CREDENTIAL_PROVIDER: f"gsm://projects/{DATAPROC_PROJECT}", **aliases}


def environment(ctx: GenContext, env: str) -> str:
    """An environment as the naming layer writes it in resource names (a DNS label)."""
    return str(cloud_names(ctx.spec, env, []).environment)


def checkpoint_args(ctx: GenContext, env: str | None) -> list[str]:
    """The stream step's checkpoints: `env`'s checkpoints bucket (none for a batch step)."""
    return ["--checkpoint-root", spark_checkpoint_root(ctx.spec, env)] if env else []


def requests(ctx: GenContext, gold: bool, streaming: bool, batch: bool) -> dict[str, tuple[str, list[str], str | None]]:
    """File stem -> (step, layers, environment): the batch steps once, the stream once per environment."""
    out: dict[str, tuple[str, list[str], str | None]] = {k: (k, v, None) for k, v in steps(gold, batch).items()}
    if streaming:
        out |= {f"stream-{environment(ctx, env)}": ("stream", ["stream"], env) for env in environments(ctx.spec)}
    return out


def submit_files(ctx: GenContext, gold: bool, streaming: bool = False, batch: bool = True) -> dict[str, dict[str, Any]]:
    """Relative path -> request body, for the spec's cloud (none for azure and local); with
    `streaming` (Spark streams) a `stream-<env>` step per environment too: EMR Serverless STREAMING
    mode, a Dataproc batch with the longest TTL."""
    cloud = ctx.spec.cloud.value
    wanted = requests(ctx, gold, streaming, batch)
    if cloud == "aws":
        return {f"spark/emr-serverless/{k}.json": emr_run(ctx, *v) for k, v in wanted.items()}
    if cloud == "gcp":
        return {f"spark/dataproc/{k}.json": dataproc_batch(ctx, *v) for k, v in wanted.items()}
    return {}
