"""The naming layer: every physical name a generated project uses, computed once from the
spec. Families take names from here and never derive them, so two families that refer to
the same table (dlt loads it, dbt stages it, GX checks it, Debezium captures it, Flink
reads it) always agree.

Conventions (docs/families.md, "Names"):
- landed (raw) table: the dataset name in dlt's snake_case convention, in schema `raw_<source>`
- staging model `stg_<source>__<table>`; marts keep their name; schemas `staging`, `marts`
- dead-letter table `<table>__dead_letter`, quarantine table `<table>__quarantine` (a mart's: `<mart>__quarantine`)
- GX suite parameters `fk__<suite>__<column>`, `freshness__<suite>__<warn|error>` (gx_parameter)
- Kafka topic `<pipeline>.<source>.<table>`, dead-letter topic `<topic>.dlq`; the topic stream jobs
  read (`read_topic`): that one when pipegen owns it (CDC, a Faker stream), else the source's own as the
  spec names it; validation events `<pipeline>.quality.events` (or the spec's `quality.events.topic`)
- lake tables (bronze, silver) `<source>__<table>`, silver's rejected rows `<source>__<table>__rejected`;
  gold tables keep the mart's name
- Flink table `<source>__<table>` (a CDC table's raw changelog `<source>__<table>__changes`); Flink
  job `<pipeline>__<job>`, its sink table `<job>`, helper views `<job>__history`, `<job>__input`
- Flink quality jobs per streamed table (StreamQualityNames): `<pipeline>__<source>__<table>__dead_letters`
  and `…__validation`, views `<source>__<table>__checks`, `__windows`, `__outcomes`; the dead letters'
  redrive (group and transactional id) `…__dead_letters__redrive`, its KafkaUser `<cluster>-redrive`
- the version column a CDC dimension read locally without a version time gets (every row valid from the
  epoch): `_pipegen_version` (LOCAL_VERSION)
- replay versions (ReplayNames): `<name>__v<N>` (job, sink, topic, consumer group, path), `<k8s-name>-v<N>`
- compose.yaml services: a source's database `<source>-db`, the broker `kafka`, Kafka Connect `connect`
- Kubernetes objects: DNS-1123 labels (<= 63 characters, a stable hash suffix when cut)
- buckets/containers per cloud with their length and charset limits (BUCKET_RULES)
- CDC (CdcNames): connector `<pipeline>-<source>-cdc`, topic prefix `<pipeline>.<source>`, slot
  `<pipeline>_<source>`, publication `<slot>_pub`, schema history `<prefix>.schema-history` (read by
  consumer group `<connector>-schemahistory`)
- Kafka on Strimzi (KafkaNames): cluster `<pipeline>`, Connect `<cluster>-connect`, users per component,
  the Secrets and RBAC objects around them
- the kubernetes family's own objects (KubeNames): `<app>-<what>` with `<app>` the pipeline as a DNS
  label (the image name too): Airflow's scheduler `<app>-batch` (the batch pod), its other components
  `<app>-airflow-<component>` (API server, DAG processor, triggerer; their ServiceAccount `<app>-airflow`, the
  API server's Service `<app>-airflow-api-server`), orchestrator workers `<app>-<orchestrator>-worker`,
  a ServiceAccount each (same name), the Secret every workload reads `<app>-secrets`, the ConfigMap
  `<app>-config`, NetworkPolicies `<app>-default-deny`, `<app>-allow-dns`, `<app>-<workload>`
- the Prefect work pool `<pipeline>-pool`; the flow's deployments: `<pipeline>`, or one per environment of
  `deploy.environments` named after it (`<pipeline>/<env>` in Prefect's full name)
- environment variables the generated code reads (EnvNames, `names.env`): the spec's own
  `${secret:NAME}`/`${env:NAME}` as written; pipegen's settings `PIPEGEN_<WHAT>`; a connection
  setting the spec leaves out `<SOURCE or TARGET>_<FIELD>`; the project's Kafka cluster
  `KAFKA_BOOTSTRAP_SERVERS`
Every name is an `Ident` (checked charset); a name that cannot be made valid is a bug.
Environment variable names are upper case: `EnvName`s, checked likewise.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

from pipegen.plan.envnames import ENV, ConnectorEnv, EnvName, EnvNames, SmtpEnv, env_name
from pipegen.plan.idents import (
    BUCKET_RULES,
    STORAGE_ACCOUNT_RULE,
    BucketRule,
    bucket_name,
    clashes,
    dbt_project_name,
    dns_name,
    k8s_labels,
)
from pipegen.plan.kafkanames import (
    FLINK_JOB_PREFIX,
    CdcNames,
    KafkaNames,
    RelayNames,
    cdc_source_names,
    kafka_cluster_names,
    relay_names,
)
from pipegen.safe import Ident
from pipegen.spec.catalog import bridged_to_project_cluster, on_project_cluster
from pipegen.spec.model import Cloud, Ingestion, Source, SourceType, Spec
from pipegen.spec.snakecase import snake

__all__ = [  # the naming layer: its own names and the rules it re-exports (idents, envnames)
    "BUCKET_PURPOSES",
    "BUCKET_RULES",
    "COMPOSE_AIRFLOW",
    "COMPOSE_AIRFLOW_DB",
    "COMPOSE_CONNECT",
    "COMPOSE_FLINK_JOBMANAGER",
    "COMPOSE_FLINK_SQL",
    "COMPOSE_FLINK_TASKMANAGER",
    "COMPOSE_ICEBERG_REST",
    "COMPOSE_KAFKA",
    "COMPOSE_KAFKA_TOPICS",
    "COMPOSE_PREFECT_SERVER",
    "COMPOSE_PREFECT_WORKER",
    "ENV",
    "FLINK_JOB_PREFIX",
    "GX_PARAMETER_PREFIX",
    "LOCAL_VERSION",
    "MARTS_SCHEMA",
    "REPLAY_K8S_VERSION",
    "REPLAY_VERSION",
    "STAGING_SCHEMA",
    "STORAGE_ACCOUNT_RULE",
    "BucketRule",
    "CdcNames",
    "ConnectorEnv",
    "DatasetNames",
    "EnvName",
    "EnvNames",
    "KafkaNames",
    "KubeNames",
    "MartNames",
    "Names",
    "RelayNames",
    "ReplayNames",
    "SmtpEnv",
    "StreamJobNames",
    "StreamQualityNames",
    "bucket_name",
    "compose_generator",
    "compose_service",
    "dns_name",
    "env_name",
    "gx_parameter",
    "k8s_labels",
    "names",
    "partition_column",
    "snake",
]

STAGING_SCHEMA = "staging"
MARTS_SCHEMA = "marts"
# the version time of a CDC dimension read from its change files with no version time of its own
# (Flink's local temporal join: every version valid from the epoch)
LOCAL_VERSION = Ident("_pipegen_version")
# The ServiceAccount the FlinkDeployments run as: the Flink Kubernetes Operator's job ServiceAccount, which its
# installation creates in each watched namespace (the Helm chart's `jobServiceAccount`), with the RBAC a
# JobManager needs; the terraform family federates the stream identity with it (common/workload_identity.py).
FLINK_SERVICE_ACCOUNT = Ident("flink")


def partition_column(granularity: str) -> Ident:
    """A lake table's stored partition column, `_pipegen_<granularity>` (`_pipegen_day`): its time
    column truncated to the plan's granularity, as text. Delta (deltalake) and a Spark Delta or
    Parquet table have no hidden partitioning, so the value is a column of the table; Iceberg
    partitions by a transform of the time column and stores none."""
    return Ident(f"_pipegen_{granularity}")


@dataclass(frozen=True)
class DatasetNames:
    """Names of one source table or topic, in every system it reaches."""

    source: str  # as written in the spec (for messages; print `ref` or names below)
    dataset: str
    ref: Ident  # "<source>.<dataset>" in snake case: how docs and code refer to it
    raw_schema: Ident
    raw_table: Ident
    staging_model: Ident
    dead_letter_table: Ident
    quarantine_table: Ident
    topic: Ident
    dead_letter_topic: Ident
    flink_table: Ident
    k8s_name: Ident
    columns: tuple[tuple[str, Ident], ...]  # spec column name -> landed column name
    read_topic: str  # the topic stream jobs read (a Kafka source's own name as written: case kept)
    on_pipeline_cluster: bool  # read_topic is on the project's Kafka cluster: the kafka family declares and grants it
    ingest_group: Ident  # `<topic>.ingest`: the consumer group of a Kafka topic's batch reader (pipeline/topics.py)

    @property
    def lake_table(self) -> Ident:
        """Its bronze and silver lake tables: `<source>__<table>` (silver's rejected rows: `…__rejected`)."""
        return Ident(f"{self.ref.replace('.', '__', 1)}")

    @property
    def flink_changes(self) -> Ident:
        """The raw CDC changelog table under the view named `flink_table` (Debezium's temporals as strings)."""
        return Ident(f"{self.flink_table}__changes")

    def column(self, name: str) -> Ident:
        for spec_name, landed in self.columns:
            if spec_name == name:
                return landed
        raise KeyError(f"{self.source}.{self.dataset} has no column {name}")


# A GX suite parameter (`{"$PARAMETER": name}` in a suite, filled by the quality runner at run
# time) is `<prefix>__<suite>__<qualifier>`; the prefix is the rule kind's name, or this short form.
GX_PARAMETER_PREFIX = {"foreign_key": "fk"}


def gx_parameter(rule: str, suite: str, qualifier: str) -> Ident:
    """A rule's run-time suite parameter: `fk__<suite>__<column>` (a foreign key's parent keys),
    `freshness__<suite>__<warn|error>` (a freshness bound, now minus the age)."""
    return Ident(f"{GX_PARAMETER_PREFIX.get(rule, rule)}__{suite}__{qualifier}")


@dataclass(frozen=True)
class MartNames:
    mart: str
    model: Ident
    schema: Ident

    @property
    def quarantine_table(self) -> Ident:
        """Where the quality step moves a mart's failing rows (beside the mart)."""
        return Ident(f"{self.model}__quarantine")


@dataclass(frozen=True)
class StreamJobNames:
    job: str
    flink_job: Ident  # `<pipeline>__<job>`: pipeline.name, consumer group, transactional-id prefix, script
    sink_table: Ident
    output_topic: Ident
    k8s_name: Ident

    @property
    def history_view(self) -> Ident:
        """`<sink>__history`: the job's source with its per-key statistics over the previous events."""
        return Ident(f"{self.sink_table}__history")

    def history_views(self, windows: int) -> list[str]:
        """One view per OVER window of the history statistics, chained: `<sink>__history1`, ...,
        the last one `<sink>__history` (the job reads it)."""
        return [f"{self.sink_table}__history{i}" for i in range(1, windows)] + [str(self.history_view)]

    @property
    def input_view(self) -> Ident:
        """`<sink>__input`: the job's input (dimensions joined, the filter applied, group keys)."""
        return Ident(f"{self.sink_table}__input")


@dataclass(frozen=True)
class StreamQualityNames:
    """The flink family's jobs over one streamed table: its two quality jobs and the views they share,
    and (a Lakehouse plan) the job landing it in bronze."""

    source: str  # as written in the spec
    dataset: str
    dead_letters: StreamJobNames  # `<pipeline>__<source>__<table>__dead_letters` -> the table's `<topic>.dlq`
    validation: StreamJobNames  # `<pipeline>__<source>__<table>__validation` -> the validation events topic
    checks_view: Ident  # `<source>__<table>__checks`: each event's rule outcomes
    windows_view: Ident  # `<source>__<table>__windows`: events and failures per rule per window
    outcomes_view: Ident  # `<source>__<table>__outcomes`: run id, window end, failed rules per window
    redrive: Ident  # `<dead_letters job>__redrive`: consumer group and transactional id of pipeline/redrive.py
    # `<pipeline>__<source>__<table>__bronze` -> the table's bronze lake table (`lake_table`), its sink
    # `<source>__<table>__bronze`; its output topic is the table's own (a lake sink writes none)
    bronze: StreamJobNames


@dataclass(frozen=True)
class ReplayNames:
    """Names of a Flink job's replay versions (pipeline/replay.py). The version number is chosen when a
    replay is planned, so the project gets these rules as data (flink/jobs.json, `names`) and the
    runtime only fills them in."""

    job_prefix: Ident  # `<pipeline>__`: every Flink job's name starts with it; the rest is its short name
    version: str  # `{name}__v{version}`: version N of a job, sink, topic, table, consumer group or path
    k8s_version: str  # `{name}-v{version}`: version N of a FlinkDeployment (DNS-1123: no `_`)

    def versioned(self, name: str, version: int | str) -> str:
        return self.version.format(name=name, version=version)

    def as_data(self) -> dict[str, str]:
        """The rules as the generated project reads them."""
        return {"job_prefix": str(self.job_prefix), "version": self.version, "k8s_version": self.k8s_version}


@dataclass(frozen=True)
class KubeNames:
    """The kubernetes family's own objects (docs/families.md, "Names"): DNS-1123 labels."""

    app: Ident  # the pipeline as a DNS label: the image name, the `app.kubernetes.io/part-of` value
    batch: Ident  # the Airflow scheduler's Deployment, which runs the DAG's tasks (and its ServiceAccount)
    worker: Ident  # Deployment of the orchestrator's workers (and its ServiceAccount)
    secrets: Ident  # Secret holding every secret the workloads read: created outside pipegen, referenced
    config: Ident  # ConfigMap of the environment's variables (kustomize configMapGenerator)
    identity: Ident  # ConfigMap (local to kustomize, never applied) of an overlay's identity.env
    default_deny: Ident  # NetworkPolicy: no traffic in or out of any pod of the namespace
    dns: Ident  # NetworkPolicy: every pod may resolve names (kube-dns)
    # the self-hosted Airflow (orchestrator airflow): its control pods' ServiceAccount (no cloud identity; the
    # scheduler, which runs the tasks, is the batch pod and runs as `batch`) and its API server's Service
    airflow: Ident  # `<app>-airflow`
    airflow_api: Ident  # `<app>-airflow-api-server`: Deployment, Service and the tasks' execution API host

    def airflow_component(self, component: str) -> Ident:
        """A self-hosted Airflow component's Deployment: `<app>-airflow-<component>`."""
        return dns_name(f"{self.app}-airflow-{component}")

    def policy(self, workload: str) -> Ident:
        """The NetworkPolicy of one workload: `<app>-<workload>`."""
        return dns_name(f"{self.app}-{workload}")

    def generator(self, stream: str) -> Ident:
        """The Deployment (and ServiceAccount) of one Faker stream's generator: `<app>-gen-<source>-<table>`."""
        return dns_name(f"{self.app}-gen-{stream}")

    def delta_loader(self, job: str) -> Ident:
        """The Deployment of a stream job's Delta loader (pipeline/delta_relay.py): `<app>-delta-<job>`."""
        return dns_name(f"{self.app}-delta-{job}")

    @property
    def delta_loader_account(self) -> Ident:
        """The ServiceAccount every Delta loader runs as (one cloud identity, `loader`): `<app>-delta-loader`."""
        return dns_name(f"{self.app}-delta-loader")


def _kube_names(pipeline: str, orchestrator: str) -> KubeNames:
    app = dns_name(pipeline, max_len=40)
    return KubeNames(
        app=app,
        batch=Ident(f"{app}-batch"),
        worker=Ident(f"{app}-{orchestrator}-worker"),
        secrets=Ident(f"{app}-secrets"),
        config=Ident(f"{app}-config"),
        identity=Ident(f"{app}-identity"),
        default_deny=Ident(f"{app}-default-deny"),
        dns=Ident(f"{app}-allow-dns"),
        airflow=Ident(f"{app}-airflow"),
        airflow_api=Ident(f"{app}-airflow-api-server"),
    )


@dataclass(frozen=True)
class Names:
    pipeline: Ident
    dbt_project: Ident
    dlt_pipeline: Ident
    staging_schema: Ident
    marts_schema: Ident
    k8s_namespace: Ident
    flink_env_secret: Ident  # Secret with the Flink jobs' `${VAR}` values (envFrom): `<namespace>-flink-env`
    events_topic: Ident
    buckets: tuple[tuple[str, Ident], ...]  # purpose -> bucket/container name for the spec's cloud
    storage_account: Ident | None  # Azure only
    datasets: tuple[DatasetNames, ...]
    marts: tuple[MartNames, ...]
    streams: tuple[StreamJobNames, ...]
    sources: tuple[tuple[str, Ident], ...]  # spec source name -> its snake-case key
    run_summary_artifact: Ident  # Prefect artifact key `<pipeline>-run-summary`: a-z, 0-9, - only
    stream_quality: tuple[StreamQualityNames, ...]  # per dataset: the flink family's quality jobs over it
    replay: ReplayNames
    cdc: tuple[CdcNames, ...] = ()  # one per source with `ingestion: cdc`, in spec order
    kafka: KafkaNames | None = None
    kube: KubeNames | None = None  # the kubernetes family's objects
    # the Prefect work pool the deployment and its workers use
    prefect_work_pool: Ident = field(default_factory=lambda: Ident("pool"))

    # Lookups go through maps built once per Names (from the end, so the first entry wins as a scan found it):
    # a family asks for every dataset's names, so a scan per lookup would be quadratic in the spec.

    def prefect_deployment(self, environment: str | None = None) -> Ident:
        """A deployment of the pipeline's Prefect flow (prefect.yaml; Prefect's full name `<pipeline>/<this>`):
        the pipeline's name where the spec names no environment, else the environment's (a DNS label)."""
        return Ident(environment) if environment else self.pipeline

    def cdc_source(self, source: str) -> CdcNames:
        return _lookup(self._cdc_index, source, f"no CDC source {source}")

    def source_key(self, source: str) -> Ident:
        return self._source_keys[source]

    def source_schema(self, source: str) -> Ident:
        """The schema a source lands in: `raw_<source>`."""
        return Ident(f"raw_{self.source_key(source)}")

    def source_task(self, source: str) -> Ident:
        """The orchestrator task (Airflow task group, Prefect task run) loading a source: `ingest_<source>`."""
        return Ident(f"ingest_{self.source_key(source)}")

    def dataset(self, source: str, dataset: str) -> DatasetNames:
        return _lookup(self._dataset_index, (source, dataset), f"no dataset {source}.{dataset}")

    def mart(self, mart: str) -> MartNames:
        return _lookup(self._mart_index, mart, f"no mart {mart}")

    def stream(self, job: str) -> StreamJobNames:
        return _lookup(self._stream_index, job, f"no stream job {job}")

    def relay(self, job: str, table: str, system: str) -> RelayNames:
        """The relay topic of stream job `job` into `table` of a `system` target, and its ingestion's names."""
        return relay_names(self.pipeline, str(self.stream(job).sink_table), table, system)

    def quality_jobs(self, source: str, dataset: str) -> StreamQualityNames:
        return _lookup(self._quality_index, (source, dataset), f"no dataset {source}.{dataset}")

    def bucket(self, purpose: str) -> Ident:
        return self._bucket_index[purpose]

    @cached_property
    def flink_jobs(self) -> dict[str, Ident]:
        """Every Flink job's FlinkDeployment name -> its job id (stream jobs, each table's quality and bronze jobs)."""
        quality = [j for q in self.stream_quality for j in (q.dead_letters, q.validation, q.bronze)]
        return {str(j.k8s_name): j.flink_job for j in (*self.streams, *quality)}

    @cached_property
    def _cdc_index(self) -> dict[str, CdcNames]:
        return {n.source: n for n in reversed(self.cdc)}

    @cached_property
    def _source_keys(self) -> dict[str, Ident]:
        return dict(self.sources)

    @cached_property
    def _dataset_index(self) -> dict[tuple[str, str], DatasetNames]:
        return {(n.source, n.dataset): n for n in reversed(self.datasets)}

    @cached_property
    def _mart_index(self) -> dict[str, MartNames]:
        return {n.mart: n for n in reversed(self.marts)}

    @cached_property
    def _stream_index(self) -> dict[str, StreamJobNames]:
        return {n.job: n for n in reversed(self.streams)}

    @cached_property
    def _quality_index(self) -> dict[tuple[str, str], StreamQualityNames]:
        return {(n.source, n.dataset): n for n in reversed(self.stream_quality)}

    @cached_property
    def _bucket_index(self) -> dict[str, Ident]:
        return dict(self.buckets)

    @property
    def env(self) -> EnvNames:
        """The environment variables the generated code reads that pipegen names."""
        return ENV


_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


def _lookup(index: dict[_K, _V], key: _K, missing: str) -> _V:
    found = index.get(key)
    if found is None:
        raise KeyError(missing)
    return found


BUCKET_PURPOSES = ("lake", "checkpoints", "state")
COMPOSE_KAFKA, COMPOSE_CONNECT = Ident("kafka"), Ident("connect")  # compose.yaml's broker and Kafka Connect
COMPOSE_KAFKA_TOPICS = Ident("kafka-topics")  # compose.yaml's one-shot that creates the project's topics on it
# compose.yaml's Flink session cluster and the service that submits the generated SQL jobs to it
COMPOSE_FLINK_JOBMANAGER, COMPOSE_FLINK_TASKMANAGER = Ident("flink-jobmanager"), Ident("flink-taskmanager")
COMPOSE_FLINK_SQL = Ident("flink-sql")
COMPOSE_ICEBERG_REST = Ident("iceberg-rest")  # the local Iceberg REST catalog of the jobs' Iceberg sinks
# the orchestrator's: Airflow and its metadata database, or a Prefect server and a worker. None of these
# fixed names ends in `-db`, so none can meet a source database's `<source>-db` (compose_service)
COMPOSE_AIRFLOW, COMPOSE_AIRFLOW_DB = Ident("airflow"), Ident("airflow-postgres")
COMPOSE_PREFECT_SERVER, COMPOSE_PREFECT_WORKER = Ident("prefect-server"), Ident("prefect-worker")


def compose_service(source: str) -> Ident:
    """A source database's local stand-in service in compose.yaml: `<source>-db` (a DNS label)."""
    return dns_name(f"{snake(source)}-db")


def compose_generator(stream: str) -> Ident:
    """A Faker stream's generator service in compose.yaml: `<source>-<table>-generator` (`stream`: the stream's DNS
    name, common/faker_streams.py `FakerStream.name`); it ends in `-generator`, so it never meets a `<source>-db`
    or one of the fixed names above."""
    return dns_name(f"{stream}-generator")


def compose_delta_loader(job: str) -> Ident:
    """A Delta loader's service in compose.yaml (pipeline/delta_relay.py JOB): `<job>-delta-loader`, ending so."""
    return dns_name(f"{job}-delta-loader")


REPLAY_VERSION = "{name}__v{version}"
REPLAY_K8S_VERSION = "{name}-v{version}"


def _flink_job(pipeline: str, job: str) -> Ident:
    """`<pipeline>__<job>`: the prefix the Flink user's group and transactional-id ACLs grant."""
    return Ident(FLINK_JOB_PREFIX.format(pipeline=pipeline) + job)


def _read_topic(source: Source, dataset: str, topic: str) -> tuple[str, bool]:
    """(the topic stream jobs read a dataset from, whether it is on the project's cluster): pipegen's own
    topic for a CDC table or a Faker stream; a Kafka source's topic as written, on the project's cluster
    unless the source names its `bootstrap_servers` (`spec.catalog.on_project_cluster`); a Pub/Sub topic's bridged
    Kafka topic of the same name, on the project's cluster (`bridged_to_project_cluster`: read as any topic there)."""
    own = source.ingestion == Ingestion.CDC or source.type == SourceType.FAKER
    there = on_project_cluster(source) or bridged_to_project_cluster(source)
    return (topic if own or source.ingestion == Ingestion.BATCH else dataset), there


def _dataset_names(pipeline: str, source: Source, dataset: str, columns: list[str]) -> DatasetNames:
    src, table = snake(source.name), snake(dataset)
    topic = f"{pipeline}.{src}.{table}"
    read_topic, on_pipeline_cluster = _read_topic(source, dataset, topic)
    return DatasetNames(
        source=source.name,
        dataset=dataset,
        ref=Ident(f"{src}.{table}"),
        raw_schema=Ident(f"raw_{src}"),
        raw_table=Ident(table),
        staging_model=Ident(f"stg_{src}__{table}"),
        dead_letter_table=Ident(f"{table}__dead_letter"),
        quarantine_table=Ident(f"{table}__quarantine"),
        topic=Ident(topic),
        dead_letter_topic=Ident(f"{topic}.dlq"),
        flink_table=Ident(f"{src}__{table}"),
        k8s_name=dns_name(f"{pipeline}-{src}-{table}"),
        columns=tuple((c, Ident(snake(c))) for c in columns),
        read_topic=read_topic,
        on_pipeline_cluster=on_pipeline_cluster,
        ingest_group=Ident(f"{topic}.ingest"),
    )


def names(spec: Spec) -> Names:
    """Every physical name of the project generated from `spec`."""
    pipeline = snake(spec.pipeline.name)
    rule = BUCKET_RULES[spec.cloud]
    namespace = spec.deploy.kubernetes.namespace or pipeline
    datasets = tuple(
        _dataset_names(pipeline, s, d.name, [c.name for c in d.columns])
        for s in spec.sources
        for d in (*s.tables, *s.topics)
    )
    clashing = clashes([d.k8s_name for d in datasets])
    datasets = tuple(
        replace(d, k8s_name=dns_name(f"{pipeline}-{d.source}-{d.dataset}", always_hash=True))
        if d.k8s_name in clashing
        else d
        for d in datasets
    )
    events_topic = Ident(_topic_name(spec.quality.events.topic) or f"{pipeline}.quality.events")
    k8s_namespace = dns_name(namespace)
    return Names(
        pipeline=Ident(pipeline),
        dbt_project=dbt_project_name(pipeline),
        dlt_pipeline=Ident(pipeline),
        staging_schema=Ident(STAGING_SCHEMA),
        marts_schema=Ident(MARTS_SCHEMA),
        k8s_namespace=k8s_namespace,
        flink_env_secret=Ident(f"{k8s_namespace}-flink-env"),
        events_topic=events_topic,
        buckets=tuple((p, bucket_name(pipeline, p, rule)) for p in BUCKET_PURPOSES),
        storage_account=bucket_name(pipeline, "data", STORAGE_ACCOUNT_RULE) if spec.cloud == Cloud.AZURE else None,
        datasets=datasets,
        marts=tuple(MartNames(m.name, Ident(snake(m.name)), Ident(MARTS_SCHEMA)) for m in spec.transforms.marts),
        streams=tuple(
            StreamJobNames(
                job=j.name,
                flink_job=_flink_job(pipeline, snake(j.name)),
                sink_table=Ident(snake(j.name)),
                # a Kafka sink's topic: the spec's `sink.table` when given, else `<pipeline>.<job>`
                output_topic=Ident(_topic_name(j.sink.table if j.sink else None) or f"{pipeline}.{snake(j.name)}"),
                k8s_name=dns_name(f"{pipeline}-{j.name}"),
            )
            for j in spec.transforms.streams
        ),
        sources=tuple((s.name, Ident(snake(s.name))) for s in spec.sources),
        run_summary_artifact=dns_name(f"{pipeline}-run-summary"),
        stream_quality=tuple(_stream_quality_names(pipeline, d, events_topic) for d in datasets),
        replay=ReplayNames(Ident(FLINK_JOB_PREFIX.format(pipeline=pipeline)), REPLAY_VERSION, REPLAY_K8S_VERSION),
        cdc=tuple(cdc_source_names(pipeline, s.name) for s in spec.sources if s.ingestion == Ingestion.CDC),
        kafka=kafka_cluster_names(pipeline),
        kube=_kube_names(pipeline, spec.orchestrator.value),
        prefect_work_pool=Ident(f"{pipeline}-pool"),
    )


def _stream_quality_names(pipeline: str, ds: DatasetNames, events_topic: Ident) -> StreamQualityNames:
    def job(short: str, sink: str, topic: Ident) -> StreamJobNames:
        return StreamJobNames(
            job=f"{ds.ref} {short}",
            flink_job=_flink_job(pipeline, f"{ds.flink_table}__{short}"),
            sink_table=Ident(f"{ds.flink_table}__{sink}"),
            output_topic=topic,
            k8s_name=dns_name(f"{pipeline}-{ds.source}-{ds.dataset}-{short}"),
        )

    return StreamQualityNames(
        source=ds.source,
        dataset=ds.dataset,
        dead_letters=job("dead_letters", "dead_letters", ds.dead_letter_topic),
        validation=job("validation", "validation_events", events_topic),
        checks_view=Ident(f"{ds.flink_table}__checks"),
        windows_view=Ident(f"{ds.flink_table}__windows"),
        outcomes_view=Ident(f"{ds.flink_table}__outcomes"),
        redrive=_flink_job(pipeline, f"{ds.flink_table}__dead_letters__redrive"),
        bronze=job("bronze", "bronze", ds.topic),
    )


_TOPIC_RE = re.compile(r"^[a-z0-9._-]+$")


def _topic_name(topic: str | None) -> str | None:
    """The spec's own topic name when it is a valid lowercase Kafka name (the spec checks it)."""
    if topic is None:
        return None
    return topic if _TOPIC_RE.match(topic) else snake(topic)
