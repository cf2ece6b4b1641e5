"""Settings this version of pipegen reads into no generated file: a located warning each, so
nothing in a spec is dropped silently (the ledger, pipegen.ledger, finds the others reach a
file). Each is a feature of a family that is planned, not generated yet: when a family starts
reading a setting, remove its warning here (tests/test_ledger.py checks that every warned value
still reaches no file)."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import catalog, rulekinds
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import Connection, Ingestion, SourceType, Spec

# Synthetic table settings that describe a production destination the local generator does not
# write to (it writes the SQLite file and JSON lines stand-ins of `pipegen run`).
SYNTHETIC_UNREAD = ("writes_to", "system", "format", "file_per_row", "stream")
# The table-level checks a table's `quality.severity` sets the severity of (GX); freshness has its
# own two levels (warn_after, error_after) and drift is reported as events.
TABLE_SEVERITY_GOVERNS = ("expected_columns", "row_count")


def unread_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    yield from _stream_notify(spec)
    yield from _synthetic(index)
    yield from _target_layout(spec)
    yield from _environments(spec)
    yield from _table_severity(index)
    yield from _unconnected_sources(spec)
    yield from _run_notification_severities(spec)


def _run_notification_severities(spec: Spec) -> Iterator[Finding]:
    """A run notification's `on` (R490): severities select quality results (`quality.notifications`);
    `orchestration.on_failure` / `on_success` already say which runs notify."""
    for key in ("on_failure", "on_success"):
        for ni, note in enumerate(getattr(spec.orchestration, key)):
            if "on" not in note.model_fields_set:
                continue
            yield Finding(
                ("orchestration", key, ni, "on"), "R490",
                f"`on` selects which quality severities notify (`quality.notifications`); a notification under "
                f"`orchestration.{key}` is sent on every {'failed' if key == 'on_failure' else 'successful'} run",
                "remove `on`, or move the notification to `quality.notifications` to be told of quality results",
                severity="warning", on_key=True,
            )  # fmt: skip


def _stream_notify(spec: Spec) -> Iterator[Finding]:
    for ji, job in enumerate(spec.transforms.streams):
        if job.notify:
            yield Finding(
                ("transforms", "streams", ji, "notify"),
                "R363",
                f"stream job '{job.name}': `notify` is not sent by this version; the job's results go to its sink only",
                "send them from the sink (a consumer of its topic or table), or remove `notify`",
                severity="warning",
                on_key=True,
            )


def _synthetic(index: SpecIndex) -> Iterator[Finding]:
    for ref in index.tables:
        synthetic = ref.dataset.synthetic
        if synthetic is None:
            continue
        unread = [k for k in SYNTHETIC_UNREAD if k in synthetic.model_fields_set]
        for key in unread:
            yield Finding(
                (*ref.path, "synthetic", key),
                "R365",
                f"`synthetic.{key}` of {ref.qualified} reaches no generated file: the local generator writes the "
                "stand-ins `pipegen run` reads (a SQLite file, JSON lines) and no production destination",
                "remove it; `rows` and `inject` (nulls, outliers, gaps) are generated",
                severity="warning",
                on_key=True,
            )
        if synthetic.inject is not None and "duplicates" in synthetic.inject.model_fields_set:
            yield Finding(
                (*ref.path, "synthetic", "inject", "duplicates"),
                "R365",
                f"`synthetic.inject.duplicates` of {ref.qualified} reaches no generated file: the local generator "
                "injects nulls, outliers and gaps, not duplicate rows",
                "remove it; to test deduplication, declare the key `unique` and use `--bad-row-rate`",
                severity="warning",
                on_key=True,
            )


def _target_layout(spec: Spec) -> Iterator[Finding]:
    for ti, target in enumerate(spec.targets):
        if target.partition_by and target.type not in catalog.LAKE_TARGETS:  # lake targets: plan/lake_partition
            yield Finding(
                ("targets", ti, "partition_by"),
                "R366",
                f"target '{target.name}': `partition_by` reaches no generated file: this version partitions by "
                "the capacity plan's time granularity (docs/plan.md), not by declared columns",
                "remove it, or set the partitioning in the generated models or table DDL by hand",
                severity="warning",
                on_key=True,
            )


def _environments(spec: Spec) -> Iterator[Finding]:
    kubernetes = spec.deploy.kubernetes.enabled
    for name, env in spec.deploy.environments.items():
        for key in ("replicas", "resources"):
            if getattr(env, key) is None:
                continue
            if not kubernetes:
                why, hint = "`deploy.kubernetes` is off", "enable `deploy.kubernetes`, or remove it"
            else:
                continue
            yield Finding(
                ("deploy", "environments", name, key),
                "R367",
                f"environment '{name}': `{key}` reaches no generated file: {why}",
                hint,
                severity="warning",
                on_key=True,
            )


def _table_severity(index: SpecIndex) -> Iterator[Finding]:
    for ref in index.tables:
        quality = ref.dataset.quality
        if quality is None or quality.severity is None:
            continue
        if any(k.name in TABLE_SEVERITY_GOVERNS for k in rulekinds.stated(quality, "table")):
            continue
        yield Finding(
            (*ref.path, "quality", "severity"), "R481",
            f"`quality.severity` of {ref.qualified} sets the severity of no check: it applies to the table-level "
            "`expected_columns` and `row_count` checks, and the table states neither (freshness has its own "
            "`warn_after`/`error_after` levels, drift is reported as events, column rules take the rule's own "
            "`severity` or the top-level `quality.severity`)",
            "set `severity` on the column rules (long form: `not_null: {severity: warn}`) or on the top-level "
            "`quality:`, add an `expected_columns` or `row_count` check, or remove it",
            severity="warning", on_key=True,
        )  # fmt: skip


# Why no generated reader connects to a source of these kinds (its connection settings reach no file).
UNCONNECTED = {
    SourceType.PUBSUB: (
        "Flink SQL has no Pub/Sub connector (Apache Flink's is DataStream-only): the stream jobs read each topic "
        "from the Kafka topic of the same name on the project's cluster (KAFKA_BOOTSTRAP_SERVERS), which pipegen "
        "declares there and fills with the Pub/Sub Group Kafka Connector (k8s/kafka/pubsub-bridge.yaml), whose "
        "connectors read only `project`, `stream` and `private_key`; no batch reader reads Pub/Sub",
        "give the bridge `project`, `stream` (the subscription) and `private_key` (a service account key) only, "
        "or remove these settings",
    ),
    SourceType.MONGODB: (
        "this version has no production batch reader for MongoDB (R268): `make run` loads its JSON lines "
        "stand-ins and `python -m pipeline.ingest` without --local stops",
        "land the collections with your own job into the raw schema, or remove these settings",
    ),
}


def _unconnected_sources(spec: Spec) -> Iterator[Finding]:
    """A source no generated reader connects to: its connection settings (besides `options`, R361)."""
    for si, source in enumerate(spec.sources):
        why = UNCONNECTED.get(source.type)
        if why is None or (source.type in catalog.NO_PRODUCTION_BATCH_READER and source.ingestion != Ingestion.BATCH):
            continue
        read = catalog.PUBSUB_BRIDGE_SETTINGS if catalog.bridged_to_project_cluster(source) else ()
        fields = [f.alias or n for n, f in Connection.model_fields.items()
                  if n != "options" and n not in read and getattr(source.connection, n) is not None]  # fmt: skip
        if not fields:
            continue
        listed = ", ".join(f"`{f}`" for f in fields)
        yield Finding(
            ("sources", si, "connection"), "R486",
            f"the connection settings of {source.type.value} source '{source.name}' ({listed}) reach no generated "
            f"reader: {why[0]}",
            why[1], severity="warning", on_key=True,
        )  # fmt: skip
