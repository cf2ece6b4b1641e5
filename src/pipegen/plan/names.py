"""The naming layer: every physical name a generated project uses, computed once from the
spec. Families take names from here and never derive them, so two families that refer to
the same table (dlt loads it, dbt stages it, GX checks it, Debezium captures it, Flink
reads it) always agree.

Conventions (docs/families.md, "Names"):
- landed (raw) table: the dataset name in dlt's snake_case convention, in schema `raw_<source>`
- staging model `stg_<source>__<table>`; marts keep their name; schemas `staging`, `marts`
- dead-letter table `<table>__dead_letter`, quarantine table `<table>__quarantine` (a mart's: `<mart>__quarantine`)
- GX suite parameters `fk__<suite>__<column>`, `freshness__<suite>__<warn|error>` (gx_parameter)
- Kafka topic `<pipeline>.<source>.<table>`, dead-letter topic `<topic>.dlq`,
  validation events `<pipeline>.quality.events` (or the spec's `quality.events.topic`)
- Flink table `<source>__<table>` (a CDC table's raw changelog `<source>__<table>__changes`); Flink
  job `<pipeline>__<job>`, its sink table `<job>`, helper views `<job>__history`, `<job>__input`
- Flink quality jobs per streamed table (StreamQualityNames): `<pipeline>__<source>__<table>__dead_letters`
  and `…__validation`, views `<source>__<table>__checks`, `__windows`, `__outcomes`
- replay versions (ReplayNames): `<name>__v<N>` (job, sink, topic, consumer group, path), `<k8s-name>-v<N>`
- Kubernetes objects: DNS-1123 labels (<= 63 characters, a stable hash suffix when cut)
- buckets/containers per cloud with their length and charset limits (BUCKET_RULES)
- CDC (CdcNames): connector `<pipeline>-<source>-cdc`, topic prefix `<pipeline>.<source>`, slot
  `<pipeline>_<source>`, publication `<slot>_pub`, schema history `<prefix>.schema-history` (read by
  consumer group `<connector>-schemahistory`)
- Kafka on Strimzi (KafkaNames): cluster `<pipeline>`, Connect `<cluster>-connect`, users per component,
  the Secrets and RBAC objects around them
- environment variables the generated code reads (EnvNames, `names.env`): the spec's own
  `${secret:NAME}`/`${env:NAME}` as written; pipegen's settings `PIPEGEN_<WHAT>`; a connection
  setting the spec leaves out `<SOURCE or TARGET>_<FIELD>`; the project's Kafka cluster
  `KAFKA_BOOTSTRAP_SERVERS`
Every name is an `Ident` (checked charset); a name that cannot be made valid is a bug.
Environment variable names are upper case: `EnvName`s, checked likewise.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Final

from pipegen.safe import Ident
from pipegen.spec.model import Cloud, Ingestion, Spec

STAGING_SCHEMA = "staging"
MARTS_SCHEMA = "marts"

_BREAK_1 = re.compile(r"([^_])([A-Z][a-z]+)")
_BREAK_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^a-zA-Z0-9_]+")
_UNDERSCORES = re.compile(r"__+")


def snake(name: str) -> str:
    """A name as dlt's default `snake_case` naming convention stores it (dlt.common.normalizers
    .naming.snake_case): CamelCase split, lowercased, non-alphanumerics to `_`, trailing `_`
    to `x`, runs of `_` collapsed, a leading digit prefixed with `_`. Landed tables and
    columns are named this way, so downstream SQL must use the same."""
    text = _NON_ALNUM.sub("_", name)
    text = _BREAK_2.sub(r"\1_\2", _BREAK_1.sub(r"\1_\2", text)).lower()
    if text[:1].isdigit():
        text = "_" + text
    stripped = text.rstrip("_")
    text = stripped + "x" * (len(text) - len(stripped))
    return _UNDERSCORES.sub("_", text)


def _hash(value: str, n: int = 6) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:n]


def dns_name(value: str, max_len: int = 63, always_hash: bool = False) -> Ident:
    """A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric,
    at most `max_len` characters; a name that had to be cut (or `always_hash`) ends in a
    stable hash of the full value, so distinct values stay distinct."""
    label = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", value.lower())).strip("-")
    if always_hash or len(label) > max_len or not label:
        suffix = _hash(value)
        head = label[: max_len - len(suffix) - 1].rstrip("-")
        label = f"{head}-{suffix}" if head else f"x-{suffix}"
    return Ident(label)


@dataclass(frozen=True)
class BucketRule:
    min_len: int
    max_len: int
    allowed: str  # regex character class body
    separator: str  # what replaces '_' and other characters ('' = removed)


# Object-store names per cloud (AWS S3 bucket, GCS bucket, Azure Blob container; local: a directory).
BUCKET_RULES: dict[Cloud, BucketRule] = {
    Cloud.AWS: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.GCP: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.AZURE: BucketRule(3, 63, "a-z0-9-", "-"),
    Cloud.LOCAL: BucketRule(1, 255, "a-z0-9_-", "_"),
}
# Azure storage accounts: 3-24 lowercase letters and digits, globally unique.
STORAGE_ACCOUNT_RULE = BucketRule(3, 24, "a-z0-9", "")


def bucket_name(pipeline: str, purpose: str, rule: BucketRule) -> Ident:
    """`<pipeline>-<purpose>` within a cloud's limits (a stable hash suffix when cut)."""
    full = f"{pipeline}_{purpose}".lower()
    name = re.sub(f"[^{rule.allowed}]+", rule.separator, full)
    if rule.separator:
        name = re.sub(f"{re.escape(rule.separator)}{{2,}}", rule.separator, name).strip(rule.separator)
    if len(name) > rule.max_len:
        suffix = _hash(full, 6)
        name = name[: rule.max_len - len(suffix) - len(rule.separator)].rstrip(rule.separator)
        name = f"{name}{rule.separator}{suffix}"
    if len(name) < rule.min_len:
        name = name + "0" * (rule.min_len - len(name))
    return Ident(name)


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

    @property
    def input_view(self) -> Ident:
        """`<sink>__input`: the job's input (dimensions joined, the filter applied, group keys)."""
        return Ident(f"{self.sink_table}__input")


@dataclass(frozen=True)
class StreamQualityNames:
    """The flink family's two quality jobs over one streamed table, and the views they share."""

    source: str  # as written in the spec
    dataset: str
    dead_letters: StreamJobNames  # `<pipeline>__<source>__<table>__dead_letters` -> the table's `<topic>.dlq`
    validation: StreamJobNames  # `<pipeline>__<source>__<table>__validation` -> the validation events topic
    checks_view: Ident  # `<source>__<table>__checks`: each event's rule outcomes
    windows_view: Ident  # `<source>__<table>__windows`: events and failures per rule per window
    outcomes_view: Ident  # `<source>__<table>__outcomes`: run id, window end, failed rules per window


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
class CdcNames:
    """Names of one CDC source's Debezium connector and what it owns."""

    source: str  # as written in the spec
    connector: Ident  # KafkaConnector / Connect REST name: `<pipeline>-<source>-cdc`
    topic_prefix: Ident  # Debezium `topic.prefix`: `<pipeline>.<source>` (raw topics are routed to dataset topics)
    slot: Ident  # PostgreSQL replication slot `<pipeline>_<source>` (unique per connector, <= 63)
    publication: Ident  # PostgreSQL publication `<pipeline>_<source>_pub`
    history_topic: Ident  # schema history topic `<pipeline>.<source>.schema-history`
    history_group: Ident  # Debezium's schema history consumer group `<connector>-schemahistory`
    heartbeat_topic: Ident  # `__debezium-heartbeat.<topic prefix>` (Debezium's default heartbeat prefix)
    signal_table: Ident  # the signal table for incremental snapshots, in the captured schema
    credentials_secret: Ident  # Kubernetes Secret holding the source's secret references
    settings_configmap: Ident  # Kubernetes ConfigMap holding the source's `${env:...}` references
    server_id: int  # MySQL `database.server.id`: stable, distinct per source (5400-9399)


@dataclass(frozen=True)
class KafkaNames:
    """Cluster-level Kafka and Kafka Connect names (Strimzi)."""

    cluster: Ident  # Kafka CR `<pipeline>`
    bootstrap: Ident  # Strimzi's bootstrap service `<cluster>-kafka-bootstrap`
    connect: Ident  # KafkaConnect CR `<pipeline>-connect`
    cluster_ca_secret: Ident  # Strimzi's Secret with the cluster CA certificate: `<cluster>-cluster-ca-cert`
    connect_service_account: Ident  # Strimzi's ServiceAccount of the Connect pods: `<connect>-connect`
    connect_config_reader: Ident  # Role (and RoleBinding) reading the connectors' Secrets: `<connect>-config-reader`
    connect_push_secret: Ident  # the Connect image build's registry push Secret: `<connect>-registry`
    connect_group: Ident  # Connect worker group id
    connect_configs: Ident  # worker storage topics
    connect_offsets: Ident
    connect_status: Ident
    connect_user: Ident  # KafkaUser of the Connect workers (Debezium)
    flink_user: Ident  # KafkaUser of the Flink jobs
    flink_clients: Ident  # prefix of every Flink job's consumer group and transactional id: `<pipeline>__`
    quality_user: Ident  # KafkaUser of the quality step's event producer
    node_pools: tuple[Ident, Ident]  # KafkaNodePool names: controllers, brokers


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

    def cdc_source(self, source: str) -> CdcNames:
        for names in self.cdc:
            if names.source == source:
                return names
        raise KeyError(f"no CDC source {source}")

    def source_key(self, source: str) -> Ident:
        return dict(self.sources)[source]

    def source_schema(self, source: str) -> Ident:
        """The schema a source lands in: `raw_<source>`."""
        return Ident(f"raw_{self.source_key(source)}")

    def source_task(self, source: str) -> Ident:
        """The orchestrator task (Airflow task group, Prefect task run) loading a source: `ingest_<source>`."""
        return Ident(f"ingest_{self.source_key(source)}")

    def dataset(self, source: str, dataset: str) -> DatasetNames:
        for names in self.datasets:
            if names.source == source and names.dataset == dataset:
                return names
        raise KeyError(f"no dataset {source}.{dataset}")

    def mart(self, mart: str) -> MartNames:
        for names in self.marts:
            if names.mart == mart:
                return names
        raise KeyError(f"no mart {mart}")

    def stream(self, job: str) -> StreamJobNames:
        for names in self.streams:
            if names.job == job:
                return names
        raise KeyError(f"no stream job {job}")

    def quality_jobs(self, source: str, dataset: str) -> StreamQualityNames:
        for names in self.stream_quality:
            if names.source == source and names.dataset == dataset:
                return names
        raise KeyError(f"no dataset {source}.{dataset}")

    def bucket(self, purpose: str) -> Ident:
        return dict(self.buckets)[purpose]

    @property
    def env(self) -> EnvNames:
        """The environment variables the generated code reads that pipegen names."""
        return ENV


BUCKET_PURPOSES = ("lake", "checkpoints", "state")
FLINK_JOB_PREFIX = "{pipeline}__"
REPLAY_VERSION = "{name}__v{version}"
REPLAY_K8S_VERSION = "{name}-v{version}"


def _flink_job(pipeline: str, job: str) -> Ident:
    """`<pipeline>__<job>`: the prefix the Flink user's group and transactional-id ACLs grant."""
    return Ident(FLINK_JOB_PREFIX.format(pipeline=pipeline) + job)


def _dataset_names(pipeline: str, source: str, dataset: str, columns: list[str]) -> DatasetNames:
    src, table = snake(source), snake(dataset)
    topic = f"{pipeline}.{src}.{table}"
    return DatasetNames(
        source=source,
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
    )


def names(spec: Spec) -> Names:
    """Every physical name of the project generated from `spec`."""
    pipeline = snake(spec.pipeline.name)
    rule = BUCKET_RULES[spec.cloud]
    namespace = spec.deploy.kubernetes.namespace or pipeline
    datasets = tuple(
        _dataset_names(pipeline, s.name, d.name, [c.name for c in d.columns])
        for s in spec.sources
        for d in (*s.tables, *s.topics)
    )
    clashing = _clashes([d.k8s_name for d in datasets])
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
        dbt_project=Ident(pipeline),
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
        cdc=tuple(_cdc_names(pipeline, s.name) for s in spec.sources if s.ingestion == Ingestion.CDC),
        kafka=_kafka_names(pipeline),
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
    )


SERVER_ID_BASE, SERVER_ID_SPAN = 5400, 4000


def _cdc_names(pipeline: str, source: str) -> CdcNames:
    src = snake(source)
    prefix = f"{pipeline}.{src}"
    slot = f"{pipeline}_{src}"
    if len(slot) > 63:  # PostgreSQL identifiers (and slot names) are at most 63 bytes
        slot = f"{slot[:56]}_{_hash(slot)}"
    connector = dns_name(f"{pipeline}-{src}-cdc")
    return CdcNames(
        source=source,
        connector=connector,
        topic_prefix=Ident(prefix),
        slot=Ident(slot),
        publication=Ident(f"{slot[:59]}_pub"),
        history_topic=Ident(f"{prefix}.schema-history"),
        history_group=Ident(f"{connector}-schemahistory"),
        heartbeat_topic=Ident(f"__debezium-heartbeat.{prefix}"),
        signal_table=Ident("debezium_signal"),
        credentials_secret=dns_name(f"{pipeline}-{src}-cdc-credentials"),
        settings_configmap=dns_name(f"{pipeline}-{src}-cdc-settings"),
        server_id=SERVER_ID_BASE + int(_hash(prefix, 8), 16) % SERVER_ID_SPAN,
    )


def _kafka_names(pipeline: str) -> KafkaNames:
    cluster = dns_name(pipeline, max_len=40)  # Strimzi derives pod and service names from it
    connect = f"{cluster}-connect"
    return KafkaNames(
        cluster=cluster,
        bootstrap=Ident(f"{cluster}-kafka-bootstrap"),
        connect=Ident(connect),
        cluster_ca_secret=Ident(f"{cluster}-cluster-ca-cert"),
        connect_service_account=Ident(f"{connect}-connect"),  # Strimzi: `<KafkaConnect name>-connect`
        connect_config_reader=Ident(f"{connect}-config-reader"),
        connect_push_secret=Ident(f"{connect}-registry"),
        connect_group=Ident(f"{pipeline}.connect"),
        connect_configs=Ident(f"{pipeline}.connect.configs"),
        connect_offsets=Ident(f"{pipeline}.connect.offsets"),
        connect_status=Ident(f"{pipeline}.connect.status"),
        connect_user=Ident(f"{cluster}-connect"),
        flink_user=Ident(f"{cluster}-flink"),
        flink_clients=Ident(FLINK_JOB_PREFIX.format(pipeline=pipeline)),  # every flink_job starts with it (and replays)
        quality_user=Ident(f"{cluster}-quality"),
        node_pools=(Ident(f"{cluster}-controllers"), Ident(f"{cluster}-brokers")),
    )


def k8s_labels(values: list[str]) -> dict[str, Ident]:
    """Kubernetes resource names for a set of names (e.g. KafkaTopic resources for topic names): DNS
    labels; a label two names would share (`a_b.c`, `a.b_c`) ends in a stable hash of each full name."""
    labels = {v: dns_name(v) for v in values}
    clashing = _clashes(list(labels.values()))
    return {v: dns_name(v, always_hash=True) if label in clashing else label for v, label in labels.items()}


def _clashes(values: list[Ident]) -> set[Ident]:
    """Names two different spec entities would share (e.g. `a_b`/`c` and `a`/`b_c`)."""
    return {v for v, n in Counter(values).items() if n > 1}


_TOPIC_RE = re.compile(r"^[a-z0-9._-]+$")


def _topic_name(topic: str | None) -> str | None:
    """The spec's own topic name when it is a valid lowercase Kafka name (the spec checks it)."""
    if topic is None:
        return None
    return topic if _TOPIC_RE.match(topic) else snake(topic)


# ---------------------------------------------------------------- environment variables

_ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class EnvName(str):
    """An environment variable name pipegen chose: upper-case letters, digits and `_`, checked."""

    __slots__ = ()

    def __new__(cls, value: str) -> EnvName:
        if not _ENV_NAME_RE.match(value):
            raise ValueError(f"not an environment variable name: {value!r} (a bug in pipegen's naming layer)")
        return super().__new__(cls, value)


def env_name(*parts: str) -> EnvName:
    """`<PART>_<PART>...`: snake-case parts upper-cased, joined by `_` (`shop_db`, `user` -> `SHOP_DB_USER`)."""
    return EnvName("_".join(part.upper() for part in parts))


class SmtpEnv:
    """The SMTP server of every email notification (run and quality), read by pipeline/notify.py."""

    host: Final = EnvName("PIPEGEN_SMTP_HOST")
    port: Final = EnvName("PIPEGEN_SMTP_PORT")
    security: Final = EnvName("PIPEGEN_SMTP_SECURITY")
    user: Final = EnvName("PIPEGEN_SMTP_USER")
    password: Final = EnvName("PIPEGEN_SMTP_PASSWORD")
    sender: Final = EnvName("PIPEGEN_SMTP_FROM")


class EnvNames:
    """Environment variables of the generated project whose names pipegen chooses (docs/families.md,
    "Names"). The convention:
    - the spec's own references (`${secret:NAME}`, `${env:NAME}`): NAME as the user wrote it;
    - pipegen's settings of the steps and the local run: `PIPEGEN_<WHAT>` (below), per entity
      `PIPEGEN_<AREA>_<ENTITY>_<WHAT>` (`cdc_dsn`);
    - a connection setting the spec leaves out: `<SOURCE or TARGET>_<FIELD>` (`connection`);
    - the project's own Kafka cluster: `KAFKA_BOOTSTRAP_SERVERS`, for every reader and writer;
    - a tool's own settings keep the tool's names (GX_*, DBT_*, RUNTIME__*, AIRFLOW_*, PREFECT_*),
      declared by the family that runs the tool.
    Static runtime modules (templates/) read these names literally; a test checks each is here."""

    warehouse: Final = EnvName("PIPEGEN_WAREHOUSE")  # the local DuckDB warehouse
    data_dir: Final = EnvName("PIPEGEN_DATA_DIR")  # local stand-ins and change events
    quality_dir: Final = EnvName("PIPEGEN_QUALITY_DIR")  # validation event log, read model, quality state
    quality_now: Final = EnvName("PIPEGEN_QUALITY_NOW")  # a fixed clock for the quality step and stand-ins
    step_summary: Final = EnvName("PIPEGEN_STEP_SUMMARY")  # where a step writes its JSON summary
    project_dir: Final = EnvName("PIPEGEN_PROJECT_DIR")  # the project root, for DAGs and flows
    progress: Final = EnvName("PIPEGEN_PROGRESS")  # dlt's progress display
    pii_key: Final = EnvName("PIPEGEN_PII_KEY")  # the HMAC key hashing personal data
    pagerduty_url: Final = EnvName("PIPEGEN_PAGERDUTY_URL")  # the PagerDuty Events API endpoint
    smtp: Final = SmtpEnv()
    kafka_bootstrap: Final = EnvName("KAFKA_BOOTSTRAP_SERVERS")

    def fixed(self) -> tuple[EnvName, ...]:
        """Every name above that is not per entity, sorted."""
        found = [v for cls in (EnvNames, SmtpEnv) for v in vars(cls).values() if isinstance(v, EnvName)]
        return tuple(sorted(set(found)))

    def connection(self, owner: str, field: str) -> EnvName:
        """A connection setting of a spec source or target that the spec leaves out: `<OWNER>_<FIELD>`
        (`serving_mysql`, `user` -> `SERVING_MYSQL_USER`; `lake`, `http_path` -> `LAKE_HTTP_PATH`)."""
        return env_name(snake(owner), snake(field))

    def cdc_dsn(self, cdc: CdcNames) -> EnvName:
        """The database a CDC source's local capture reads: `PIPEGEN_CDC_<PIPELINE>_<SOURCE>_DSN` (by slot)."""
        return env_name("pipegen_cdc", cdc.slot, "dsn")


ENV = EnvNames()
