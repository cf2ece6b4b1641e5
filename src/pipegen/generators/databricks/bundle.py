"""databricks.yml: the Databricks Asset Bundle of a plan whose compute is Databricks. Jobs by
what the plan runs there:
- the Spark job (spark/medallion.py, the spark family's) where the batch engine is Spark: the
  medallion run (bronze + silver, then gold) and the lake maintenance;
- its stream layer where the stream engine is Spark: a continuous job;
- where the batch engine is dbt, a dbt job: a dbt task over the dbt project (`dbt deps`,
  `dbt build`) on a SQL warehouse, its catalog and schema from the spec's Databricks target
  (Databricks writes the dbt profile), or, for another warehouse, the project's own profile.
Spark jobs run on job clusters sized from the plan's capacity figures with cheap defaults
(autoscaling from one worker, a small general-purpose node of the cloud); the dbt CLI on
serverless compute with the dbt project's requirements file. One bundle target per deployment
environment (the first the default, in development mode; the others deployed once each under a shared
root, the last in production mode, those between with their environment's name prefix); each sets the
lake's roots to its environment's lake bucket (Azure: each layer's container), where extract-load lands batches
the landing root to its environment's landing bucket (Azure: container; plan/spark_landing.py) and, where Spark streams,
the stream's checkpoints to its environment's checkpoints bucket (the naming layer's, what Terraform
creates for it). Pure data, emitted by render/yamldoc."""

from __future__ import annotations

from typing import Any

from pipegen.common.spark_sizing import max_workers
from pipegen.common.spark_stream import job_secrets, shipped_stores, store_secrets, stream_env
from pipegen.generators.base import GenContext
from pipegen.plan.cloudnames import cloud_names, environments, lake_roots, landing_root, spark_checkpoint_root
from pipegen.plan.components import Kind
from pipegen.plan.layers import spark_gold_gap
from pipegen.plan.names import ENV, snake
from pipegen.plan.spark_landing import landed_sources
from pipegen.safe import Ident
from pipegen.spec import catalog
from pipegen.spec.index import index_of
from pipegen.spec.model import Cloud, Materialization, Target, TargetType
from pipegen.spec.types import ANY_REF_RE

SPARK_VERSION = "16.4.x-scala2.12"  # Databricks Runtime 16.4 LTS (Spark 3.5 + Delta), the current LTS line
NODE_TYPES = {"aws": "m5d.large", "azure": "Standard_D4ds_v5", "gcp": "n2-standard-4", "local": "m5d.large"}
JOB_PATH = "./spark/medallion.py"  # the spark family's job
DBT_DIR = "./dbt"  # the dbt family's project
SERVERLESS_ENV = "2"  # serverless environment version of the dbt CLI
DEFAULT_SCHEMA = "analytics"  # as the dbt family's profiles


SECRET_SCOPE = "secret_scope"  # the bundle variable naming the secret scope the jobs read their secrets from


def secret_keys(ctx: GenContext) -> dict[str, str]:
    """Secret the Spark job's code reads (common.spark_stream `job_secrets`: its Iceberg catalog's token, an
    Event Hubs login of its stream, the project's Kafka cluster's TLS store passwords) -> the bundle variable
    holding its key in the scope."""
    return {s: f"{snake(s)}_secret_key" for s in job_secrets(ctx.spec, ctx.plan)}


def secret_env(ctx: GenContext, stream: bool) -> dict[str, str]:
    """Each secret the job reads (on the stream's cluster, also what its stream layer reads: common.spark_stream
    `job_secrets`), in its job cluster's environment under its own name as a Databricks secret reference
    (`{{secrets/<scope>/<key>}}`, resolved when the cluster starts): never a value."""
    read = set(job_secrets(ctx.spec, ctx.plan, stream))
    keys = {s: v for s, v in secret_keys(ctx).items() if s in read}
    return {s: f"{{{{secrets/${{var.{SECRET_SCOPE}}}/${{var.{v}}}}}}}" for s, v in keys.items()}


def secret_entries(ctx: GenContext, env: str) -> dict[str, str]:
    """Secret -> its entry in `env`'s secret store (the naming layer's over common.spark_stream
    `store_secrets`, the name Terraform gives the Key Vault secret; a Key Vault-backed scope's key is that name)."""
    every = list(store_secrets(ctx.spec, ctx.plan))
    return {s: str(n) for s, n in cloud_names(ctx.spec, env, every).secrets}


def stream_variables(ctx: GenContext) -> dict[str, bool]:
    """Bundle variable -> secret, of every value the stream layer reads beyond the bootstrap
    servers (common.spark_stream: an Event Hubs source's brokers; the project's cluster's TLS stores,
    files in one volume: `kafka_tls_root`); not a secret the job reads (an Event Hubs login, the stores'
    passwords: secret_env delivers each from the secret scope)."""
    env, stores = stream_env(ctx.spec, ctx.plan.names), shipped_stores(ctx.spec, ctx.plan.names)
    scoped = set(secret_keys(ctx))
    out = {name.lower(): secret for name, secret in env
           if name != "KAFKA_BOOTSTRAP_SERVERS" and name not in stores and name not in scoped}  # fmt: skip
    return out | ({ENV.kafka_tls_root.lower(): False} if stores else {})


def stream_cluster_env(ctx: GenContext) -> dict[str, str]:
    """The stream job cluster's environment beyond the roots: the brokers, each stream variable,
    and each TLS store's location, its file (Strimzi's name) in the `kafka_tls_root` volume, the
    place Databricks documents for Kafka's stores: one path the driver and every worker open."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": "${var.kafka_bootstrap_servers}"}
    env |= {var.upper(): f"${{var.{var}}}" for var in stream_variables(ctx) if var != ENV.kafka_tls_root.lower()}
    root = f"${{var.{ENV.kafka_tls_root.lower()}}}"
    return env | {name: f"{root}/{file}" for name, file in shipped_stores(ctx.spec, ctx.plan.names).items()}


def lake_variables(ctx: GenContext) -> dict[str, str]:
    """Environment variable -> the bundle variable of each lake root the jobs read: `lake_root`, and on
    Azure `lake_root_<layer>` (a container per layer), as cloudnames.lake_roots names them."""
    found = lake_roots(ctx.spec, environments(ctx.spec)[0])
    return {name: name.removeprefix("PIPEGEN_").lower() for name in (ENV.lake_root, *found)}


def cluster(ctx: GenContext, stream: bool = False) -> dict[str, Any]:
    env = {name: f"${{var.{var}}}" for name, var in lake_variables(ctx).items()}
    env["PIPEGEN_LANDING_ROOT"] = "${var.landing_root}"
    env |= secret_env(ctx, stream)  # every step reads the catalog's token, the stream its login too
    if stream:  # the stream layer reads each streamed table's topic, and logs in as stream_env says
        env |= stream_cluster_env(ctx)
        env["PIPEGEN_SPARK_CHECKPOINT_ROOT"] = "${var.checkpoint_root}"  # each target's (targets)
    return {
        "job_cluster_key": "medallion",
        "new_cluster": {
            "spark_version": SPARK_VERSION,
            "node_type_id": NODE_TYPES[ctx.spec.cloud.value],
            "autoscale": {"min_workers": 1, "max_workers": max_workers(ctx.plan)},
            "spark_conf": {"spark.sql.session.timeZone": "UTC"},
            "spark_env_vars": env,
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


def spark_gold(ctx: GenContext) -> bool:
    """Whether the Spark job's gold layer builds any mart (R403 names those it leaves to dbt)."""
    index = index_of(ctx.spec)
    marts = [m for m in ctx.spec.transforms.marts if m.materialized != Materialization.EPHEMERAL]
    return any(spark_gold_gap(m, index) is None for m in marts)


def spark_jobs(ctx: GenContext) -> dict[str, dict[str, Any]]:
    pipeline = str(ctx.plan.names.pipeline)
    medallion = [task("bronze_silver", ["bronze", "silver"])]
    if spark_gold(ctx):
        medallion.append(task("gold", ["gold"], after="bronze_silver"))
    common = {"max_concurrent_runs": 1, "timeout_seconds": 4 * 3600, "tags": {"pipeline": pipeline}}
    return {
        f"{pipeline}_medallion": {"name": f"{pipeline} medallion", **common, "job_clusters": [cluster(ctx)],
                                  "tasks": medallion},
        f"{pipeline}_lake_maintenance": {"name": f"{pipeline} lake maintenance", **common,
                                         "job_clusters": [cluster(ctx)],
                                         "tasks": [task("maintain", ["maintain"])]},
    }  # fmt: skip


def stream_job(ctx: GenContext) -> dict[str, Any]:
    """The Structured Streaming job: continuous (Databricks restarts it when it stops), no retries
    of its own (the continuous trigger is the retry), its micro-batches land every minute."""
    pipeline = str(ctx.plan.names.pipeline)
    task_ = {"task_key": "stream", "job_cluster_key": "medallion",
             "spark_python_task": {"python_file": JOB_PATH, "parameters": ["stream"]}}  # fmt: skip
    return {"name": f"{pipeline} stream", "max_concurrent_runs": 1, "tags": {"pipeline": pipeline},
            "continuous": {"pause_status": "UNPAUSED"}, "job_clusters": [cluster(ctx, stream=True)],
            "tasks": [task_]}  # fmt: skip


def dbt_target(ctx: GenContext) -> Target | None:
    """The warehouse the dbt job builds in: the spec's Databricks target, else its first target
    with a dbt adapter (None: dbt builds only in the local DuckDB file, no job)."""
    adapted = [t for t in ctx.spec.targets if (catalog.TARGET_SYSTEMS[t.type].dbt_adapter or "duckdb") != "duckdb"]
    return next((t for t in adapted if t.type == TargetType.DATABRICKS), adapted[0] if adapted else None)


def dbt_task(target: Target) -> dict[str, Any]:
    """A Databricks target: on the SQL warehouse `${var.warehouse_id}` with the target's catalog
    and schema (Databricks writes the profile); another warehouse: the project's profile and
    its output named like the target (the profile reads its secrets from the environment)."""
    if target.type == TargetType.DATABRICKS:
        out = {"project_directory": DBT_DIR, "commands": ["dbt deps", "dbt build"],
               "warehouse_id": "${var.warehouse_id}",
               "schema": target.connection.schema_name or DEFAULT_SCHEMA}  # fmt: skip
        return out | ({"catalog": target.connection.catalog} if target.connection.catalog else {})
    name = str(Ident(target.name.lower()))
    return {"project_directory": DBT_DIR, "profiles_directory": DBT_DIR,
            "commands": ["dbt deps", f"dbt build --target {name}"]}  # fmt: skip


def dbt_job(ctx: GenContext, target: Target) -> dict[str, Any]:
    pipeline = str(ctx.plan.names.pipeline)
    requirements = f"-r ${{workspace.file_path}}/dbt/requirements-{snake(target.name)}.txt"
    return {
        "name": f"{pipeline} dbt",
        "max_concurrent_runs": 1,
        "timeout_seconds": 4 * 3600,
        "tags": {"pipeline": pipeline},
        "environments": [{"environment_key": "dbt",
                          "spec": {"environment_version": SERVERLESS_ENV, "dependencies": [requirements]}}],
        "tasks": [{"task_key": "dbt_build", "environment_key": "dbt", "dbt_task": dbt_task(target),
                   "max_retries": 2, "min_retry_interval_millis": 120_000}],
    }  # fmt: skip


def batch_engine(ctx: GenContext) -> str:
    return next((e.engine for e in ctx.plan.engines if e.layer == "batch"), "none")


def jobs(ctx: GenContext) -> dict[str, dict[str, Any]]:
    """Job key -> the job, as the bundle's `resources.jobs` holds it (Job.from_dict loads each)."""
    pipeline, kinds = str(ctx.plan.names.pipeline), ctx.plan.graph.kinds
    out = spark_jobs(ctx) if Kind.SPARK_BATCH in kinds else {}
    if Kind.SPARK_STREAMING in kinds:
        out[f"{pipeline}_stream"] = stream_job(ctx)
    target = dbt_target(ctx)
    if Kind.SQL_MODELS in kinds and batch_engine(ctx) == "dbt" and target is not None:
        out[f"{pipeline}_dbt"] = dbt_job(ctx, target)
    return out


def variables(ctx: GenContext, jobs_: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if any("job_clusters" in j for j in jobs_.values()):
        out["lake_root"] = {"description": "Where the lake layers live (abfss://, s3://, gs:// or a volume; each "
                            "target: its environment's lake bucket)."}  # fmt: skip
        for var in list(lake_variables(ctx).values())[1:]:
            out[var] = {"description": f"Where the lake's {var.rsplit('_', 1)[1]} layer lives (each target: its "
                        "environment's container of the layer)."}  # fmt: skip
        out["landing_root"] = {"description": "Where the raw batches land (data/landing/<source>/<table>/; each "
                               "target: its environment's landing bucket or container, where extract-load lands "
                               "them)." if landed_sources(ctx.spec, ctx.plan.graph) else
                               "Where the raw batches land (data/landing/<source>/<table>/)."}  # fmt: skip
    if Kind.SPARK_STREAMING in ctx.plan.graph.kinds:
        out["kafka_bootstrap_servers"] = {"description": "The Kafka bootstrap servers the stream job reads "
                                          "(host:port[,host:port])."}  # fmt: skip
        out["checkpoint_root"] = {"description": "Where the stream job keeps its checkpoints (each target: its "
                                  "environment's checkpoints bucket)."}  # fmt: skip
        for var in stream_variables(ctx):  # (no secret: each the job reads is a secret scope reference)
            out[var] = {"description": f"{var.upper()} of the stream job's cluster (see .env.example)."}
            if var == ENV.kafka_tls_root.lower():
                out[var] = {"description": "The Unity Catalog volume holding the Kafka cluster's TLS stores, "
                            "Strimzi's ca.p12 and user.p12 (/Volumes/<catalog>/<schema>/<volume>): "
                            "the stream job opens them there."}  # fmt: skip
    if keys := secret_keys(ctx):
        scope = (
            "The secret scope the jobs read their secrets from (on Azure each target's: the Key "
            "Vault-backed scope Terraform creates, output databricks_secret_scope)."
        )
        out[SECRET_SCOPE] = {"description": scope}
        for spec_secret, var in keys.items():
            out[var] = {"description": f"{spec_secret}'s key in the secret scope (each target: its environment's "
                        "secret store entry)."}  # fmt: skip
    target = dbt_target(ctx)
    if any("environments" in j for j in jobs_.values()) and target is not None and target.type == TargetType.DATABRICKS:
        warehouse = target.connection.warehouse
        out["warehouse_id"] = {"description": "The SQL warehouse (pro or serverless) dbt builds on: --var "
                               "warehouse_id=... or BUNDLE_VAR_warehouse_id."}  # fmt: skip
        if warehouse and not ANY_REF_RE.search(warehouse):  # a reference: set at deploy
            out["warehouse_id"]["default"] = warehouse
    return out


def bundle(ctx: GenContext) -> dict[str, Any]:
    jobs_ = jobs(ctx)
    return {
        "bundle": {"name": str(ctx.plan.names.pipeline)},
        "variables": variables(ctx, jobs_),
        "resources": {"jobs": jobs_},
        "targets": targets(ctx, jobs_),
    }


# Where every target but the development one deploys: one copy per target, whoever deploys it. The
# Databricks CLI refuses a `mode: production` target without an explicit `workspace.root_path` ("must set
# 'workspace.root_path' to make sure only one copy is deployed") unless every job sets `run_as`; a target
# without a mode would otherwise deploy under each deploying user's home folder.
SHARED_ROOT = "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}"


def target_settings(env: str, i: int, count: int) -> dict[str, Any]:
    """One environment's bundle target: the first (of several) in development mode and the default; every
    other under SHARED_ROOT, the last in production mode, one between them named with its environment as
    a prefix (`[staging] `: its jobs are told from production's in one workspace)."""
    if i == 0 and count > 1:
        return {"mode": "development", "default": True}
    out: dict[str, Any] = {"mode": "production"} if i == count - 1 else {"presets": {"name_prefix": f"[{env}] "}}
    out |= {"default": True} if i == 0 else {}
    return out | {"workspace": {"root_path": SHARED_ROOT}}


def targets(ctx: GenContext, jobs_: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One target per deployment environment (target_settings); where a job runs on a job cluster, each
    names its environment's lake roots (cloudnames.lake_roots, `lake_variables`); where Spark streams, its
    environment's checkpoints bucket as the stream's `checkpoint_root`."""
    lake = lake_variables(ctx) if any("job_clusters" in j for j in jobs_.values()) else {}
    envs = environments(ctx.spec)
    out: dict[str, dict[str, Any]] = {}
    for i, env in enumerate(envs):
        target = target_settings(env, i, len(envs))
        values = {lake[name]: url for name, url in lake_roots(ctx.spec, env).items() if name in lake}
        if lake and (root := landing_root(ctx.spec, env)) and landed_sources(ctx.spec, ctx.plan.graph):
            values["landing_root"] = root  # where extract-load lands the batches (plan/spark_landing.py)
        if Kind.SPARK_STREAMING in ctx.plan.graph.kinds:
            values["checkpoint_root"] = spark_checkpoint_root(ctx.spec, env)
        entries = secret_entries(ctx, env)
        values |= {var: entries[secret] for secret, var in secret_keys(ctx).items() if secret in entries}
        if secret_keys(ctx) and ctx.spec.cloud == Cloud.AZURE:  # the Key Vault-backed scope Terraform creates
            values[SECRET_SCOPE] = str(cloud_names(ctx.spec, env, []).secret_scope)
        if values:
            target["variables"] = values
        out[env] = target
    return out
