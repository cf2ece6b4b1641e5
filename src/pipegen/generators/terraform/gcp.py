"""GCP (google v6): GCS buckets with a customer-managed key, uniform access, public access prevented,
versioning and lifecycle tiers from the plan's retention; Managed Service for Apache Kafka where the plan
has Kafka topics (a topic per plan topic); Secret Manager entries for every spec secret; one service
account per workload with bucket-, secret- and Kafka-level roles only."""

from __future__ import annotations

import math

from pipegen.common.kafka_clients import EVENTS_PUBLISHER, managed_events_publisher
from pipegen.common.workload_identity import BRIDGE_IDENTITY, IDENTITY_OUTPUT
from pipegen.generators.terraform import gcp_alerts, gcp_bridge, gcp_connect, gcp_generators, gcp_spark, gcp_tables
from pipegen.generators.terraform.alerts import alert_emails, alert_list
from pipegen.generators.terraform.common import (
    identity_names,
    k8s_values,
    k8s_vars,
    names_map_var,
    number_var,
    own_workloads,
    pod_grants,
    pods,
    prefix_var,
    regex_var,
    retention_var,
    secret_readers,
    spark_secrets,
    tags_var,
    target_bucket_names,
    target_buckets,
    target_buckets_var,
    tier_days,
    with_pods,
)
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, Value, block, quote
from pipegen.generators.terraform.model import CloudModule, Cost, EnvPlan, Infra, Output, Var
from pipegen.plan.cloudnames import CloudNames
from pipegen.plan.envsizes import env_sizes
from pipegen.plan.idents import dns_name
from pipegen.spec.model import TargetType
from pipegen.spec.types import parse_secret_ref

REGION = "europe-west1"
PROVIDER_VERSION = "~> 6.50"
GIB = 1024**3
BUCKET_RE = "^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$"
PRICES = {"standard": 0.020, "nearline": 0.010, "coldline": 0.004, "kms": 0.06, "secret": 0.06,
          "condition": 0.10, "kafka_vcpu": 0.09 * 730, "kafka_gib": 0.0081 * 730}  # fmt: skip
BQ_WRITERS = ("ingest", "transform")  # extract-load lands the raw datasets, dbt builds staging and marts
BQ_DATASET_RE = "^[A-Za-z0-9_]+$"  # at most 1024 (a length() check: RE2 repeats at most 1000 times)
DLT_STAGING_SUFFIX = "_staging"  # dlt's staging_dataset_name_layout "%s_staging" (its destination config)
WRITE, READ = "roles/storage.objectUser", "roles/storage.objectViewer"  # a bucket's objects, nothing more
SKIPS = (
    ("CKV_GCP_62", "access logs need a separate log bucket; Cloud Audit Logs record data access"),
    ("CKV_GCP_81", "BigQuery datasets use Google-managed keys: a customer-managed key must live in each dataset's "
                   "location, and the datasets' locations are the targets' own"),
    ("CKV_GCP_82", "`terraform destroy` must remove an environment; Cloud KMS never deletes a key, only "
                   "schedules its versions for destruction"),
)  # fmt: skip
TABLE_SKIPS = (  # where extract-load's tables are declared (gcp_tables.py)
    ("CKV_GCP_80", "the landed BigQuery tables use Google-managed keys, as their datasets (CKV_GCP_81)"),
    ("CKV_GCP_121", "`terraform destroy` must remove an environment; the landed tables are extract-load's, "
                    "reloaded from their sources"),
)  # fmt: skip


def _v(name: str) -> Ref:
    return Ref(f"var.{name}")


def variables(inf: Infra) -> tuple[Var, ...]:
    out = [
        prefix_var(),
        regex_var("project", "The GCP project id.", "^[a-z][a-z0-9-]{4,28}[a-z0-9]$", "project: a GCP project id."),
        regex_var("region", "GCP region.", "^[a-z]+-[a-z]+[0-9]$", "region: a GCP region such as europe-west1."),
        tags_var(63, 63),
        regex_var("lake_bucket", "GCS bucket of the lake.", BUCKET_RE,
                  "lake_bucket: 3-63 lowercase letters, digits, _ . -."),
        retention_var(),
        names_map_var("workload_accounts", "Service account id per workload.", "^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
                      "workload_accounts: service account ids of 6-30 lowercase letters, digits and hyphens."),
        names_map_var("secret_names", "Secret Manager id per spec secret.", "^[a-zA-Z0-9_-]{1,255}$",
                      "secret_names: letters, digits, _ and -."),
    ]  # fmt: skip
    if target_buckets(inf):
        out.append(target_buckets_var(BUCKET_RE, "target_buckets: 3-63 lowercase letters, digits, _ . -."))
    if inf.stream_jobs:
        out.append(regex_var("checkpoints_bucket", "GCS bucket of the stream jobs' checkpoints.", BUCKET_RE,
                             "checkpoints_bucket: 3-63 lowercase letters, digits, _ . -."))  # fmt: skip
    if bigquery_datasets(inf, None):
        out.append(Var("bigquery_datasets",
                       "map(object({ project = string, location = string, writers = list(string) }))",
                       "BigQuery dataset id -> its project and location (\"\": the module's) and the workloads "
                       "that write it, every dataset a BigQuery target holds.",
                       ((f"alltrue([for k in keys(var.bigquery_datasets) : can(regex({quote(BQ_DATASET_RE)}, k)) "
                         "&& length(k) <= 1024])", "bigquery_datasets: ids of letters, digits and _ (at most 1024)."),
                        ("alltrue([for d in values(var.bigquery_datasets) : alltrue([for w in d.writers : "
                         "contains(keys(var.workload_accounts), w)])])",
                         "bigquery_datasets: each writer is a workload of `workload_accounts`."))))  # fmt: skip
    out += gcp_alerts.variables(inf)
    out += gcp_spark.variables(inf, BUCKET_RE)
    out += k8s_vars(inf)
    if inf.stream:
        out += [
            regex_var("kafka_cluster_id", "Managed Kafka cluster id.", "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
                      "kafka_cluster_id: a lowercase DNS label."),
            number_var("kafka_vcpus", "Managed Kafka vCPUs (at least 3).", 3, 1000),
            number_var("kafka_memory_gib", "Managed Kafka memory, GiB (1-8 per vCPU).", 3, 8000),
            regex_var("kafka_subnet", "The subnet the cluster is reachable from (projects/P/regions/R/subnetworks/S).",
                      "^projects/[^/]+/regions/[^/]+/subnetworks/[^/]+$", "kafka_subnet: a subnetwork path."),
            Var("kafka_topics", "map(number)", "Kafka topic -> partitions.",
                (("alltrue([for p in values(var.kafka_topics) : p >= 1])", "kafka_topics: at least 1 partition."),)),
        ]  # fmt: skip
    out += gcp_generators.variables(inf)
    out += gcp_bridge.variables(inf)
    out += gcp_connect.variables(inf)
    return tuple(out)


def kms() -> tuple[Block, ...]:
    return (
        block("resource", "google_kms_key_ring", "data", body=[
            Attr("name", Ref('"${var.name_prefix}-keys"')), Attr("location", _v("region"))]),
        block("resource", "google_kms_crypto_key", "data", body=[
            Attr("name", Ref('"${var.name_prefix}-data"')), Attr("key_ring", Ref("google_kms_key_ring.data.id")),
            Attr("rotation_period", "7776000s"), Attr("labels", _v("tags"))]),
        block("data", "google_storage_project_service_account", "gcs"),
        block("resource", "google_kms_crypto_key_iam_member", "gcs", body=[
            Attr("crypto_key_id", Ref("google_kms_crypto_key.data.id")),
            Attr("role", "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
            Attr("member", Ref('"serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"'))]),
    )  # fmt: skip


def _rule(action: list[Item | None], age: Value) -> Block:
    return block("lifecycle_rule", body=[block("condition", body=[Attr("age", age)]), block("action", body=action)])


def bucket(label: str, var: str, retention: int | None) -> Block:
    rules: list[Item | None] = []
    if retention:
        warm, cold = tier_days(retention)
        for days, cls in ((warm, "NEARLINE"), (cold, "COLDLINE")):
            if days:
                rules.append(_rule([Attr("type", "SetStorageClass"), Attr("storage_class", cls)], days))
        rules.append(_rule([Attr("type", "Delete")], _v("retention_days")))
    return block("resource", "google_storage_bucket", label, body=[
        Attr("name", _v(var)), Attr("location", _v("region")), Attr("storage_class", "STANDARD"),
        Attr("uniform_bucket_level_access", True), Attr("public_access_prevention", "enforced"),
        Attr("labels", _v("tags")), Attr("depends_on", [Ref("google_kms_crypto_key_iam_member.gcs")]),
        block("versioning", body=[Attr("enabled", True)]),
        block("encryption", body=[Attr("default_kms_key_name", Ref("google_kms_crypto_key.data.id"))]),
        *rules])  # fmt: skip


def stream() -> tuple[Block, ...]:
    return (
        block("resource", "google_managed_kafka_cluster", "kafka", body=[
            Attr("cluster_id", _v("kafka_cluster_id")), Attr("location", _v("region")), Attr("labels", _v("tags")),
            block("capacity_config", body=[Attr("vcpu_count", Ref("tostring(var.kafka_vcpus)")),
                                           Attr("memory_bytes", Ref("tostring(var.kafka_memory_gib * 1073741824)"))]),
            block("gcp_config", body=[
                Attr("kms_key", Ref("google_kms_crypto_key.data.id")),
                block("access_config", body=[block("network_configs", body=[Attr("subnet", _v("kafka_subnet"))])])])]),
        block("resource", "google_managed_kafka_topic", "topic", body=[
            Attr("for_each", _v("kafka_topics")), Attr("topic_id", Ref("each.key")),
            Attr("cluster", Ref("google_managed_kafka_cluster.kafka.cluster_id")), Attr("location", _v("region")),
            Attr("partition_count", Ref("each.value")), Attr("replication_factor", 3)]),
    )  # fmt: skip


def bigquery_datasets(inf: Infra, environment: str | None) -> dict[str, Value]:
    """Dataset id -> {project, location, writers} of every BigQuery target (the environment's
    connection overrides first): its own dataset (default `analytics`), and with a batch layer the
    datasets dbt and extract-load write there (`staging`, `marts`, `raw_<source>`), written by both
    workloads (the transform step reads the raw ones). Where extract-load loads into the target, also
    dlt's staging dataset of each raw one (`raw_<source>_staging`, dlt's `staging_dataset_name_layout`:
    merge and dead-letter loads go through it), created here so extract-load needs no project-wide
    dataset creation, and written by extract-load alone. A project or region given as a reference (or
    none) is "": the module's project and region."""
    spec, names = inf.ctx.spec, inf.ctx.plan.names
    env = next((e for k, e in spec.deploy.environments.items() if environment and str(dns_name(k, 20)) == environment),
               None)  # fmt: skip
    out: dict[str, Value] = {}
    loaded = gcp_tables.loaded_target(inf)
    for target in spec.targets:
        if target.type != TargetType.BIGQUERY:
            continue
        base = target.connection
        override = env.targets.get(target.name) if env else None
        dataset = (override and override.schema_name) or base.schema_name or "analytics"
        project = (override and override.project) or base.project
        region = (override and override.region) or base.region
        where: dict[str, Value] = {
            "project": project if project and not parse_secret_ref(project) else "",
            "location": region if region and not parse_secret_ref(region) else "",
        }
        raw = [str(names.source_schema(inf.ctx.spec.sources[i].name)) for i in inf.ctx.plan.graph.batch_sources]
        ids = [dataset, *((str(names.staging_schema), str(names.marts_schema), *raw) if raw else ())]
        for d in ids:
            out.setdefault(d, where | {"writers": with_pods(inf, list(BQ_WRITERS))})
        if target is loaded:
            for d in raw:
                out.setdefault(f"{d}{DLT_STAGING_SUFFIX}", where | {"writers": with_pods(inf, ["ingest"])})
    return out


def bigquery(inf: Infra) -> tuple[Block, ...]:
    """The datasets; a partition older than the retention is dropped (a table is never expired whole);
    the tables extract-load lands there declared with their schema (gcp_tables.py)."""
    return (
        block("resource", "google_bigquery_dataset", "target", body=[
            Attr("for_each", _v("bigquery_datasets")), Attr("dataset_id", Ref("each.key")),
            Attr("project", Ref("coalesce(each.value.project, var.project)")),
            Attr("location", Ref("coalesce(each.value.location, var.region)")),
            Attr("description", Ref('"${var.name_prefix}: written by the pipeline"')),
            Attr("default_partition_expiration_ms", Ref("var.retention_days * 86400000")),
            Attr("delete_contents_on_destroy", False), Attr("labels", _v("tags"))]),
        *gcp_tables.table_blocks(inf),
    )  # fmt: skip


def secrets() -> tuple[Block, ...]:
    return (
        block("resource", "google_secret_manager_secret", "spec", body=[
            Attr("for_each", _v("secret_names")), Attr("secret_id", Ref("each.value")), Attr("labels", _v("tags")),
            block("replication", body=[block("auto")])]),
    )  # fmt: skip


def grants(inf: Infra) -> tuple[dict[str, dict[str, Value]], dict[str, dict[str, Value]]]:
    """(bucket grants, secret grants): key -> {workload, bucket/secret, role}; the spec's own buckets
    (`target_buckets`) with write access where the workload writes them, read access where it reads."""
    buckets: dict[str, dict[str, Value]] = {}
    secrets_: dict[str, dict[str, Value]] = {}
    readers = secret_readers(inf)
    for w in inf.workloads:
        buckets[f"{w}-lake"] = {"workload": w, "bucket": Ref("google_storage_bucket.lake.name"), "role": WRITE}
        if w == "stream":
            buckets[f"{w}-checkpoints"] = {"workload": w, "bucket": Ref("google_storage_bucket.checkpoints.name"),
                                           "role": WRITE}  # fmt: skip
        if w in gcp_spark.landing_writers(inf):  # the raw batches the Spark job's bronze reads
            buckets[f"{w}-landing"] = {"workload": w, "bucket": Ref("google_storage_bucket.landing.name"),
                                       "role": WRITE}  # fmt: skip
        for _, target, write in (t for t in target_buckets(inf) if t[0] == w):
            buckets[f"{w}-target-{target}"] = {"workload": w, "bucket": Ref(f"var.target_buckets[{quote(target)}]"),
                                               "role": WRITE if write else READ}  # fmt: skip
        for s in readers.get(w, ()):
            secrets_[f"{w}-{s}"] = {"workload": w, "secret": Ref(f"google_secret_manager_secret.spec[{quote(s)}].id")}
    return pod_grants(inf, buckets), pod_grants(inf, secrets_)


def _keyed(inf: Infra) -> Ref:
    """The accounts that use the data key: every workload's but the Pub/Sub bridge's (it reads subscriptions only)."""
    if not gcp_bridge.federated(inf):
        return _v("workload_accounts")
    return Ref(f'{{ for k, v in var.workload_accounts : k => v if k != "{BRIDGE_IDENTITY}" }}')


def identities(inf: Infra) -> tuple[Block, ...]:
    buckets, secrets_ = grants(inf)
    member = Ref('"serviceAccount:${google_service_account.workload[each.value.workload].email}"')
    out = [
        block("resource", "google_service_account", "workload", body=[
            Attr("for_each", _v("workload_accounts")), Attr("account_id", Ref("each.value")),
            Attr("display_name", Ref('"${var.name_prefix} ${each.key}"'))]),
        block("locals", body=[Attr("bucket_grants", buckets), Attr("secret_grants", secrets_)]),
        block("resource", "google_storage_bucket_iam_member", "workload", body=[
            Attr("for_each", Ref("local.bucket_grants")), Attr("bucket", Ref("each.value.bucket")),
            Attr("role", Ref("each.value.role")), Attr("member", member)]),
        block("resource", "google_secret_manager_secret_iam_member", "workload", body=[
            Attr("for_each", Ref("local.secret_grants")), Attr("secret_id", Ref("each.value.secret")),
            Attr("role", "roles/secretmanager.secretAccessor"), Attr("member", member)]),
        block("resource", "google_kms_crypto_key_iam_member", "workload", body=[
            Attr("for_each", _keyed(inf)), Attr("crypto_key_id", Ref("google_kms_crypto_key.data.id")),
            Attr("role", "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
            Attr("member", Ref('"serviceAccount:${google_service_account.workload[each.key].email}"'))]),
    ]  # fmt: skip
    if bigquery_datasets(inf, None):
        out += [
            block("locals", body=[Attr("dataset_grants", Ref(
                "merge([for d, where in var.bigquery_datasets : "
                "{ for w in where.writers : \"${w}-${d}\" => { workload = w, dataset = d, "
                "project = coalesce(where.project, var.project) } }]...)"))]),
            block("resource", "google_bigquery_dataset_iam_member", "workload", body=[
                Attr("for_each", Ref("local.dataset_grants")),
                Attr("dataset_id", Ref("google_bigquery_dataset.target[each.value.dataset].dataset_id")),
                Attr("project", Ref("each.value.project")), Attr("role", "roles/bigquery.dataEditor"),
                Attr("member", member)]),
            block("resource", "google_project_iam_member", "bigquery_jobs", body=[
                Attr("for_each", Ref("{ for g in values(local.dataset_grants) : "
                                     "\"${g.workload}-${g.project}\" => g... }")),
                Attr("project", Ref("each.value[0].project")), Attr("role", "roles/bigquery.jobUser"),
                Attr("member", Ref('"serviceAccount:'
                                   '${google_service_account.workload[each.value[0].workload].email}"'))]),
        ]  # fmt: skip
    if inf.stream:
        # the topic reader (ingest), the stream jobs and, where the quality step publishes its events to the
        # cluster, the workload running it (pipeline/kafka_sign_in.py signs each in with its service account)
        publisher = (EVENTS_PUBLISHER,) if managed_events_publisher(inf.ctx) else ()
        kafka = with_pods(inf, [w for w in inf.workloads if w in ("ingest", "stream", *publisher)])
        out.append(block("resource", "google_project_iam_member", "kafka_client", body=[
            Attr("for_each", Ref("toset([" + ", ".join(quote(w) for w in kafka) + "])")),
            Attr("project", _v("project")), Attr("role", "roles/managedkafka.client"),
            Attr("member", Ref('"serviceAccount:${google_service_account.workload[each.value].email}"'))]))  # fmt: skip
    if pods(inf):
        # GKE Workload Identity: each pod's Kubernetes ServiceAccount may act as its service account
        # (the cluster's workload pool: `<project>.svc.id.goog`, the cluster in this project)
        out.append(block("resource", "google_service_account_iam_member", "workload_identity", body=[
            Attr("for_each", _v("k8s_service_accounts")),
            Attr("service_account_id", Ref("google_service_account.workload[each.key].name")),
            Attr("role", "roles/iam.workloadIdentityUser"),
            Attr("member", Ref('"serviceAccount:${var.project}.svc.id.goog[${var.k8s_namespace}/${each.value}]"')),
        ]))  # fmt: skip
    return tuple(out)


def outputs(inf: Infra) -> tuple[Output, ...]:
    out = [
        Output("lake_bucket", "google_storage_bucket.lake.name", "The lake's GCS bucket."),
        Output("workload_service_accounts", "{ for k, a in google_service_account.workload : k => a.email }",
               "Service account per workload (bind each with Workload Identity)."),
    ]  # fmt: skip
    out += gcp_spark.outputs(inf)
    if pods(inf):
        out.append(Output(IDENTITY_OUTPUT, 'join("", [for k in keys(var.k8s_service_accounts) : '
                          '"${k}=${google_service_account.workload[k].email}\\n"])',
                          "The Kubernetes overlay's identity.env of this environment (docs/kubernetes.md)."),
        )  # fmt: skip
    if inf.stream:
        out.append(Output("kafka_cluster", "google_managed_kafka_cluster.kafka.id", "The Managed Kafka cluster.",
                          sensitive=True))  # fmt: skip
    if gcp_connect.runs(inf):
        out.append(Output("connect_cluster", "google_managed_kafka_connect_cluster.bridge.id",
                          "The Managed Kafka Connect cluster running the Pub/Sub bridge."))  # fmt: skip
    return tuple(out)


def module(inf: Infra) -> CloudModule:
    inf = own_workloads(inf)
    buckets: tuple[Block, ...] = (bucket("lake", "lake_bucket", inf.retention_days),)
    if inf.stream_jobs:
        buckets += (bucket("checkpoints", "checkpoints_bucket", None),)
    if gcp_spark.on_dataproc(inf):  # the Spark job's files: kept, not expired with the lake's objects
        buckets += (bucket("jobs", "jobs_bucket", None),)
    if gcp_spark.landing_bucket(inf):  # the raw batches extract-load lands for the Spark job's bronze
        buckets += (bucket("landing", "landing_bucket", inf.retention_days),)
    accounts = identities(inf) + gcp_spark.identity(inf) + gcp_bridge.blocks(inf)
    files: list[tuple[str, tuple[Block, ...]]] = [("kms.tf", kms()), ("storage.tf", buckets),
                                                  ("identities.tf", accounts)]  # fmt: skip
    if inf.secrets:
        files.append(("secrets.tf", secrets()))
    if bigquery_datasets(inf, None):
        files.append(("bigquery.tf", bigquery(inf)))
    if inf.stream:
        files.append(("stream.tf", stream()))
    if connect := gcp_connect.blocks(inf):
        files.append(("connect.tf", connect))
    if gcp_alerts.alerting(inf):
        files.append(("alerts.tf", gcp_alerts.alerting(inf)))
    if generated := gcp_generators.blocks(inf):
        files.append(("generators.tf", generated))
    beta = ((gcp_connect.BETA, gcp_connect.BETA_SOURCE, PROVIDER_VERSION),) if gcp_connect.runs(inf) else ()
    return CloudModule("google", "hashicorp/google", PROVIDER_VERSION, variables(inf), tuple(files), outputs(inf),
                       SKIPS + (TABLE_SKIPS if gcp_tables.tables(inf) else ()), REGION, alarms=alert_list(inf),
                       extra_providers=beta, root_providers=(provider(gcp_connect.BETA),) if beta else (),
                       tables=tuple((f"{t.dataset}.{t.name}", t.partition or "", ", ".join(t.cluster))
                                    for t in gcp_tables.tables(inf)),
                       spark_secrets=spark_secrets(inf) if gcp_spark.on_dataproc(inf) else (),
                       generators=tuple((g.table, g.topic) for g in gcp_generators.generators(inf)))  # fmt: skip


def provider(name: str = "google") -> Block:
    """The root's configuration of `google` (and of `google-beta`, the same project, region and labels)."""
    return block("provider", name, body=[Attr("project", _v("project")), Attr("region", _v("region")),
                                             Attr("default_labels", _v("tags"))])  # fmt: skip


def backend(names: CloudNames) -> Block:
    return block("backend", "gcs", body=[Attr("bucket", str(names.state_bucket)),
                                         Attr("prefix", str(names.state_key).removesuffix(".tfstate"))])  # fmt: skip


def kafka_size(inf: Infra, environment: str, dev: bool) -> tuple[int, int]:
    """(vCPUs, memory GiB): a multiple of 3 vCPUs, one per broker of the environment (plan/envsizes.py);
    `dev` without an override the fewest, 3 vCPUs with 1 GiB each."""
    sizes = env_sizes(inf.ctx.spec, inf.ctx.plan.capacity, environment)
    small = dev and not sizes.kafka_override
    vcpus = 3 if small else max(3, 3 * math.ceil(sizes.kafka_brokers / 3))
    return vcpus, vcpus * (1 if small else 4)


def env_plan(inf: Infra, names: CloudNames, dev: bool, share: float) -> EnvPlan:
    inf = own_workloads(inf)
    values: list[tuple[str, Value]] = [
        ("name_prefix", str(names.prefix)), ("region", REGION), ("tags", dict(names.tags)),
        ("lake_bucket", str(names.bucket("lake"))), ("retention_days", inf.retention_days),
        ("workload_accounts", identity_names(inf, names)),
        ("secret_names", {s: str(n) for s, n in names.secrets}),
    ]  # fmt: skip
    values += k8s_values(inf, names)
    if inf.stream_jobs:
        values.append(("checkpoints_bucket", str(names.bucket("checkpoints"))))
    if gcp_spark.on_dataproc(inf):
        values += [("spark_account", str(names.identity("spark"))), ("jobs_bucket", str(names.bucket("jobs")))]
    if gcp_spark.landing_bucket(inf):
        values.append(("landing_bucket", str(names.bucket("landing"))))
    if target_buckets(inf):
        values.append(("target_buckets", target_bucket_names(inf, str(names.environment))))
    datasets = bigquery_datasets(inf, str(names.environment))
    if datasets:
        values.append(("bigquery_datasets", datasets))
    if gcp_alerts.variables(inf):
        values.append(("alert_emails", list(alert_emails(inf))))
    vcpus, memory = kafka_size(inf, str(names.environment), dev)
    if inf.stream:
        values += [("kafka_cluster_id", str(names.stream)), ("kafka_vcpus", vcpus), ("kafka_memory_gib", memory),
                   ("kafka_topics", dict(inf.topics))]  # fmt: skip
    values += gcp_generators.values(inf, names)
    values += gcp_bridge.values(inf)
    values += gcp_connect.values(inf, names)
    stored = inf.stored_gib_per_day * share
    warm, cold = tier_days(inf.retention_days)
    hot_days = min(inf.retention_days, warm or inf.retention_days)
    warm_days = (min(inf.retention_days, cold or inf.retention_days) - warm) if warm else 0
    cold_days = inf.retention_days - (cold or inf.retention_days)
    costs = [
        Cost("GCS Standard (hot tier)", round(stored * hot_days, 2), "GB-month", PRICES["standard"]),
        Cost("GCS Nearline (warm tier)", round(stored * warm_days, 2), "GB-month", PRICES["nearline"]),
        Cost("GCS Coldline (cold tier)", round(stored * cold_days, 2), "GB-month", PRICES["coldline"]),
        Cost("Cloud KMS key version", 1, "key-month", PRICES["kms"]),
        Cost("Secret Manager secret versions", len(inf.secrets), "version-month", PRICES["secret"]),
    ]  # fmt: skip
    if alert_list(inf):
        costs.append(
            Cost(
                "Cloud Monitoring alert conditions (PromQL)",
                len(alert_list(inf)),
                "condition-month",
                PRICES["condition"],
            )
        )
    if datasets:
        costs.append(Cost("BigQuery datasets (storage and queries billed by use; not estimated)", len(datasets),
                          "dataset", 0.0))  # fmt: skip
    if inf.stream:
        costs += [Cost("Managed Kafka vCPUs", vcpus, "vCPU-month", PRICES["kafka_vcpu"]),
                  Cost("Managed Kafka memory", memory, "GiB-month", PRICES["kafka_gib"])]  # fmt: skip
    costs += gcp_connect.costs(inf, PRICES)
    costs += gcp_generators.costs(inf)
    return EnvPlan(names, tuple(values), tuple(costs))
