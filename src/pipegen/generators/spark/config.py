"""spark/medallion.json: what the generated PySpark job (templates/spark/medallion/, joined by job.py) reads, as
data: where the lake lives and in which format, every source table's bronze/silver shape (its
columns as Spark types, key, watermark, the per-row rules that gate silver) and the marts the
job publishes to gold as Spark SQL (marts.py). Pure functions of the spec and the plan's names."""

from __future__ import annotations

from typing import Any

from pipegen.common.lake_catalog import catalog_config, lake_target, silver_schema, silver_target
from pipegen.common.lake_catalog import layer_dirs as lake_layer_dirs
from pipegen.common.spark_stream import client_options, managed_kafka_oauth, msk_iam, own_cluster
from pipegen.common.stream_landing import landing_dir
from pipegen.common.stream_rules import event_rules
from pipegen.generators.spark.marts import spark_marts, views
from pipegen.generators.spark.streams import stream_jobs
from pipegen.plan.capacity import Capacity
from pipegen.plan.cloudnames import lake_namespace
from pipegen.plan.lake_partition import declared_columns, partition_data, table_capacity, table_layouts
from pipegen.plan.names import ENV, Names
from pipegen.render.sqltypes import sql_type
from pipegen.spec import catalog
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import Column, Ingestion, LakeSettings, Layer, SourceType, Spec, Target, TargetType
from pipegen.spec.pii import PROTECTED, landed_column, lost_rules
from pipegen.spec.types import parse_column_type

HOUR = 3600.0
LAYERS = (Layer.BRONZE, Layer.SILVER, Layer.GOLD)
# Portable types Spark keeps as text in the lake, as the lakehouse family does (Delta has no
# TIME or UUID type; JSON is not a Delta/Iceberg column type); smallint widens to int.
TEXT_TYPES = frozenset({"uuid", "json", "time"})
WIDENED = {"smallint": "INT"}


def spark_type(portable: str) -> str:
    """The Spark SQL type silver casts a column to."""
    name = parse_column_type(portable).name
    if name in TEXT_TYPES:
        return "STRING"
    return WIDENED.get(name) or sql_type(portable, "spark")


def layer_dirs(target: Target | None) -> dict[str, str]:
    """Layer -> directory under the lake root (the lakehouse family's layout: `<bucket>/<path>`)."""
    if target is None:
        return {layer.value: f"lake/{layer.value}" for layer in LAYERS}
    return lake_layer_dirs(target)


def target_config(spec: Spec) -> dict[str, Any]:
    """Where and how the job writes; `namespaces`: each layer's Iceberg namespace in the `lake` catalog
    (the naming layer's `<pipeline>_<layer>`: a Glue database each where the catalog is Glue)."""
    target = lake_target(spec)
    lake = (target.lake if target is not None else None) or LakeSettings()
    layers = layer_dirs(target)
    out = {
        "name": target.name if target is not None else "lake",
        "format": target.type.value if target is not None else "parquet",
        "layers": layers,
        "namespaces": {layer: str(lake_namespace(spec.pipeline.name, layer)) for layer in layers},
        "retention_hours": lake.kept / HOUR,
        "time_travel_hours": lake.time_travel / HOUR,
    }
    catalog_ = catalog_config(target) if target is not None else None
    return out | ({"catalog": catalog_} if catalog_ else {})


def column_config(name: str, c: Column, etl: bool, protected: bool) -> dict[str, Any]:
    out = {"name": name, "type": spark_type(landed_column(c).type if etl and protected else c.type)}
    return out if c.metadata is None else {**out, "metadata": c.metadata}


def eventhubs_config(ref: TableRef) -> dict[str, Any]:
    """An Event Hubs source read through its Kafka endpoint: the event hub (the topic's name), the
    namespace's `<ns>.servicebus.windows.net:9093` (else EVENTHUBS_BOOTSTRAP_SERVERS) and SASL
    PLAIN with the connection string (a `${secret:NAME}` the job's secret() reads; else the whole
    JAAS line, EVENTHUBS_SASL_JAAS_CONFIG as the Flink jobs read it, a secret too: from the deployment's
    secret store, common.spark_stream `job_secrets`)."""
    conn = ref.source.connection
    endpoint = catalog.eventhubs_kafka_endpoint(conn.namespace) if conn.namespace else None
    return {"topic": ref.dataset.name, "bootstrap": endpoint or "${env:EVENTHUBS_BOOTSTRAP_SERVERS}",
            "sasl": "plain", "connection_string": conn.connection_string,
            "jaas": None if conn.connection_string else f"${{secret:{ENV.connectors.eventhubs_jaas}}}"}  # fmt: skip


def cluster_tls() -> dict[str, str]:
    """The project's Kafka cluster's listener authenticates clients by mutual TLS (the kafka
    family's `tls` listener): the cluster CA and the Spark stream's KafkaUser certificate, PKCS12
    files the job finds through the environment (`${env:…}`: where the deployment ships them) and their
    passwords, secrets (`${secret:…}`) the job's secret() reads: from the deployment's secret store
    (common.spark_stream `job_secrets`), locally from the environment."""
    stores = {"truststore_location": ("env", ENV.kafka_truststore),
              "truststore_password": ("secret", ENV.kafka_truststore_password),
              "keystore_location": ("env", ENV.kafka_keystore),
              "keystore_password": ("secret", ENV.kafka_keystore_password)}  # fmt: skip
    return {key: f"${{{kind}:{name}}}" for key, (kind, name) in stores.items()}


def spark_group(names: Names) -> str:
    if names.kafka is None:  # pragma: no cover - the naming layer always sets it
        raise ValueError("the plan has no Kafka names")
    return str(names.kafka.spark_group)


def stream_config(ref: TableRef, names: Names, msk: bool = False, gcp: bool = False) -> dict[str, Any] | None:
    """A streamed table's topic (the one stream jobs read: `read_topic`) and how its records read
    (a Debezium envelope or plain JSON), the consumer groups' prefix (KafkaNames.spark_group: the
    Spark user's group ACL); on the project's cluster its mutual TLS (cluster_tls), or with `msk`
    (AWS: MSK takes IAM only) SASL `aws_msk_iam` with the job's IAM role, with `gcp` (Managed Kafka issues no
    client certificates) SASL `gcp_oauth`: OAUTHBEARER with the batch's service account; an Event Hubs source's Kafka
    endpoint and login (eventhubs_config); a Kafka source's own cluster (`bootstrap`: its `bootstrap_servers`, a
    reference the job resolves), signed in as its `connection.options` say (`client`: the consumer's settings, which
    the job passes as `kafka.<key>`, as the Flink jobs pass them as `properties.<key>`)."""
    if ref.source.ingestion == Ingestion.BATCH:
        return None
    ds = names.dataset(ref.source.name, ref.dataset.name)
    envelope = "debezium" if ref.source.ingestion == Ingestion.CDC else "json"
    out: dict[str, Any] = {"topic": ds.read_topic, "format": envelope, "group_prefix": spark_group(names)}
    if ds.on_pipeline_cluster:
        out |= {"sasl": "aws_msk_iam"} if msk else {"sasl": "gcp_oauth"} if gcp else {"tls": cluster_tls()}
    if ref.source.type == SourceType.EVENTHUBS and ref.source.ingestion == Ingestion.STREAM:
        out |= eventhubs_config(ref)
    if (brokers := own_cluster(ref.source)) is not None:
        out["bootstrap"] = brokers
    if client := client_options(ref.source):
        out["client"] = client
    return out


def table_config(
    spec: Spec, names: Names, ref: TableRef, capacity: Capacity, etl: bool, streaming: bool = False
) -> dict[str, Any]:
    """One table's shape; with `etl` (the plan masks PII before it lands) protected columns are
    text and keep only the rules their landed values still follow (pipegen.spec.pii). Record
    metadata columns (`metadata:`, a topic's or a change event's) land as columns of the batch,
    as the warehouse's raw table holds them for dbt: carried through bronze and silver, typed,
    gated by no rule."""
    ds = names.dataset(ref.source.name, ref.dataset.name)
    columns = list(ref.dataset.columns)
    landed = {c.name: str(ds.column(c.name)) for c in columns}
    physical = {c.name for c in columns if c.metadata is None}
    protected = {c.name for c in columns if etl and c.pii in PROTECTED}
    lost = {c.name: lost_rules(c) for c in columns if c.name in protected}
    rules = [r.gate(landed[r.column]) for r in event_rules(spec, ref)
             if r.critical and r.column in physical and r.rule not in lost.get(r.column, ())]  # fmt: skip
    key = [landed[k] for k in ref.dataset.primary_key if k in physical]
    wm = ref.dataset.watermark or ref.dataset.event_time
    cap = table_capacity(capacity, ref)
    return {
        "ref": str(ds.ref),
        "name": str(ds.lake_table),
        "landing": landing_dir(ds),  # where extract-load lands the table's batches (plan/spark_landing.py)
        "columns": [column_config(landed[c.name], c, etl, c.name in protected) for c in columns],
        "key": key,
        "watermark": landed.get(wm) if wm else None,
        "rules": rules,
        # bronze's and silver's partitioning and file size: the lake step's choice (plan/lake_partition)
        "partition": partition_data(table_layouts(names, ref, cap, frozenset(protected), declared_columns(spec)), cap),
    } | ({"stream": stream_config(ref, names, msk_iam(spec), managed_kafka_oauth(spec))} if streaming else {})


def registration(spec: Spec, index: SpecIndex, names: Names) -> dict[str, Any] | None:
    """Where the job registers silver for dbt's production target: the schema and tables dbt's staging
    reads (common/lake_catalog.silver_schema, the one place that decides; the tables' lake names, as
    dbt's sources name them). Only for a Delta target whose silver is the one dbt reads: an Iceberg
    silver is already in the `lake` catalog, which dbt's Spark Thrift server opens as its session catalog
    (the dbt family's dbt/spark-thrift/, common/lake_catalog.session_catalog_conf)."""
    target = lake_target(spec)
    if target is None or target is not silver_target(spec) or target.type != TargetType.DELTA:
        return None
    read = [(silver_schema(spec, list(ref.dataset.columns)), ref) for ref in index.tables]
    tables = [str(names.dataset(ref.source.name, ref.dataset.name).lake_table) for schema, ref in read if schema]
    schema = next((s for s, _ in read if s), None)
    return {"schema": schema, "tables": tables} if schema else None


def spark_config(
    spec: Spec, names: Names, capacity: Capacity, etl: bool = False, streaming: bool = False
) -> dict[str, Any]:
    """`capacity`: the plan's; `streaming`: the stream engine is Spark, streamed tables get their
    `stream` (topic, format) and the stream jobs their Spark SQL (streams.py)."""
    index = index_of(spec)
    tables = [
        table_config(spec, names, ref, capacity, etl, streaming)
        for ref in index.tables
        if any(c.metadata is None for c in ref.dataset.columns)
    ]
    return {
        "pipeline": str(names.pipeline),
        "target": target_config(spec),
        "tables": tables,
        "views": views(index, names),
        "marts": spark_marts(spec, index, names, capacity),
        "streams": stream_jobs(spec, index, names) if streaming else [],
    } | ({"register": register} if (register := registration(spec, index, names)) else {})
