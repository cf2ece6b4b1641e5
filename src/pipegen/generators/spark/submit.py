"""Submit configurations for the Spark job on the other clouds, serverless by default (no
cluster left running): AWS, an EMR Serverless StartJobRun request per run step
(`aws emr-serverless start-job-run --cli-input-json file://...`); GCP, a Dataproc Serverless
Batch per run step (`gcloud dataproc batches submit`, or the REST `batches.create` body).
Executors from the plan's capacity figures (common.spark_sizing), small ones. Account-specific
values (application id, role, bucket, service account) are `${VAR}` placeholders the deploy
step substitutes (pipeline/envsubst.py's syntax)."""

from __future__ import annotations

from typing import Any

from pipegen.common.spark_sizing import max_workers
from pipegen.generators.base import GenContext

DATAPROC_RUNTIME = "2.2"  # Dataproc Serverless runtime 2.2 LTS (Spark 3.5, Java 17, Python 3.12)
ROOTS = ["--lake-root", "${PIPEGEN_LAKE_ROOT}", "--landing-root", "${PIPEGEN_LANDING_ROOT}"]
STEPS = {"bronze_silver": ["bronze", "silver"], "gold": ["gold"], "maintain": ["maintain"]}


def steps(gold: bool) -> dict[str, list[str]]:
    return {k: v for k, v in STEPS.items() if gold or k != "gold"}


def emr_run(ctx: GenContext, step: str, layers: list[str]) -> dict[str, Any]:
    """StartJobRun's input (botocore's emr-serverless model) for one run step."""
    executors = max_workers(ctx.plan)
    conf = [f"--conf spark.executor.instances={executors}", "--conf spark.executor.cores=2",
            "--conf spark.executor.memory=4g", "--conf spark.sql.session.timeZone=UTC",
            "--files ${PIPEGEN_JOB_ROOT}/spark/medallion.json"]  # fmt: skip
    return {
        "applicationId": "${EMR_APPLICATION_ID}",
        "executionRoleArn": "${EMR_EXECUTION_ROLE_ARN}",
        "name": f"{ctx.plan.names.pipeline}_{step}",
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": "${PIPEGEN_JOB_ROOT}/spark/medallion.py",
                "entryPointArguments": [*layers, *ROOTS],
                "sparkSubmitParameters": " ".join(conf),
            }
        },
        "executionTimeoutMinutes": 240,
        "tags": {"pipeline": str(ctx.plan.names.pipeline)},
    }


def dataproc_batch(ctx: GenContext, step: str, layers: list[str]) -> dict[str, Any]:
    """A Dataproc Serverless Batch (google.cloud.dataproc_v1.Batch, JSON field names)."""
    executors = max_workers(ctx.plan)
    return {
        "pysparkBatch": {
            "mainPythonFileUri": "${PIPEGEN_JOB_ROOT}/spark/medallion.py",
            "args": [*layers, *ROOTS],
            "fileUris": ["${PIPEGEN_JOB_ROOT}/spark/medallion.json"],
        },
        "runtimeConfig": {
            "version": DATAPROC_RUNTIME,
            "properties": {
                "spark.executor.instances": str(max(2, executors)),  # Dataproc Serverless runs at least 2
                "spark.executor.cores": "4",
                "spark.dynamicAllocation.maxExecutors": str(max(2, executors)),
                "spark.sql.session.timeZone": "UTC",
            },
        },
        "environmentConfig": {"executionConfig": {"serviceAccount": "${DATAPROC_SERVICE_ACCOUNT}"}},
        "labels": {"pipeline": str(ctx.plan.names.pipeline).replace("_", "-")[:63], "step": step.replace("_", "-")},
    }


def submit_files(ctx: GenContext, gold: bool) -> dict[str, dict[str, Any]]:
    """Relative path -> request body, for the spec's cloud (none for azure and local)."""
    cloud = ctx.spec.cloud.value
    if cloud == "aws":
        return {f"spark/emr-serverless/{k}.json": emr_run(ctx, k, v) for k, v in steps(gold).items()}
    if cloud == "gcp":
        return {f"spark/dataproc/{k}.json": dataproc_batch(ctx, k, v) for k, v in steps(gold).items()}
    return {}
