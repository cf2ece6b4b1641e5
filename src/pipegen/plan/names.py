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
- Flink table `<source>__<table>`; stream-job sink table `<job>`
- Kubernetes objects: DNS-1123 labels (<= 63 characters, a stable hash suffix when cut)
- buckets/containers per cloud with their length and charset limits (BUCKET_RULES)
- CDC (CdcNames): connector `<pipeline>-<source>-cdc`, topic prefix `<pipeline>.<source>`, slot
  `<pipeline>_<source>`, publication `<slot>_pub`, schema history `<prefix>.schema-history`
- Kafka on Strimzi (KafkaNames): cluster `<pipeline>`, Connect `<cluster>-connect`, users per component
Every name is an `Ident` (checked charset); a name that cannot be made valid is a bug.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace

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
    flink_job: Ident
    sink_table: Ident
    output_topic: Ident
    k8s_name: Ident


@dataclass(frozen=True)
class CdcNames:
    """Names of one CDC source's Debezium connector and what it owns."""

    source: str  # as written in the spec
    connector: Ident  # KafkaConnector / Connect REST name: `<pipeline>-<source>-cdc`
    topic_prefix: Ident  # Debezium `topic.prefix`: `<pipeline>.<source>` (raw topics are routed to dataset topics)
    slot: Ident  # PostgreSQL replication slot `<pipeline>_<source>` (unique per connector, <= 63)
    publication: Ident  # PostgreSQL publication `<pipeline>_<source>_pub`
    history_topic: Ident  # schema history topic `<pipeline>.<source>.schema-history`
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
    events_topic: Ident
    buckets: tuple[tuple[str, Ident], ...]  # purpose -> bucket/container name for the spec's cloud
    storage_account: Ident | None  # Azure only
    datasets: tuple[DatasetNames, ...]
    marts: tuple[MartNames, ...]
    streams: tuple[StreamJobNames, ...]
    sources: tuple[tuple[str, Ident], ...]  # spec source name -> its snake-case key
    run_summary_artifact: Ident  # Prefect artifact key `<pipeline>-run-summary`: a-z, 0-9, - only
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

    def bucket(self, purpose: str) -> Ident:
        return dict(self.buckets)[purpose]


BUCKET_PURPOSES = ("lake", "checkpoints", "state")


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
    return Names(
        pipeline=Ident(pipeline),
        dbt_project=Ident(pipeline),
        dlt_pipeline=Ident(pipeline),
        staging_schema=Ident(STAGING_SCHEMA),
        marts_schema=Ident(MARTS_SCHEMA),
        k8s_namespace=dns_name(namespace),
        events_topic=Ident(_topic_name(spec.quality.events.topic) or f"{pipeline}.quality.events"),
        buckets=tuple((p, bucket_name(pipeline, p, rule)) for p in BUCKET_PURPOSES),
        storage_account=bucket_name(pipeline, "data", STORAGE_ACCOUNT_RULE) if spec.cloud == Cloud.AZURE else None,
        datasets=datasets,
        marts=tuple(MartNames(m.name, Ident(snake(m.name)), Ident(MARTS_SCHEMA)) for m in spec.transforms.marts),
        streams=tuple(
            StreamJobNames(
                job=j.name,
                flink_job=Ident(f"{pipeline}__{snake(j.name)}"),
                sink_table=Ident(snake(j.name)),
                # a Kafka sink's topic: the spec's `sink.table` when given, else `<pipeline>.<job>`
                output_topic=Ident(_topic_name(j.sink.table if j.sink else None) or f"{pipeline}.{snake(j.name)}"),
                k8s_name=dns_name(f"{pipeline}-{j.name}"),
            )
            for j in spec.transforms.streams
        ),
        sources=tuple((s.name, Ident(snake(s.name))) for s in spec.sources),
        run_summary_artifact=dns_name(f"{pipeline}-run-summary"),
        cdc=tuple(_cdc_names(pipeline, s.name) for s in spec.sources if s.ingestion == Ingestion.CDC),
        kafka=_kafka_names(pipeline),
    )


SERVER_ID_BASE, SERVER_ID_SPAN = 5400, 4000


def _cdc_names(pipeline: str, source: str) -> CdcNames:
    src = snake(source)
    prefix = f"{pipeline}.{src}"
    slot = f"{pipeline}_{src}"
    if len(slot) > 63:  # PostgreSQL identifiers (and slot names) are at most 63 bytes
        slot = f"{slot[:56]}_{_hash(slot)}"
    return CdcNames(
        source=source,
        connector=dns_name(f"{pipeline}-{src}-cdc"),
        topic_prefix=Ident(prefix),
        slot=Ident(slot),
        publication=Ident(f"{slot[:59]}_pub"),
        history_topic=Ident(f"{prefix}.schema-history"),
        heartbeat_topic=Ident(f"__debezium-heartbeat.{prefix}"),
        signal_table=Ident("debezium_signal"),
        credentials_secret=dns_name(f"{pipeline}-{src}-cdc-credentials"),
        settings_configmap=dns_name(f"{pipeline}-{src}-cdc-settings"),
        server_id=SERVER_ID_BASE + int(_hash(prefix, 8), 16) % SERVER_ID_SPAN,
    )


def _kafka_names(pipeline: str) -> KafkaNames:
    cluster = dns_name(pipeline, max_len=40)  # Strimzi derives pod and service names from it
    return KafkaNames(
        cluster=cluster,
        bootstrap=Ident(f"{cluster}-kafka-bootstrap"),
        connect=Ident(f"{cluster}-connect"),
        connect_group=Ident(f"{pipeline}.connect"),
        connect_configs=Ident(f"{pipeline}.connect.configs"),
        connect_offsets=Ident(f"{pipeline}.connect.offsets"),
        connect_status=Ident(f"{pipeline}.connect.status"),
        connect_user=Ident(f"{cluster}-connect"),
        flink_user=Ident(f"{cluster}-flink"),
        flink_clients=Ident(f"{pipeline}__"),  # StreamJobNames.flink_job starts with it (replays add `__v<N>`)
        quality_user=Ident(f"{cluster}-quality"),
        node_pools=(Ident(f"{cluster}-controllers"), Ident(f"{cluster}-brokers")),
    )


def _clashes(values: list[Ident]) -> set[Ident]:
    """Names two different spec entities would share (e.g. `a_b`/`c` and `a`/`b_c`)."""
    return {v for v, n in Counter(values).items() if n > 1}


_TOPIC_RE = re.compile(r"^[a-z0-9._-]+$")


def _topic_name(topic: str | None) -> str | None:
    """The spec's own topic name when it is a valid lowercase Kafka name (the spec checks it)."""
    if topic is None:
        return None
    return topic if _TOPIC_RE.match(topic) else snake(topic)
