"""Pieces every cloud's module shares: variables of names with their cloud's limits as validation
blocks, which spec secrets each workload reads, which of the spec's own buckets each workload writes
or reads, tiering days from the plan's retention."""

from __future__ import annotations

from dataclasses import replace

from pipegen.common.spark_stream import job_secrets
from pipegen.common.workload_identity import PodIdentity, pod_identities
from pipegen.generators.terraform.hcl import Ref, Value, quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.capacity import HOT_DAYS, WARM_DAYS
from pipegen.plan.cloudnames import CloudNames, k8s_namespace
from pipegen.plan.components import Kind
from pipegen.plan.idents import dns_name
from pipegen.plan.infra_findings import SPARK_JOBS, azure_container
from pipegen.plan.names import snake
from pipegen.plan.spark_landing import landed_sources
from pipegen.spec.catalog import LAKE_TARGETS, TARGET_SYSTEMS
from pipegen.spec.model import Cloud, LakeCatalog, Target, TargetType
from pipegen.spec.secretscan import secret_uses
from pipegen.spec.types import parse_secret_ref

BUCKET_TARGETS = LAKE_TARGETS | {TargetType.FILES}  # targets written as files in an object-store bucket

PREFIX_RE = "^[a-z][a-z0-9-]{0,38}[a-z0-9]$"


def regex_var(name: str, description: str, pattern: str, message: str) -> Var:
    return Var(name, "string", description, ((f"can(regex({quote(pattern)}, var.{name}))", message),))


def prefix_var() -> Var:
    return regex_var("name_prefix", "Prefix of every resource name: <pipeline>-<environment>.", PREFIX_RE,
                     "name_prefix: 2-40 lowercase letters, digits and hyphens, starting with a letter.")  # fmt: skip


def tags_var(max_key: int, max_value: int) -> Var:
    cond = f"alltrue([for k, v in var.tags : length(k) <= {max_key} && length(v) <= {max_value}])"
    return Var("tags", "map(string)", "Tags (labels) every resource carries: pipeline, environment, owner, spec tags.",
               ((cond, f"tags: keys of at most {max_key} characters, values of at most {max_value}."),))  # fmt: skip


def names_map_var(name: str, description: str, pattern: str, message: str) -> Var:
    cond = f"alltrue([for n in values(var.{name}) : can(regex({quote(pattern)}, n))])"
    return Var(name, "map(string)", description, ((cond, message),))


def number_var(name: str, description: str, low: int, high: int) -> Var:
    cond = f"var.{name} >= {low} && var.{name} <= {high} && floor(var.{name}) == var.{name}"
    return Var(name, "number", description, ((cond, f"{name}: a whole number from {low} to {high}."),))


def retention_var() -> Var:
    return number_var("retention_days", "Days data is kept in the lake (volume.retention_days).", 1, 36500)


def lands(inf: Infra) -> bool:
    """Extract-load lands batches for the Spark batch job's bronze (plan/spark_landing.py) and runs here (its
    `ingest` workload): Terraform creates the landing bucket (Azure: container) and lets that workload write it."""
    return bool(landed_sources(inf.ctx.spec, inf.ctx.plan.graph)) and "ingest" in inf.workloads


def own_workloads(inf: Infra) -> Infra:
    """The workloads with an identity of their own on AWS and GCP: the stream workload only where Flink runs
    the stream jobs (a Spark stream runs with the Spark job's identity: the EMR Serverless execution role,
    aws_spark.py; the Dataproc service account, gcp_spark.py; on Databricks, the job cluster's)."""
    if Kind.FLINK_JOBS in inf.ctx.plan.graph.kinds:
        return inf
    return replace(inf, workloads=tuple(w for w in inf.workloads if w != "stream"))


# ---------------------------------------------------------------- workload identity (common/workload_identity.py)

DNS_LABEL_RE = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


def pods(inf: Infra) -> tuple[PodIdentity, ...]:
    """The ServiceAccounts Terraform federates (common/workload_identity.py): the batch pod's (`batch`), the
    Flink operator's `flink` (`stream`)."""
    return pod_identities(inf.ctx)


def identity_keys(inf: Infra) -> tuple[str, ...]:
    """Every identity the module creates: one per workload, and one per pod identity (`batch`)."""
    return (*inf.workloads, *(p.identity for p in pods(inf) if p.identity not in inf.workloads))


def identity_names(inf: Infra, names: CloudNames) -> dict[str, str]:
    """The tfvars' identity names (`workload_roles` / `workload_accounts` / `workload_identities`)."""
    return {w: str(names.identity(w)) for w in identity_keys(inf)}


def k8s_vars(inf: Infra) -> tuple[Var, ...]:
    """The namespace and the ServiceAccounts the identities federate with (names from the naming layer)."""
    if not pods(inf):
        return ()
    sa = names_map_var(
        "k8s_service_accounts",
        "Kubernetes ServiceAccount (in k8s_namespace) per workload identity.",
        DNS_LABEL_RE,
        "k8s_service_accounts: DNS labels (lowercase letters, digits and hyphens).",
    )
    return (regex_var("k8s_namespace", "Kubernetes namespace of the workloads.", DNS_LABEL_RE,
                      "k8s_namespace: a DNS label (lowercase letters, digits and hyphens)."), sa)  # fmt: skip


def k8s_values(inf: Infra, names: CloudNames) -> list[tuple[str, Value]]:
    """The tfvars of `k8s_vars`: the namespace of the environment, each pod identity's ServiceAccount."""
    found = pods(inf)
    if not found:
        return []
    ns = k8s_namespace(inf.ctx.plan.names, str(names.environment))
    return [("k8s_namespace", str(ns)), ("k8s_service_accounts", {p.identity: str(p.service_account) for p in found})]


def with_pods(inf: Infra, workloads: list[str]) -> list[str]:
    """`workloads` and each pod identity running one of them (a list of grantees: writers, Kafka clients)."""
    return [
        *workloads,
        *(p.identity for p in pods(inf) if set(p.steps) & set(workloads) and p.identity not in workloads),
    ]


def pod_grants(inf: Infra, grants: dict[str, dict[str, Value]]) -> dict[str, dict[str, Value]]:
    """`grants` (key -> {workload, what it grants}) and, for each pod identity, a copy of every grant of the
    workloads it runs (its `steps`), once per distinct grant: the pod holds exactly what its steps hold."""
    out = dict(grants)
    for pod in pods(inf):
        if pod.identity in pod.steps:
            continue  # its own grants (the Flink jobs' `stream` identity)
        seen: set[str] = set()
        for key, grant in grants.items():
            if grant["workload"] not in pod.steps:
                continue
            rest = repr(sorted((k, str(v)) for k, v in grant.items() if k != "workload"))
            if rest not in seen:
                seen.add(rest)
                out[f"{pod.identity}-{key}"] = {**grant, "workload": pod.identity}
    return out


def secret_readers(inf: Infra) -> dict[str, tuple[str, ...]]:
    """Workload -> the spec secrets it reads: sources' secrets for the extract and the stream jobs,
    targets' for every workload that writes a target, the rest (notifications) for the transform step."""
    out: dict[str, set[str]] = {w: set() for w in inf.workloads}
    for use in secret_uses(inf.ctx.spec):
        if use.kind != "secret":
            continue
        if use.used_at.startswith("sources"):
            readers: tuple[str, ...] = ("ingest", "stream")
        elif use.used_at.startswith("targets"):
            readers = ("ingest", "transform", "stream")
        else:
            readers = ("transform",)
        for w in readers:
            if w in out:
                out[w].add(use.name)
    return {w: tuple(sorted(s)) for w, s in out.items()}


def spark_secrets(inf: Infra) -> tuple[str, ...]:
    """The spec secrets the Spark job's own code reads from its environment (common.spark_stream
    `job_secrets`: an Event Hubs login of its stream, the lake target's Iceberg catalog `token`), which its
    identity (the EMR execution role, the Dataproc service account) is granted and the EMR requests reference
    (`EMR.secret@`). Not the sources' database passwords (Debezium's) nor the other targets' credentials:
    Spark's stream layer writes the lake root."""
    if not inf.ctx.plan.graph.kinds & SPARK_JOBS:
        return ()
    return tuple(s for s in job_secrets(inf.ctx.spec, inf.ctx.plan) if s in inf.secrets)


def secret_output(secret: str) -> str:
    """The output naming a spec secret's entry in the secret store, per environment (the EMR requests'
    `EMR.secret@`, the Dataproc batches' credential alias: `${PIPEGEN_SECRET_<NAME>_ID}`)."""
    return f"spark_secret_{snake(secret)}"


def each_secret(resource: str, names: tuple[str, ...], attr: str) -> Ref:
    """A list of the secret store entries `names` (a for_each resource keyed by spec secret name)."""
    keys = ", ".join(quote(n) for n in names)
    return Ref(f"[for k in [{keys}] : {resource}[k].{attr}]")


def tier_days(retention_days: int) -> tuple[int | None, int | None]:
    """Days after which data moves to the warm and the cold tier (None: it is deleted before)."""
    warm = HOT_DAYS if retention_days > HOT_DAYS else None
    cold = WARM_DAYS if retention_days > WARM_DAYS else None
    return warm, cold


def _bucket(target: Target, cloud: Cloud | None = None) -> str | None:
    """The target's bucket when the spec names one literally (a reference or a URL is the user's); on
    Azure also the container an Azure Storage URL names (plan/infra_findings.py `azure_container`)."""
    bucket = (target.connection.bucket or "").rstrip("/")
    if target.type not in BUCKET_TARGETS or not bucket or parse_secret_ref(bucket):
        return None
    if cloud == Cloud.AZURE and (found := azure_container(bucket, None)):
        return found[0]
    return None if "://" in bucket else bucket


def target_buckets(inf: Infra, athena: bool = False) -> tuple[tuple[str, str, bool], ...]:
    """(workload, target, writes) for every spec bucket the generated code touches: extract-load
    (ingest) writes the first target dlt has a destination for (pipeline/ingest.py), a Flink job
    writes its sink's target (the Flink file and lake sinks; Spark's stream layer writes the lake root
    with the Spark job's identity instead), the Spark job off Databricks (EMR's execution role) writes
    the warehouse bucket of an Iceberg target in the Glue catalog (spark/medallion.json); with
    `athena`, the transform step's queries read the bucket extract-load writes (the Glue tables' location)."""
    spec = inf.ctx.spec
    out: dict[tuple[str, str], bool] = {}
    loaded = next((t for t in spec.targets if TARGET_SYSTEMS[t.type].dlt_destination), None)
    if loaded is not None and _bucket(loaded, spec.cloud) and inf.ctx.plan.graph.batch_sources:
        out[("ingest", loaded.name)] = True
        if athena:
            out[("transform", loaded.name)] = False
    kinds = inf.ctx.plan.graph.kinds
    if spec.cloud == Cloud.AWS and kinds & SPARK_JOBS and Kind.DATABRICKS_JOBS not in kinds:
        for t in spec.targets:
            if t.type == TargetType.ICEBERG and t.lake and t.lake.catalog == LakeCatalog.GLUE and _bucket(t):
                out[("spark", t.name)] = True
    if Kind.FLINK_JOBS in kinds:
        by_name = {t.name: t for t in spec.targets}
        for job in spec.transforms.streams:
            target = by_name.get(job.sink.target) if job.sink else (spec.targets[0] if spec.targets else None)
            if target is not None and _bucket(target, spec.cloud):
                out[("stream", target.name)] = True
    return tuple(sorted((w, t, write) for (w, t), write in out.items()))


def target_bucket_names(inf: Infra, environment: str | None = None) -> dict[str, str]:
    """Target -> its bucket, for every target `target_buckets` names (the tfvars' `target_buckets`): the
    environment's connection override first (`deploy.environments.<env>.targets`)."""
    spec = inf.ctx.spec
    env = next((e for k, e in spec.deploy.environments.items() if environment and str(dns_name(k, 20)) == environment),
               None)  # fmt: skip
    used = {t for _, t, _ in target_buckets(inf, athena=True)}
    out: dict[str, str] = {}
    for target in spec.targets:
        override = env.targets.get(target.name) if env else None
        if target.name in used and (bucket := _bucket(target)):
            if override is not None and override.bucket:
                bucket = _bucket(target.model_copy(update={"connection": override})) or bucket
            out[target.name] = bucket
    return out


def target_buckets_var(pattern: str, message: str) -> Var:
    cond = f"alltrue([for b in values(var.target_buckets) : can(regex({quote(pattern)}, b))])"
    return Var(
        "target_buckets",
        "map(string)",
        "Bucket of each spec target the workloads write or read "
        "(the spec's own; Terraform grants access to it, it does not create it).",
        ((cond, message),),
    )
