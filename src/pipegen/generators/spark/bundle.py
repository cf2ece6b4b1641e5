"""databricks.yml: a Databricks Asset Bundle running the Spark job (spark/medallion.py) as two
jobs, the medallion run (bronze + silver, then gold) and the lake maintenance, each on a job
cluster sized from the plan's capacity figures with cheap defaults (autoscaling from one
worker, a small general-purpose node of the cloud). Pure data, emitted by render/yamldoc."""

from __future__ import annotations

import math
from typing import Any

from pipegen.generators.base import GenContext

GIB = 1024**3
SPARK_VERSION = "16.4.x-scala2.12"  # Databricks Runtime 16.4 LTS (Spark 3.5 + Delta), the current LTS line
NODE_TYPES = {"aws": "m5d.large", "azure": "Standard_D4ds_v5", "gcp": "n2-standard-4", "local": "m5d.large"}
GIB_PER_WORKER_RUN = 32  # stored bytes a day one small worker merges comfortably within a run
MAX_WORKERS = 8
JOB_PATH = "./spark/medallion.py"


def max_workers(ctx: GenContext) -> int:
    """ceil(stored bytes a day ÷ 32 GiB), between 1 and 8."""
    stored = sum(t.stored_bytes_per_day for t in ctx.plan.capacity.tables)
    return max(1, min(MAX_WORKERS, math.ceil(stored / (GIB_PER_WORKER_RUN * GIB))))


def cluster(ctx: GenContext) -> dict[str, Any]:
    return {
        "job_cluster_key": "medallion",
        "new_cluster": {
            "spark_version": SPARK_VERSION,
            "node_type_id": NODE_TYPES[ctx.spec.cloud.value],
            "autoscale": {"min_workers": 1, "max_workers": max_workers(ctx)},
            "spark_conf": {"spark.sql.session.timeZone": "UTC"},
            "spark_env_vars": {"PIPEGEN_LAKE_ROOT": "${var.lake_root}", "PIPEGEN_LANDING_ROOT": "${var.landing_root}"},
        },
    }


def task(key: str, layers: list[str], after: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"task_key": key}
    if after:
        out["depends_on"] = [{"task_key": after}]
    out["job_cluster_key"] = "medallion"
    out["spark_python_task"] = {"python_file": JOB_PATH, "parameters": layers}
    out["max_retries"] = 2
    out["min_retry_interval_millis"] = 120_000
    return out


def stream_job(ctx: GenContext) -> dict[str, Any]:
    """The Structured Streaming job: continuous (Databricks restarts it when it stops), no retries
    of its own (the continuous trigger is the retry), its micro-batches land every minute."""
    pipeline = str(ctx.plan.names.pipeline)
    task_ = {"task_key": "stream", "job_cluster_key": "medallion",
             "spark_python_task": {"python_file": JOB_PATH, "parameters": ["stream"]}}  # fmt: skip
    return {"name": f"{pipeline} stream", "max_concurrent_runs": 1, "tags": {"pipeline": pipeline},
            "continuous": {"pause_status": "UNPAUSED"}, "job_clusters": [cluster(ctx)], "tasks": [task_]}  # fmt: skip


def jobs(ctx: GenContext, gold: bool, streaming: bool = False) -> dict[str, dict[str, Any]]:
    """Job key -> the job, as the bundle's `resources.jobs` holds it (Job.from_dict loads each)."""
    pipeline = str(ctx.plan.names.pipeline)
    medallion = [task("bronze_silver", ["bronze", "silver"])]
    if gold:
        medallion.append(task("gold", ["gold"], after="bronze_silver"))
    common = {"max_concurrent_runs": 1, "timeout_seconds": 4 * 3600, "tags": {"pipeline": pipeline}}
    out = {
        f"{pipeline}_medallion": {"name": f"{pipeline} medallion", **common, "job_clusters": [cluster(ctx)],
                                  "tasks": medallion},
        f"{pipeline}_lake_maintenance": {"name": f"{pipeline} lake maintenance", **common,
                                         "job_clusters": [cluster(ctx)],
                                         "tasks": [task("maintain", ["maintain"])]},
    }  # fmt: skip
    return out | ({f"{pipeline}_stream": stream_job(ctx)} if streaming else {})


def bundle(ctx: GenContext, gold: bool, streaming: bool = False) -> dict[str, Any]:
    pipeline = str(ctx.plan.names.pipeline)
    return {
        "bundle": {"name": pipeline},
        "variables": {
            "lake_root": {"description": "Where the lake layers live (abfss://, s3://, gs:// or a volume)."},
            "landing_root": {"description": "Where the raw batches land (data/landing/<source>/<table>/)."},
        },
        "resources": {"jobs": jobs(ctx, gold, streaming)},
        "targets": {
            "dev": {"mode": "development", "default": True},
            "prod": {"mode": "production"},
        },
    }
