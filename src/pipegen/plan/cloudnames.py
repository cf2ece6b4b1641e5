"""Cloud resource names per deployment environment (the terraform family's names), with each
cloud's length and charset limits, and the tags/labels every resource carries.

- environments: the spec's `deploy.environments` keys, else dev, staging and prod
- prefix `<pipeline>-<env>` (DNS label, <= 40); object-store buckets `<pipeline>-<env>-<purpose>`
  (BUCKET_RULES), on Azure one container per lake layer in the environment's account; the
  Terraform state bucket `<pipeline>-state` holds every environment's state under its own key
- Azure: resource group `rg-<pipeline>-<env>`, storage account `<pipeline><env>` (3-24 lowercase
  letters and digits), its state account `<pipeline>tfstate`, Key Vault `kv-<pipeline>-<env>` (3-24)
- AWS: the Glue database `<pipeline>_<env>`, Athena's workgroup `<prefix>` and results bucket
  `<pipeline>-<env>-query-results`
- the stream service (MSK cluster, Event Hubs namespace, Managed Kafka cluster) `<prefix>-kafka` /
  `<prefix>-events`; GCP's Managed Kafka Connect cluster running the Pub/Sub bridge `<prefix>-connect`; encryption
  key (alias, key ring) `<prefix>-key`
- the Spark job's Iceberg namespaces (Glue databases) `<pipeline>_<layer>`, the same in every environment
- one identity per workload (IAM role, managed identity, service account: GCP's 6-30 characters), the
  kubernetes family's batch pod's `<prefix>-batch` (common/workload_identity.py)
- secret store entries `<prefix>-<secret name>` in lower case with `-` (a hash suffix if two clash)
The Kubernetes namespace per environment (k8s_namespace): the kustomize base's in every environment.
Stream state per environment (checkpoint_root): the environment's checkpoints bucket; Flink's jobs
keep theirs under `<root>/<job>/`, the Spark stream under `<root>/spark-stream/<layer>/<table>`.
Tags are values, not identifiers: sanitised per cloud (GCP labels: lowercase letters, digits, `_`, `-`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipegen.plan.envnames import ENV, lake_layer_root
from pipegen.plan.idents import BUCKET_RULES, STORAGE_ACCOUNT_RULE, bucket_name, clashes, dns_name
from pipegen.plan.names import Names
from pipegen.safe import Ident
from pipegen.spec.model import Cloud, Spec
from pipegen.spec.snakecase import snake

DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")
# batch extract; dbt + quality; stream jobs; the Spark job where it runs serverless (EMR's execution role,
# Dataproc's service account); the kubernetes family's batch pod, which runs extract-load and transform in one
# process (common/workload_identity.py); the stream generators; the Delta loaders; the Kafka Connect pods running the
# Pub/Sub bridge (common/workload_identity.py `bridge`)
WORKLOADS = ("ingest", "transform", "stream", "spark", "batch", "generator", "loader", "bridge")
# query-results: Athena's (AWS); jobs: the Spark job's files on EMR Serverless / Dataproc (never expired, unlike
# the lake's objects after the retention); landing: the raw batches the Spark job's bronze reads there
# (PIPEGEN_LANDING_ROOT, landing_root)
LAKE_PURPOSES = ("lake", "checkpoints", "query-results", "jobs", "landing")
AZURE_CONTAINERS = ("bronze", "silver", "gold", "checkpoints")  # one container per lake layer
AZURE_LANDING = "landing"  # the container extract-load lands the Spark job's raw batches in (landing_root)


@dataclass(frozen=True)
class CloudNames:
    environment: Ident
    prefix: Ident
    buckets: tuple[tuple[str, Ident], ...]  # purpose -> bucket (LAKE_PURPOSES) / Azure container (AZURE_CONTAINERS)
    state_bucket: Ident  # Terraform remote state (shared by the environments, one key each)
    state_key: Ident  # `<pipeline>-<env>.tfstate`
    resource_group: Ident | None  # Azure
    storage_account: Ident | None  # Azure: the lake's account (ADLS Gen2)
    state_account: Ident | None  # Azure: the account holding the state container
    key_vault: Ident | None  # Azure
    stream: Ident  # MSK cluster / Event Hubs namespace / Managed Kafka cluster id
    connect: Ident  # GCP: the Managed Kafka Connect cluster id of the Pub/Sub bridge (terraform/gcp_connect.py)
    key_alias: Ident  # KMS alias (written `alias/<name>`) / key ring
    catalog_database: Ident  # AWS Glue database `<pipeline>_<env>` (lowercase letters, digits, `_`)
    identities: tuple[tuple[str, Ident], ...]  # workload -> role / identity / service account id
    secrets: tuple[tuple[str, Ident], ...]  # spec secret name -> secret store entry
    tags: tuple[tuple[str, str], ...]  # key -> value, within the cloud's limits

    def bucket(self, purpose: str) -> Ident:
        return dict(self.buckets)[purpose]

    def identity(self, workload: str) -> Ident:
        return dict(self.identities)[workload]

    @property
    def secret_scope(self) -> Ident:
        """Databricks: the secret scope over this environment's secret store (Azure: Key Vault-backed)."""
        return dns_name(f"{self.prefix}-secrets", max_len=128)


def environments(spec: Spec) -> tuple[str, ...]:
    """The deployment environments: the spec's, in its order, else dev/staging/prod."""
    return tuple(spec.deploy.environments) or DEFAULT_ENVIRONMENTS


def lake_namespace(pipeline: str, layer: str) -> Ident:
    """The Spark job's Iceberg namespace of a lake layer, a Glue database where `lake.catalog: glue`:
    `<pipeline>_<layer>`, so two pipelines' layers in one catalog never meet (Glue and Athena: at
    most 255 lowercase letters, digits and `_`)."""
    return Ident(snake(f"{pipeline}_{layer}")[:255])


def _identity(prefix: str, workload: str, cloud: Cloud) -> Ident:
    if cloud == Cloud.GCP:  # service account ids: 6-30 characters, a letter first
        name = dns_name(f"{prefix}-{workload}", max_len=30)
        return Ident(name.ljust(6, "0")) if len(name) < 6 else name
    return dns_name(f"{prefix}-{workload}", max_len=64)


def _secret_names(prefix: str, secrets: list[str]) -> tuple[tuple[str, Ident], ...]:
    names = {s: dns_name(f"{prefix}-{s}", max_len=127) for s in secrets}
    clashing = clashes(list(names.values()))
    return tuple(
        (s, dns_name(f"{prefix}-{s}", max_len=127, always_hash=True) if n in clashing else n) for s, n in names.items()
    )


_AWS_TAG = re.compile(r"[^\w .:/=+\-@]", re.ASCII)
_AZURE_TAG = re.compile(r"[<>%&\\?/]")
_GCP_LABEL = re.compile(r"[^a-z0-9_-]")


def _tag(cloud: Cloud, key: str, value: str) -> tuple[str, str]:
    if cloud == Cloud.GCP:
        k = _GCP_LABEL.sub("_", key.lower())[:63]
        k = k if k[:1].isalpha() else f"t_{k}"[:63]
        return k, _GCP_LABEL.sub("_", value.lower())[:63]
    if cloud == Cloud.AZURE:
        return _AZURE_TAG.sub("_", key)[:512] or "_", value[:256]
    return _AWS_TAG.sub("_", key)[:128] or "_", _AWS_TAG.sub("_", value)[:256]


def tags(spec: Spec, environment: str) -> tuple[tuple[str, str], ...]:
    """pipeline, environment, owner, managed-by, and each spec tag as `<tag> = "true"`."""
    pairs = [("pipeline", spec.pipeline.name), ("environment", environment), ("managed-by", "pipegen")]
    if spec.pipeline.owner:
        pairs.append(("owner", spec.pipeline.owner))
    pairs += [(t, "true") for t in spec.pipeline.tags if t.strip()]
    out: dict[str, str] = {}
    for key, value in pairs:
        k, v = _tag(spec.cloud, key, value)
        out.setdefault(k, v)
    return tuple(out.items())


def cloud_names(spec: Spec, environment: str, secrets: list[str]) -> CloudNames:
    """Every cloud resource name of one environment."""
    pipeline = snake(spec.pipeline.name)
    env = dns_name(environment, max_len=20)
    prefix = dns_name(f"{pipeline}-{env}", max_len=40)
    rule = BUCKET_RULES[spec.cloud]
    azure = spec.cloud == Cloud.AZURE
    return CloudNames(
        environment=env,
        prefix=prefix,
        buckets=tuple((p, Ident(p)) for p in (*AZURE_CONTAINERS, AZURE_LANDING))
        if azure
        else tuple((p, bucket_name(f"{pipeline}_{env}", p, rule)) for p in LAKE_PURPOSES),
        state_bucket=bucket_name(pipeline, "state" if not azure else "tfstate", rule),
        state_key=Ident(f"{pipeline}-{env}.tfstate"),
        resource_group=dns_name(f"rg-{pipeline}-{env}", max_len=90) if azure else None,
        storage_account=bucket_name(f"{pipeline}{env}", "", STORAGE_ACCOUNT_RULE) if azure else None,
        state_account=bucket_name(pipeline, "tfstate", STORAGE_ACCOUNT_RULE) if azure else None,
        key_vault=dns_name(f"kv-{pipeline}-{env}", max_len=24) if azure else None,
        stream=dns_name(f"{prefix}-{'events' if azure else 'kafka'}", max_len=50 if azure else 63),
        connect=dns_name(f"{prefix}-connect"),
        key_alias=dns_name(f"{prefix}-key"),
        catalog_database=Ident(snake(f"{pipeline}_{env}")[:255]),
        identities=tuple((w, _identity(prefix, w, spec.cloud)) for w in WORKLOADS),
        secrets=_secret_names(prefix, secrets),
        tags=tags(spec, environment),
    )


# ---------------------------------------------------------------- stream state per environment

# The file system root of an environment's checkpoints bucket, per cloud (an Azure container of the
# environment's storage account); a local project's deployments keep S3 (an S3-compatible store).
CHECKPOINT_ROOTS: dict[Cloud, str] = {
    Cloud.AWS: "s3://{bucket}",
    Cloud.GCP: "gs://{bucket}",
    Cloud.AZURE: "abfss://{bucket}@{account}.dfs.core.windows.net",
    Cloud.LOCAL: "s3://{bucket}",
}
# The file system root of an environment's lake bucket (Terraform's `lake` bucket, its `spark_lake_root`
# output), per cloud; Azure keeps a container per layer (AZURE_LAKE_LAYERS, each its own root: lake_roots)
# and a local project no bucket.
LAKE_ROOTS: dict[Cloud, str] = {
    Cloud.AWS: "s3://{bucket}",
    Cloud.GCP: "gs://{bucket}",
    Cloud.AZURE: CHECKPOINT_ROOTS[Cloud.AZURE],
}
AZURE_LAKE_LAYERS = tuple(c for c in AZURE_CONTAINERS if c != "checkpoints")  # each layer's container
# Azure's PIPEGEN_LAKE_ROOT (what is no layer's: the Iceberg warehouse, the Spark job's catalog): silver's
AZURE_LAKE_HOME = "silver"
# Flink's state directories of a job, each under `<root>/<job>/`
FLINK_STATE_DIRS = (
    ("execution.checkpointing.dir", "checkpoints"),
    ("execution.checkpointing.savepoint-dir", "savepoints"),
    ("high-availability.storageDir", "ha"),
)


def checkpoint_root(spec: Spec, environment: str) -> str:
    """Where an environment's stream jobs keep their state: the checkpoints bucket Terraform creates
    for that environment (`<pipeline>-<env>-checkpoints`; Azure: the `checkpoints` container of the
    environment's storage account)."""
    names = cloud_names(spec, environment, [])
    return CHECKPOINT_ROOTS[spec.cloud].format(bucket=names.bucket("checkpoints"), account=names.storage_account)


def lake_root(spec: Spec, environment: str, layer: str | None = None) -> str | None:
    """The lake step's root (PIPEGEN_LAKE_ROOT) in `environment`: the URL of the lake bucket Terraform
    creates for it (`<pipeline>-<env>-lake`), the Spark job's root too; on Azure `layer`'s container
    of the environment's storage account (no layer: AZURE_LAKE_HOME's). None where LAKE_ROOTS has none."""
    template = LAKE_ROOTS.get(spec.cloud)
    if template is None:
        return None
    names = cloud_names(spec, environment, [])
    purpose = (layer or AZURE_LAKE_HOME) if spec.cloud == Cloud.AZURE else "lake"
    return template.format(bucket=names.bucket(purpose), account=names.storage_account)


def landing_root(spec: Spec, environment: str) -> str | None:
    """Where the raw batches land in `environment` for the Spark job (PIPEGEN_LANDING_ROOT, the root of
    `data/landing/<source>/<table>/`, plan/spark_landing.py): the URL of the landing bucket Terraform creates
    for it (`<pipeline>-<env>-landing`, its output `spark_landing_root`; Azure: the `landing` container of the
    environment's storage account), the extract-load workload its writer and the Spark job (EMR Serverless,
    Dataproc, the Databricks bundle's `landing_root`) its reader. None where LAKE_ROOTS has none (local)."""
    template = LAKE_ROOTS.get(spec.cloud)
    if template is None:
        return None
    names = cloud_names(spec, environment, [])
    return template.format(bucket=names.bucket("landing"), account=names.storage_account)


def lake_roots(spec: Spec, environment: str) -> dict[str, str]:
    """Environment variable -> URL: where the lake step, the Spark job and dbt's silver registration find
    the lake in `environment`. One bucket (AWS, GCP): PIPEGEN_LAKE_ROOT. A container per layer (Azure):
    PIPEGEN_LAKE_ROOT_<LAYER> for each (`abfss://<layer>@<account>.dfs.core.windows.net`, Terraform's
    `azurerm_storage_container.layer`) and PIPEGEN_LAKE_ROOT silver's. None (a local project): {}."""
    root = lake_root(spec, environment)
    if root is None:
        return {}
    out = {str(ENV.lake_root): root}
    if spec.cloud == Cloud.AZURE:
        out |= {str(lake_layer_root(layer)): str(lake_root(spec, environment, layer)) for layer in AZURE_LAKE_LAYERS}
    return out


SPARK_STREAM_DIR = "spark-stream"  # the Spark stream's checkpoints (<layer>/<table> below it)


def spark_checkpoint_root(spec: Spec, environment: str) -> str:
    """Where the Spark stream keeps its checkpoints in `environment`: `<root>/spark-stream`, beside the
    Flink jobs' `<root>/<job>/` folders (a job name has no `-`, so never this one)."""
    return f"{checkpoint_root(spec, environment)}/{SPARK_STREAM_DIR}"


def flink_state_paths(spec: Spec, environment: str, job: str) -> dict[str, str]:
    """A Flink job's checkpoint, savepoint and HA directories in `environment`: `<root>/<job>/<dir>`."""
    root = checkpoint_root(spec, environment)
    return {key: f"{root}/{job}/{folder}" for key, folder in FLINK_STATE_DIRS}


def k8s_namespace(names: Names, environment: str) -> Ident:
    """The Kubernetes namespace `environment`'s workloads run in: the base's (`deploy.kubernetes.namespace`,
    else the pipeline's name as a DNS label) in every environment, each its own cluster: the kubernetes
    family's overlays patch the base's objects and never move them. Whatever addresses a workload of an
    environment (the Flink replay's kubectl commands and FlinkDeployments) takes it from here."""
    del environment  # one namespace in every environment (the spec names one)
    return names.k8s_namespace
