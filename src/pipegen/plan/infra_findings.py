"""Deployment settings the plan leaves without a reader, as located warnings (docs/diagnostics.md):

- R424: an environment's `resources` or `replicas` with Kubernetes on when the plan runs no batch
  workload of pipegen's own on Kubernetes (no Airflow or Prefect schedule: a stream-only plan). The
  kubernetes family sizes its Airflow scheduler or Prefect workers with them; the stream jobs' FlinkDeployments, the
  Kafka cluster and the Terraform sizes come from the plan's capacity figures (docs/plan.md), per
  environment (the `dev` one smallest). Without Kubernetes, R367 says so instead.
- R425: an environment's `kafka_brokers` below the Kafka replication factor (a topic's replicas need a
  broker each); R426: above what the cloud's managed Kafka takes (MSK: MSK_MAX_BROKERS per cluster,
  after rounding up to the availability zones).
- R427: an environment's `kafka_brokers` without Kafka in the plan, or `flink_task_managers` without
  Flink jobs: nothing reads it. Also when no family that reads it is on: the kubernetes family's
  overlays read both (the broker pool's replicas, each FlinkDeployment's task managers); Terraform
  reads `kafka_brokers` on AWS (MSK) and GCP (Managed Kafka), never `flink_task_managers`.
- R428: on Azure with Terraform, a files or lake target a workload's code writes (extract-load's target,
  a Flink job's sink) whose literal container names no literal storage `account`: the code reads the
  account from its environment at run time, so Terraform cannot grant the writers its container.
- R429: on AWS with Terraform where Athena queries the lake (a lake or files target, none serving SQL),
  an Iceberg target whose catalog is not Glue: Athena reads Iceberg tables only through the Glue
  catalog, and neither extract-load's tables (dlt's own catalog) nor the lake job's (its SQL catalog, or
  the target's REST or Unity `lake.catalog`) nor the Spark job's (path-based, REST or Unity) are there, so
  the workgroup finds none of them. With `lake: {catalog: glue}` the deployed lake step (and the Spark
  job where it runs) registers the layers in Glue: no warning.
- R430: on Azure with Terraform, a target as in R428 whose container (`bucket`) or storage `account` is a
  `${secret:…}` / `${env:…}` reference in an environment (the target's connection, unless every
  environment overrides it with a literal): the value exists only at run time, so Terraform generates no
  role assignment on that container and nothing checks that the writers may write it.
- R431: on Azure with Terraform, a target as in R428 whose `bucket` is a URL naming no Azure container
  (`s3://…`, `https://…`): the code writes it as given (the whole root), outside any storage account
  Terraform could grant; an `abfss://container@account.dfs.core.windows.net/…` URL (also abfs, wasb[s]) is
  read as its container and account (`azure_container`), an `az://container/…` one as its container.
- R432: on AWS, the Spark stream on Databricks reading the project's Kafka cluster (MSK, IAM authentication
  only): the job signs in with Databricks' shaded aws-msk-iam-auth as the job cluster's instance profile
  role, and pipegen generates no Databricks workspace, instance profile or role on AWS to grant.
- R461: on GCP, the Spark stream on Databricks reading the project's Kafka cluster (Google's Managed Kafka,
  which issues no client certificates: SASL OAUTHBEARER with Google credentials or SASL PLAIN with a key):
  Google's login handler implements the Kafka client's own interface, which Databricks' runtime relocates
  (`kafkashaded.`), so the stream job cluster cannot sign in with it, and pipegen holds no key.
- R462: on AWS or GCP, a CDC source the Spark stream reads: the generated Kafka Connect (Strimzi's, the
  debezium family's KafkaConnector) writes its change events to the Strimzi cluster (mutual TLS), while the
  Spark stream reads the project's topics from the cloud's managed Kafka (MSK with IAM, Managed Kafka with
  OAUTHBEARER: the terraform family's); nothing carries the events from one cluster to the other.
- R466: the Delta target whose silver dbt's staging reads (`<pipeline>_silver`) when no Spark batch job writes
  it (no Spark batch engine, or the Spark job writes another, first, lake target): only the Spark job's silver
  step registers silver in the catalog dbt's production target reads; the lake step writes it by path.
- R500 (plan/spark_landing.py): a batch source the Spark batch job's bronze reads where no target has a dlt
  destination: deployed, extract-load loads nothing and lands nothing (it lands each batch once its load commits).
- R474: on aws, gcp or azure without Kubernetes, the quality step publishing its validation events to Kafka
  (`quality.events.sink: kafka`) in a plan with no Kafka topics: no managed cluster exists (the terraform family
  creates MSK, Managed Kafka or Event Hubs for the plan's topics only), so the publisher has no cluster to sign
  in to with its workload's identity and nothing grants it a topic; it connects to `KAFKA_BOOTSTRAP_SERVERS`
  with mutual TLS files or plaintext only (pipeline/kafka_sign_in.py `tls_settings`).
- R453: on gcp or azure with Kubernetes and Terraform, Flink jobs in the plan: the FlinkDeployments run as the
  Flink operator's `flink` ServiceAccount, which Terraform federates with the `stream` identity
  (common/workload_identity.py), but those clouds need an annotation on it, and the operator's installation
  creates it outside the project, so pipegen cannot write it (on AWS the Pod Identity association is enough).
- R528, R529: plan/pubsub_bridge.py (the Pub/Sub bridge's cluster and identity).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipegen.plan.capacity import Capacity
from pipegen.plan.components import Graph, Kind
from pipegen.plan.envsizes import replication
from pipegen.plan.pubsub_bridge import bridge_findings
from pipegen.plan.spark_landing import landing_findings
from pipegen.spec.catalog import (
    DELTA_READING_ADAPTERS,
    LAKE_TARGETS,
    MANAGED_KAFKA_SIGN_IN,
    OLAP_TARGETS,
    SERVING_TARGETS,
    TARGET_SYSTEMS,
    WAREHOUSE_TARGETS,
    managed_kafka_cloud,
    on_project_cluster,
)
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import (
    Cloud,
    Compute,
    EventSink,
    Ingestion,
    LakeCatalog,
    Layer,
    Spec,
    TargetType,
)
from pipegen.spec.types import parse_secret_ref

BATCH_WORKLOADS = frozenset({Kind.AIRFLOW_SCHEDULE, Kind.PREFECT_SCHEDULE})
MSK_MAX_BROKERS = 30  # brokers per MSK cluster (the default quota), a multiple of 3 zones outside dev


# targets that serve SQL themselves: with none of them, Athena over the Glue catalog queries an S3 lake
SQL_SERVERS = (WAREHOUSE_TARGETS - {TargetType.DUCKDB}) | OLAP_TARGETS | SERVING_TARGETS


# an Azure Storage URL naming its container and account: ADLS Gen2's abfs[s] (the Flink and Spark sinks'), Blob
# Storage's wasb[s]; fsspec's (dlt's) `az://container/...` names the container only
AZURE_URL = re.compile(r"^(?:abfss?|wasbs?)://([^@/]+)@([^./]+)\.(?:dfs|blob)\.core\.windows\.net(?:/.*)?$")
FSSPEC_AZURE_URL = re.compile(r"^(?:az|abfss?)://([^@/]+)(?:/.*)?$")


def azure_container(bucket: str, account: str | None) -> tuple[str, str | None] | None:
    """(container, storage account) a written target's `bucket` names on Azure: a container name (with a
    path), its `account` given apart; an Azure Storage URL, its container and the account it names (the
    URL is what the code writes, so its account wins); fsspec's `az://container/...` with `account`.
    None: a URL naming no Azure container (R431), or nothing to grant (no bucket)."""
    bucket = bucket.strip().strip("/")
    if not bucket:
        return None
    if "://" not in bucket:
        return bucket.split("/", 1)[0], account or None
    if found := AZURE_URL.match(bucket):
        return found.group(1), found.group(2)
    if found := FSSPEC_AZURE_URL.match(bucket):
        return found.group(1), account or None
    return None


def athena_queries_lake(spec: Spec) -> bool:
    """The lake is in object storage (a lake or files target) and no target serves SQL: on AWS, Terraform
    adds a Glue database and an Athena workgroup over it."""
    types = {t.type for t in spec.targets}
    return bool(types & (LAKE_TARGETS | {TargetType.FILES})) and not types & SQL_SERVERS


def infra_findings(spec: Spec, graph: Graph, capacity: Capacity) -> tuple[Finding, ...]:
    return (*_unsized(spec, graph), *_stream_sizes(spec, graph, capacity), *_ungranted_containers(spec, graph),
            *_referenced_containers(spec, graph), *_unqueried_iceberg(spec, graph),
            *_databricks_on_msk(spec, graph), *_databricks_on_managed_kafka(spec, graph),
            *_capture_off_the_managed_cluster(spec, graph), *_unregistered_delta_silver(spec, graph),
            *_unopened_iceberg_silver(spec, graph),
            *_events_without_a_managed_cluster(spec, graph),
            *_unlinked_flink_identity(spec, graph), *bridge_findings(spec, graph),
            *landing_findings(spec, graph))  # fmt: skip


SPARK_JOBS = frozenset({Kind.SPARK_BATCH, Kind.SPARK_STREAMING})  # the Spark job reads `lake.catalog`


def _unqueried_iceberg(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """An Iceberg target in no Glue catalog. With `lake.catalog: glue` the lake step (Kind.LAKE_TABLES, on for
    every Iceberg target) registers its layers in Glue when deployed, and so does the Spark job where it runs."""
    if spec.cloud != Cloud.AWS or not spec.deploy.terraform.enabled or not athena_queries_lake(spec):
        return
    spark = bool(graph.kinds & SPARK_JOBS)
    for ti, target in enumerate(spec.targets):
        catalog = target.lake.catalog if target.lake else None
        if target.type != TargetType.ICEBERG or catalog == LakeCatalog.GLUE:
            continue
        named = f"the {catalog.value} catalog" if catalog is not None else ""
        layers = (
            f", the lake job's layers in {named or 'its own (pyiceberg SQL) catalog'}"
            if Kind.LAKE_TABLES in graph.kinds
            else ""
        )
        layers += f", the Spark job's in {named or 'a path-based catalog'}" if spark else ""
        yield Finding(
            ("targets", ti, "lake", "catalog") if catalog else ("targets", ti, "type"), "R429",
            f"target '{target.name}': Athena queries the lake (no target serves SQL) and reads Iceberg tables only "
            f"through the Glue catalog, but none of this target's tables is registered there (extract-load's are in "
            f"dlt's own catalog{layers}): the Athena workgroup Terraform creates finds none of them",
            "register the layers in Glue: `lake: {catalog: glue}` (the deployed lake step, and the Spark job where it "
            "runs, create a Glue database per layer), or make the target `type: delta` (Terraform registers the "
            "landed tables as Athena Delta Lake tables)",
            severity="warning",
        )  # fmt: skip


def _written_targets(spec: Spec, graph: Graph) -> set[str]:
    """Targets whose files a workload's code writes: extract-load's (the first dlt writes), each Flink
    job's sink (its target, else the first)."""
    out: set[str] = set()
    loaded = next((t for t in spec.targets if TARGET_SYSTEMS[t.type].dlt_destination), None)
    if loaded is not None and graph.batch_sources:
        out.add(loaded.name)
    if Kind.FLINK_JOBS in graph.kinds and spec.targets:  # Spark's stream layer writes the lake root
        out |= {job.sink.target if job.sink else spec.targets[0].name for job in spec.transforms.streams}
    return out


def _ungranted_containers(spec: Spec, graph: Graph) -> Iterator[Finding]:
    if spec.cloud != Cloud.AZURE or not spec.deploy.terraform.enabled:
        return
    written = _written_targets(spec, graph)
    for ti, target in enumerate(spec.targets):
        if target.name not in written or target.type not in LAKE_TARGETS | {TargetType.FILES}:
            continue
        for where, value, account in _buckets(spec, ti):
            if parse_secret_ref(value):
                continue  # R430's
            found = azure_container(value, account)
            if found is None and "://" in value:
                yield _foreign_url(where, target.name, value)
            elif found is not None and found[1] is None:  # a literal account is granted; a reference is R430's
                yield _no_account(where, target.name, value.strip("/"))


def _no_account(where: tuple[str | int, ...], target: str, bucket: str) -> Finding:
    return Finding(
        where, "R428",
        f"target '{target}': container '{bucket}' names no storage account: the generated code reads the "
        "account from its environment at run time (dlt's credentials, the Flink sinks' AZURE_STORAGE_ACCOUNT), "
        "so Terraform cannot grant the workloads that write it `Storage Blob Data Contributor` on it",
        "add `account: <storage account>` (a literal name) under the target's `connection`; an environment may "
        "override it under `deploy.environments.<env>.targets`",
        severity="warning",
    )  # fmt: skip


def _buckets(spec: Spec, ti: int) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """Where target `ti`'s bucket is written, with the storage account that goes with it there: its
    connection, each environment's override of it (the override's account, else the target's)."""
    target = spec.targets[ti]
    if target.connection.bucket:
        yield ("targets", ti, "connection", "bucket"), target.connection.bucket, target.connection.account
    for name, env in spec.deploy.environments.items():
        for key, conn in env.targets.items():
            if key.lower() == target.name.lower() and conn.bucket:
                account = conn.account or target.connection.account
                yield ("deploy", "environments", name, "targets", key, "bucket"), conn.bucket, account


def _foreign_url(where: tuple[str | int, ...], target: str, value: str) -> Finding:
    return Finding(
        where, "R431",
        f"target '{target}': its bucket {value!r} is a URL naming no Azure Storage container: the generated code "
        "writes it as given, and Terraform generates no `Storage Blob Data Contributor` role assignment for the "
        "workloads that write it",
        "give the container's name with `account: <storage account>`, or its "
        "`abfss://<container>@<account>.dfs.core.windows.net/<path>` URL; or grant the writers yourself",
        severity="warning",
    )  # fmt: skip


def _referenced_containers(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R430: a written target's container or account as a reference in some environment, located where
    the reference is written (the target's connection, or an environment's override of it)."""
    if spec.cloud != Cloud.AZURE or not spec.deploy.terraform.enabled:
        return
    written = _written_targets(spec, graph)
    for ti, target in enumerate(spec.targets):
        if target.name not in written or target.type not in LAKE_TARGETS | {TargetType.FILES}:
            continue
        overrides = {  # environment -> (its key of the target, the override)
            name: next(((k, c) for k, c in env.targets.items() if k.lower() == target.name.lower()), ("", None))
            for name, env in spec.deploy.environments.items()
        }
        for key in ("bucket", "account"):
            base = getattr(target.connection, key) or ""
            given = {name: (k, getattr(c, key) if c is not None else None) for name, (k, c) in overrides.items()}
            if parse_secret_ref(base) and (not given or any(v is None for _, v in given.values())):
                yield _referenced(("targets", ti, "connection", key), target.name, key, base)
            for name, (k, value) in given.items():
                if value is not None and parse_secret_ref(value):
                    where = ("deploy", "environments", name, "targets", k, key)
                    yield _referenced(where, target.name, key, value, name)


def _referenced(where: tuple[str | int, ...], target: str, key: str, value: str, env: str = "") -> Finding:
    what = "container" if key == "bucket" else "storage account"
    return Finding(
        where, "R430",
        f"target '{target}'{f' in environment {env!r}' if env else ''}: its {what} is the reference {value}, known "
        "only at run time: Terraform generates no `Storage Blob Data Contributor` role assignment on the container "
        "for the workloads that write it, and nothing checks that they may",
        f"give `{key}` as a literal name (a storage {what} name is no secret; an environment may override it under "
        "`deploy.environments.<env>.targets`), or grant the writing workloads' managed identities (output "
        "`workload_client_ids`) that role on the container yourself",
        severity="warning",
    )  # fmt: skip


def _stream_sizes(spec: Spec, graph: Graph, capacity: Capacity) -> Iterator[Finding]:
    rf = replication(capacity)
    kafka, flink = Kind.KAFKA_TOPICS in graph.kinds, Kind.FLINK_JOBS in graph.kinds
    kubernetes = spec.deploy.kubernetes.enabled
    managed_kafka = spec.deploy.terraform.enabled and spec.cloud in (Cloud.AWS, Cloud.GCP)
    for name, env in spec.deploy.environments.items():
        brokers = env.kafka_brokers
        where = ("deploy", "environments", name, "kafka_brokers")
        if brokers is not None and not kafka:
            yield Finding(where, "R427", f"environment '{name}': `kafka_brokers` reaches no generated file: the "
                          "plan has no Kafka topics", "remove it", severity="warning", on_key=True)  # fmt: skip
        elif brokers is not None and not (kubernetes or managed_kafka):
            yield Finding(where, "R427", f"environment '{name}': `kafka_brokers` reaches no generated file: "
                          "`deploy.kubernetes` is off, and only its overlays (the Strimzi broker pool's "
                          "replicas) and Terraform's managed Kafka on AWS or GCP read it",
                          "remove it, or enable `deploy.kubernetes`" + (
                              "" if spec.cloud not in (Cloud.AWS, Cloud.GCP) else " or `deploy.terraform`"),
                          severity="warning", on_key=True)  # fmt: skip
        elif brokers is not None and brokers < rf:
            yield Finding(where, "R425", f"environment '{name}': {brokers} Kafka broker(s) cannot hold the "
                          f"{rf} replicas of every topic (the replication factor)",
                          f"set `kafka_brokers` to at least {rf}, or lower "
                          "`sizing.kafka.replication_factor`")  # fmt: skip
        elif brokers is not None and spec.cloud == Cloud.AWS and -(-brokers // 3) * 3 > MSK_MAX_BROKERS:
            yield Finding(where, "R426", f"environment '{name}': {brokers} Kafka brokers is more than an MSK "
                          f"cluster holds ({MSK_MAX_BROKERS}, in multiples of its 3 availability zones)",
                          f"set `kafka_brokers` to at most {MSK_MAX_BROKERS}, or size the topics' partitions "
                          "instead (`sizing.kafka.partitions`)")  # fmt: skip
        if env.flink_task_managers is not None and not flink:
            yield Finding(("deploy", "environments", name, "flink_task_managers"), "R427",
                          f"environment '{name}': `flink_task_managers` reaches no generated file: the plan runs "
                          "no Flink job", "remove it", severity="warning", on_key=True)  # fmt: skip
        elif env.flink_task_managers is not None and not kubernetes:
            yield Finding(("deploy", "environments", name, "flink_task_managers"), "R427",
                          f"environment '{name}': `flink_task_managers` reaches no generated file: "
                          "`deploy.kubernetes` is off, and only its overlays size each environment's "
                          "FlinkDeployments", "remove it, or enable `deploy.kubernetes`",
                          severity="warning", on_key=True)  # fmt: skip


def _unsized(spec: Spec, graph: Graph) -> Iterator[Finding]:
    if not spec.deploy.kubernetes.enabled or graph.kinds & BATCH_WORKLOADS:
        return
    for name, env in spec.deploy.environments.items():
        for key in ("resources", "replicas"):
            if getattr(env, key) is None:
                continue
            yield Finding(
                ("deploy", "environments", name, key), "R424",
                f"environment '{name}': `{key}` reaches no generated file: the plan runs no batch workload on "
                "Kubernetes (no orchestrated extract, dbt or quality run), and the stream jobs, the Kafka cluster "
                "and the cloud resources are sized from the plan's capacity figures per environment",
                "remove it; size the stream side with `sizing:` (Kafka partitions and brokers, Flink "
                "parallelism), which every environment's manifests and Terraform values read",
                severity="warning", on_key=True,
            )  # fmt: skip


def _databricks_on_msk(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R432, located where Databricks was chosen: `engines.compute`, else the Databricks target's type."""
    kinds = graph.kinds
    if spec.cloud != Cloud.AWS or not {Kind.DATABRICKS_JOBS, Kind.SPARK_STREAMING} <= kinds:
        return
    read = [s.name for s in spec.sources if on_project_cluster(s)]
    if not read:
        return
    where: tuple[str | int, ...] = ("engines", "compute")
    if spec.engines.compute != Compute.DATABRICKS:
        where = next(("targets", i, "type") for i, t in enumerate(spec.targets) if t.type == TargetType.DATABRICKS)
    yield Finding(
        where, "R432",
        f"the Spark stream on Databricks reads the project's Kafka cluster ({', '.join(read)}), which on AWS is MSK "
        "with IAM authentication only: the job signs in (Databricks' shaded aws-msk-iam-auth, "
        "`shadedmskiam.software.amazon.msk.auth.iam.IAMLoginModule`) as the stream job cluster's instance profile "
        "role, and pipegen generates no Databricks workspace, instance profile or IAM role on AWS",
        "attach an instance profile to the stream job's cluster whose role may `kafka-cluster:Connect` the cluster, "
        "`DescribeTopic`/`ReadData` its topics and `DescribeGroup`/`AlterGroup` the groups of the stream's prefix "
        "(the generated spark/medallion.json's `tables[].stream`: `topic`, `group_prefix`), or run the stream on "
        "EMR Serverless (`engines.compute` other than databricks), whose execution role Terraform grants",
        severity="warning",
    )  # fmt: skip


def _where_databricks(spec: Spec) -> tuple[str | int, ...]:
    if spec.engines.compute == Compute.DATABRICKS:
        return ("engines", "compute")
    return next(("targets", i, "type") for i, t in enumerate(spec.targets) if t.type == TargetType.DATABRICKS)


def _databricks_on_managed_kafka(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R461, located as R432."""
    if spec.cloud != Cloud.GCP or not {Kind.DATABRICKS_JOBS, Kind.SPARK_STREAMING} <= graph.kinds:
        return
    read = [s.name for s in spec.sources if on_project_cluster(s)]
    if read:
        yield Finding(
            _where_databricks(spec), "R461",
            f"the Spark stream on Databricks reads the project's Kafka cluster ({', '.join(read)}), which on GCP is "
            "Google's Managed Kafka: it issues no client certificates and takes SASL OAUTHBEARER with Google "
            "credentials (Google's GcpLoginCallbackHandler, built on the unshaded Kafka client, which Databricks' "
            "runtime relocates to `kafkashaded.`) or SASL PLAIN with a service account key, and the generated job "
            "signs in with neither there",
            "run the stream on Dataproc Serverless (`engines.compute` other than databricks), whose batches sign in "
            "as their service account, or give the source a cluster of its own (`connection.bootstrap_servers`)",
            severity="warning",
        )  # fmt: skip


MANAGED_KAFKA = {
    Cloud.AWS: ("MSK (IAM authentication only)", "aws-msk-iam-auth, their IAM role allowed `kafka-cluster:Connect`, "
                "`WriteData` and `CreateTopic` on the cluster"),
    Cloud.GCP: ("Google's Managed Kafka (SASL OAUTHBEARER with Google credentials)", "SASL OAUTHBEARER through "
                "Google's managed-kafka-auth-login-handler, their service account a Managed Kafka client"),
}  # fmt: skip


def _capture_off_the_managed_cluster(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R462, at each CDC source's `ingestion`."""
    if spec.cloud not in MANAGED_KAFKA or Kind.SPARK_STREAMING not in graph.kinds:
        return
    cluster, login = MANAGED_KAFKA[spec.cloud]
    for i, source in enumerate(spec.sources):
        if source.ingestion != Ingestion.CDC:
            continue
        yield Finding(
            ("sources", i, "ingestion"), "R462",
            f"source '{source.name}': its change events reach Kafka through the generated Kafka Connect (Strimzi's "
            "KafkaConnect and the debezium/strimzi/ KafkaConnector), which writes them to the Strimzi cluster "
            f"(k8s/kafka/, mutual TLS), while on {spec.cloud.value.upper()} the Spark stream reads the project's "
            f"topics from {cluster}: two clusters, and nothing carries the events from one to the other",
            f"run the connector (debezium/connect/*.json, the Connect REST body) on Kafka Connect workers that write "
            f"to the managed cluster and sign in with {login} (the topics are Terraform's there), instead of Strimzi's",
            severity="warning",
        )  # fmt: skip


def _events_without_a_managed_cluster(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R474, at `quality.events.sink`."""
    cloud = managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled)
    if cloud is None or spec.quality.events.sink != EventSink.KAFKA or Kind.QUALITY_CHECKS not in graph.kinds:
        return
    if Kind.KAFKA_TOPICS in graph.kinds:  # the project's managed cluster: the publisher signs in there
        return
    yield Finding(
        ("quality", "events", "sink"), "R474",
        f"the quality step publishes its validation events to Kafka, but the plan has no Kafka topics, so on "
        f"{cloud.value} no managed cluster is created for it ({MANAGED_KAFKA_SIGN_IN[cloud]}): the publisher has "
        "no cluster to sign in to with its workload's identity, nothing grants it the events topic, and it reaches "
        "KAFKA_BOOTSTRAP_SERVERS with mutual TLS files (KAFKA_SSL_*_LOCATION) or plaintext only",
        "use `quality.events.sink: log`, or point KAFKA_BOOTSTRAP_SERVERS at a broker that takes mutual TLS and set "
        "the KAFKA_SSL_*_LOCATION PEM files for the quality step",
        severity="warning",
    )  # fmt: skip


def _unregistered_delta_silver(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R466 (warning): dbt's staging reads the first lake target that keeps silver as `<pipeline>_silver.<table>`
    (common/lake_catalog.silver_schema); the Spark job's silver step registers a Delta silver there, but only
    the Spark batch job's, and it writes the first lake target (common/lake_catalog.lake_target). Without it
    the lake step writes Delta silver by path (deltalake), registered in no catalog, unless dbt's own
    on-run-start hook registers it on a dbt target that reads through Spark or Databricks (a Delta target's
    own dbt target is dbt-spark; common/lake_catalog.dbt_registers_silver). Iceberg: R464."""
    lakes = [(i, t) for i, t in enumerate(spec.targets) if t.type in LAKE_TARGETS]
    ti, target = next(((i, t) for i, t in lakes if not t.layers or any(loc.layer == Layer.SILVER for loc in t.layers)),
                      (-1, None))  # fmt: skip
    if target is None or target.type != TargetType.DELTA or not any(s.tables or s.topics for s in spec.sources):
        return
    if Kind.SPARK_BATCH in graph.kinds and lakes[0][0] == ti:
        return
    if Kind.SQL_MODELS in graph.kinds and any(TARGET_SYSTEMS[t.type].dbt_adapter in DELTA_READING_ADAPTERS
                                               for t in spec.targets):  # fmt: skip
        return  # dbt's on-run-start hook registers it (common/lake_catalog.dbt_registers_silver, generators/dbt)
    first = lakes[0][1].name
    why = ("no Spark batch job runs (`engines.batch` is not spark)" if Kind.SPARK_BATCH not in graph.kinds else
           f"the Spark job writes the first lake target, '{first}', which keeps no silver layer")  # fmt: skip
    yield Finding(
        ("targets", ti, "type"), "R466",
        f"target '{target.name}': dbt's staging models read silver as `<pipeline>_silver.<table>` in the catalog "
        f"dbt's production target reads; the Spark job registers Delta silver there, but {why}: the lake step writes "
        "silver by path (deltalake) and registers it in no catalog, so a production dbt run finds no silver table "
        "(the local run copies silver into DuckDB)",
        "run the medallion as Spark jobs (`engines.batch: spark`, or `engines.compute: databricks` on a Lakehouse) "
        "with this target first among the lake targets, or register each silver path yourself: "
        "`CREATE TABLE <pipeline>_silver.<table> USING DELTA LOCATION '<silver path>'`",
        severity="warning",
    )  # fmt: skip


def _unopened_iceberg_silver(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R464 (warning): dbt's models read the first lake target that keeps silver as `<pipeline>_silver.<table>`;
    for an Iceberg silver the dbt family writes the Spark Thrift Server's configuration that opens silver's
    catalog as its session catalog (common/lake_catalog.session_catalog_conf: the spec's `lake.catalog`, else
    the Spark job's path-based catalog where the Spark batch job writes it). Without either, silver is in
    the lake step's SQL catalog (pyiceberg's, a SQLite file locally, PIPEGEN_ICEBERG_CATALOG_URI when
    deployed), which Spark does not open as its session catalog."""
    lakes = [(i, t) for i, t in enumerate(spec.targets) if t.type in LAKE_TARGETS]
    ti, target = next(((i, t) for i, t in lakes if not t.layers or any(loc.layer == Layer.SILVER for loc in t.layers)),
                      (-1, None))  # fmt: skip
    if target is None or target.type != TargetType.ICEBERG or Kind.SQL_MODELS not in graph.kinds:
        return
    if (target.lake is not None and target.lake.catalog is not None) or not any(
        s.tables or s.topics for s in spec.sources
    ):
        return
    if Kind.SPARK_BATCH in graph.kinds and lakes[0][0] == ti:
        return  # the Spark job's path-based catalog under the lake root, which the Thrift server opens
    yield Finding(
        ("targets", ti, "type"), "R464",
        f"target '{target.name}': dbt's models read silver as `<pipeline>_silver.<table>` in the catalog of dbt's "
        "Spark target (its Thrift server's session catalog); an Iceberg silver is read there by opening silver's "
        "Iceberg catalog as that session catalog (dbt/spark-thrift/, generated where the catalog is the spec's "
        "`lake.catalog` or the Spark job's), but with neither, silver is in the lake step's own SQL catalog, "
        "which a Spark session does not open, so a production dbt run finds no silver table (the local run "
        "copies silver into DuckDB)",
        "set `lake.catalog` (rest, glue or unity) so the lake step, the Spark job and dbt's Thrift server share "
        "it, or run the medallion as Spark jobs (`engines.batch: spark`); see docs/families.md, lakehouse",
        severity="warning",
    )  # fmt: skip


# R453's hint per cloud: what the user does to the operator's `flink` ServiceAccount (Terraform federates it; AWS's
# EKS Pod Identity association needs nothing on it, so AWS has no R453)
FLINK_LINK_HINTS: dict[Cloud, str] = {
    Cloud.GCP: "annotate it once per cluster: `kubectl -n <namespace> annotate serviceaccount flink "
               "iam.gke.io/gcp-service-account=<email>`, the email the `stream` line of the Terraform output "
               "`k8s_identity_env` prints",
    Cloud.AZURE: "annotate it once per cluster: `kubectl -n <namespace> annotate serviceaccount flink "
                 "azure.workload.identity/client-id=<client id>`, the `stream` line of the Terraform output "
                 "`k8s_identity_env`, and label the Flink pods `azure.workload.identity/use: \"true\"` (the "
                 "FlinkDeployments' podTemplate)",
}  # fmt: skip


def _unlinked_flink_identity(spec: Spec, graph: Graph) -> Iterator[Finding]:
    """R453, at `deploy.kubernetes`."""
    hint = FLINK_LINK_HINTS.get(spec.cloud)
    deploy = spec.deploy
    if hint is None or not (deploy.kubernetes.enabled and deploy.terraform.enabled):
        return
    if Kind.FLINK_JOBS not in graph.kinds:
        return
    yield Finding(
        ("deploy", "kubernetes"), "R453",
        f"the Flink jobs run as the Flink operator's `flink` ServiceAccount, which Terraform federates with the "
        f"`stream` identity, but {spec.cloud.value} needs an annotation on the ServiceAccount naming that identity, "
        "and the operator's installation creates it outside this project, so pipegen cannot write it: until it is "
        "annotated, the jobs reach their checkpoints bucket and sinks with no identity",
        hint, severity="warning", on_key=True,
    )  # fmt: skip
