"""Regression specs of the silent drops the drawn ledger found on seeds 3-5 (docs/corpus.md):
each value now reaches the generated file that should use it, or a located warning says why no
generated artifact can. What each must reach is written out here by hand."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from pipegen.ledger import baseline, trace
from pipegen.ledger.core import Entry
from pipegen.plan.plan import plan_findings
from pipegen.spec.model import Spec

WAREHOUSE = {
    "name": "warehouse",
    "type": "postgres",
    "connection": {"host": "wh", "database": "wh", "user": "writer", "password": "${secret:WH_PASSWORD}"},
}


# a one-table PostgreSQL source: the spec around it is what each test varies
SHOP = """
- name: shop
  type: postgres
  connection: {host: db, database: shop, user: reader, password: "${secret:SHOP_PASSWORD}"}
  tables:
    - name: orders
      primary_key: order_id
      columns: [{name: order_id, type: bigint}]
"""


def spec(sources: str, transforms: str = "", **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "pipeline": {"name": "drops"},
        "latency": "1h",
        "sources": yaml.safe_load(sources),
        "targets": [copy.deepcopy(WAREHOUSE)],
        **top,
    }
    if transforms:
        data["transforms"] = yaml.safe_load(transforms)
    return data


def traced(data: dict[str, Any], *path: str | int) -> Entry:
    return trace(baseline(data), tuple(path))


ITEMS = """
  - name: items
    endpoint: /v1/items
    primary_key: id
    columns: [{name: id, type: bigint}]
"""


def test_oauth2_client_credentials_reach_the_api_sources_auth() -> None:
    data = spec(f"""
- name: crm
  type: api
  connection:
    url: https://api.example.com
    auth: oauth2
    client_id: pipegen
    client_secret: ${{secret:CRM_CLIENT_SECRET}}
    token_url: https://auth.example.com/oauth/token
  tables:{ITEMS}""")
    base = baseline(data)
    sources = base.files["pipeline/sources.py"]
    assert (
        'auth("oauth2_client_credentials", "CRM_CLIENT_SECRET", settings, client_id="pipegen", '
        'token_url="https://auth.example.com/oauth/token")'
    ) in sources
    for key in ("auth", "client_id", "client_secret", "token_url"):
        entry = trace(base, ("sources", 0, "connection", key))
        assert entry.status == "reaches" and "pipeline/sources.py" in entry.files, (key, entry)


def test_an_access_token_under_oauth2_is_still_sent_as_a_bearer_token() -> None:
    data = spec(f"""
- name: crm
  type: api
  connection: {{url: https://api.example.com, auth: oauth2, token: "${{secret:CRM_TOKEN}}"}}
  tables:{ITEMS}""")
    assert 'auth("bearer_auth", "CRM_TOKEN", settings)' in baseline(data).files["pipeline/sources.py"]


STREAM_JOB = """
streams:
  - name: per_minute
    from: devices
    window: {type: tumble, size: 1m}
    measures: [{name: events, agg: count}]
    sink: {target: warehouse}
"""


def topics(kind: str, connection: str) -> str:
    return f"""
- name: app
  type: {kind}
  ingestion: stream
  connection: {connection}
  topics:
    - name: devices
      primary_key: device_id
      event_time: updated_at
      columns:
        - {{name: device_id, type: bigint, not_null: true}}
        - {{name: updated_at, type: timestamp(3), not_null: true}}
    - name: customers
      primary_key: customer_id
      event_time: updated_at
      format: csv
      columns:
        - {{name: customer_id, type: bigint, not_null: true}}
        - {{name: updated_at, type: timestamp(3), not_null: true}}
"""


def test_kinesis_region_stream_and_role_reach_the_flink_source() -> None:
    data = spec(
        topics("kinesis", "{stream: app-stream, region: eu-west-1, role: 'arn:aws:iam::123456789012:role/reader'}"),
        STREAM_JOB,
        latency="1m",
        cloud="aws",
    )
    base = baseline(data)
    job = base.files["flink/sql/drops__per_minute.sql"]
    for option in (
        "'connector' = 'kinesis'",
        "'aws.region' = 'eu-west-1'",
        "'stream.arn' = 'arn:aws:kinesis:eu-west-1:${AWS_ACCOUNT_ID}:stream/app-stream'",
        "'aws.credentials.provider' = 'ASSUME_ROLE'",
        "'aws.credentials.role.arn' = 'arn:aws:iam::123456789012:role/reader'",
    ):
        assert option in job, option
    for key in ("stream", "region", "role"):
        entry = trace(base, ("sources", 0, "connection", key))
        assert entry.status == "reaches" and "flink/sql/drops__per_minute.sql" in entry.files, (key, entry)


def test_a_kinesis_stream_a_lakehouse_lands_in_bronze_reaches_its_bronze_jobs_not_a_warning() -> None:
    """s48: no stream job reads the topics, but the Flink bronze jobs land them: the connection and a topic's
    `format` reach the bronze job's source (what lets R396 stop saying they reach no reader:
    tests/generators/test_flink_bronze.py holds the warning); `event_time` is the one left unread (R396)."""
    data = spec(topics("kinesis", "{stream: app-stream, region: eu-west-1}"), latency="5m", cloud="aws")
    data.update(architecture="lakehouse", targets=[{"name": "lake", "type": "iceberg"}])
    base = baseline(data)
    job = "flink/sql/drops__app__customers__bronze.sql"
    assert "'format' = 'csv'" in base.files[job] and "'aws.region' = 'eu-west-1'" in base.files[job]
    for path in (("connection", "region"), ("connection", "stream"), ("topics", 1, "format")):
        entry = trace(base, ("sources", 0, *path))
        assert entry.status == "reaches" and job in entry.files, (path, entry)
    entry = trace(base, ("sources", 0, "topics", 1, "event_time"))
    assert entry.status == "warned" and entry.why.startswith("R396"), entry


def test_the_format_and_event_time_of_a_topic_no_stream_job_reads_get_located_warnings() -> None:
    """Under Kappa no batch layer lands the topic either: the warning is at the topic (s31), which
    covers its `format` and `event_time` (it was at each of them)."""
    data = spec(topics("pubsub", "{project: acme-data}"), STREAM_JOB, latency="1m", cloud="gcp")
    for key in ("format", "event_time"):
        entry = traced(data, "sources", 0, "topics", 1, key)
        assert entry.status == "warned" and entry.why.startswith("R396 at sources[0].topics[1]:"), entry


def test_pubsub_bridge_settings_reach_the_bridge_and_the_others_get_a_located_warning() -> None:
    # project and stream (the subscription) reach the generated Pub/Sub -> Kafka bridge (session 45, bridge46);
    # a setting the bridge's connector does not read still gets R486 saying so
    data = spec(topics("pubsub", "{project: acme-data, stream: app-sub, client_id: reader-1}"), STREAM_JOB,
                latency="1m", cloud="gcp")  # fmt: skip
    entry = traced(data, "sources", 0, "connection", "project")
    assert entry.status == "reaches" and entry.files == ("k8s/kafka/pubsub-bridge.yaml",), entry
    # two topics: each reads the subscription of its own name, so `stream` is warned about (R522, under R486)
    assert traced(data, "sources", 0, "connection", "stream").status == "warned"
    entry = traced(data, "sources", 0, "connection", "client_id")
    assert entry.status == "warned" and entry.why.startswith("R486 at sources[0].connection"), entry
    assert "no Pub/Sub connector" in entry.why and "read only `project`, `stream` and `private_key`" in entry.why


def test_a_mongodb_batch_sources_user_gets_a_located_warning() -> None:
    data = spec("""
- name: catalog
  type: mongodb
  connection: {host: mongo, database: catalog, user: reader, password: "${secret:MONGO_PASSWORD}"}
  tables:
    - name: products
      primary_key: product_id
      columns: [{name: product_id, type: bigint}]
""")
    for key in ("user", "database"):
        entry = traced(data, "sources", 0, "connection", key)
        assert entry.status == "warned" and entry.why.startswith("R486 at sources[0].connection"), entry


def test_a_tables_avg_row_bytes_reaches_the_capacity_plan_even_with_no_rows() -> None:
    data = spec(
        """
- name: shop
  type: postgres
  connection: {host: db, database: shop, user: reader, password: "${secret:SHOP_PASSWORD}"}
  tables:
    - name: orders
      primary_key: order_id
      columns: [{name: order_id, type: bigint}]
    - name: archive
      primary_key: order_id
      rows_per_day: 0
      avg_row_bytes: 120
      columns: [{name: order_id, type: bigint}]
""",
        volume={"rows_per_day": 1000, "avg_row_bytes": 300},
    )
    base = baseline(data)
    plan = base.files["docs/plan.md"]
    assert "| shop.archive | 0 | 120 |" in plan, plan
    assert "| shop.orders | 1,000 | 300 |" in plan  # volume.avg_row_bytes: the tables that give none
    entry = trace(base, ("sources", 0, "tables", 1, "avg_row_bytes"))
    assert entry.status == "reaches" and entry.files == ("docs/plan.md",), entry


def test_a_cdc_columns_rename_no_staging_model_applies_gets_a_located_warning() -> None:
    data = spec(
        """
- name: app
  type: postgres
  ingestion: cdc
  connection: {host: db, database: app, user: reader, password: "${secret:APP_PASSWORD}"}
  tables:
    - name: devices
      primary_key: device_id
      event_time: updated_at
      columns:
        - {name: device_id, type: bigint, not_null: true}
        - {name: c_price, rename: price, type: double}
        - {name: updated_at, type: timestamp(3), not_null: true}
""",
        STREAM_JOB,
        latency="1m",
    )
    entry = traced(data, "sources", 0, "tables", 0, "columns", 1, "rename")
    assert entry.status == "warned" and entry.why.startswith("R487 at sources[0].tables[0].columns[1].rename"), entry


# ---------------------------------------------------------------- found by widening the ledger to seed 7


def test_an_event_hubs_namespace_is_the_flink_sources_kafka_endpoint() -> None:
    data = spec(
        topics("eventhubs", "{namespace: app-ns, connection_string: '${secret:APP_EVENTHUBS}'}"),
        STREAM_JOB,
        latency="1m",
        cloud="azure",
    )
    base = baseline(data)
    assert (
        "'properties.bootstrap.servers' = 'app-ns.servicebus.windows.net:9093'"
        in (base.files["flink/sql/drops__per_minute.sql"])
    )
    entry = trace(base, ("sources", 0, "connection", "namespace"))
    assert entry.status == "reaches" and "flink/sql/drops__per_minute.sql" in entry.files, entry


def test_the_connection_of_a_kafka_source_no_stream_job_reads_gets_a_located_warning() -> None:
    other = """
- name: shop
  type: kafka
  ingestion: stream
  connection: {bootstrap_servers: "broker-2:9092", options: {fetch.min.bytes: 1024}}
  topics:
    - name: tickets
      primary_key: ticket_id
      columns: [{name: ticket_id, type: bigint}]
"""
    data = spec(topics("kafka", "{bootstrap_servers: 'broker-1:9092'}") + other, STREAM_JOB, latency="1m")
    for path in (("connection", "bootstrap_servers"), ("connection", "options", "fetch.min.bytes")):
        entry = traced(data, "sources", 1, *path)
        assert entry.status == "warned" and entry.why.startswith("R396 at sources[1].connection:"), entry


def test_the_location_and_format_of_a_files_target_nothing_writes_get_located_warnings() -> None:
    data = spec(SHOP)
    data["targets"].append({"name": "extra", "type": "files", "format": "csv", "connection": {"path": "extra"}})
    for path in (("connection", "path"), ("format",)):
        entry = traced(data, "targets", 1, *path)
        assert entry.status == "warned" and entry.why.startswith("R397 at targets[1]."), entry


def test_a_sources_description_reaches_the_architecture_docs_under_a_plan_without_dbt() -> None:
    data = spec(topics("kinesis", "{stream: app-stream, region: eu-west-1}"), STREAM_JOB, latency="1m", cloud="aws")
    data["sources"][0]["description"] = "Device events from the mobile app."
    data["architecture"] = "kappa"
    base = baseline(data)
    assert "- app: Device events from the mobile app.\n" in base.files["docs/architecture.md"]
    entry = trace(base, ("sources", 0, "description"))
    assert entry.status == "reaches" and "docs/architecture.md" in entry.files, entry


def test_an_api_sources_auth_none_is_held_since_a_scheme_without_its_secret_is_refused() -> None:
    """Seed 4 (specs 07, 08): `auth: none` changed to `bearer` (no `token`) validated and generated
    the same files: requests went out unauthenticated whatever the scheme said. A scheme without
    the secret it sends is refused now (R489), so `none` is pinned by validate."""
    data = spec(f"""
- name: shop
  type: api
  connection: {{url: https://api.shop.example.com, auth: none}}
  tables:{ITEMS}""")
    entry = traced(data, "sources", 0, "connection", "auth")
    assert entry.status == "held" and "R489" in entry.why, entry


def test_the_connection_of_an_event_hubs_source_the_batch_layer_lands_but_no_job_reads_is_warned() -> None:
    """Seed 4 (spec 16): under Lambda the batch layer lands every source, so the unread-connection
    warning skipped it; but the batch layer lands topics from the project's Kafka and only a stream
    job's source connects to Event Hubs: the namespace reached nothing."""
    other = """
- name: shop
  type: eventhubs
  ingestion: stream
  connection: {namespace: shop-ns, connection_string: "${secret:SHOP_EVENTHUBS}"}
  topics:
    - name: tickets
      primary_key: ticket_id
      columns: [{name: ticket_id, type: bigint}, {name: amount, type: bigint}]
"""
    marts = (
        STREAM_JOB
        + """
marts:
  - name: ticket_totals
    from: tickets
    measures: [{name: total, agg: sum, expr: amount}]
"""
    )
    data = spec(topics("kafka", "{bootstrap_servers: 'broker-1:9092'}") + other, marts, latency="1m",
                architecture="lambda", cloud="azure")  # fmt: skip
    entry = traced(data, "sources", 1, "connection", "namespace")
    assert entry.status == "warned" and entry.why.startswith("R396 at sources[1].connection:"), entry


def test_a_files_sinks_bucket_and_path_both_reach_the_flink_sink() -> None:
    """Seed 4 (spec 17): a stream job sinking to a files target with `bucket` and `path` wrote under
    the path alone (`url or path or bucket`): the bucket reached nothing. The sink now writes
    under `<bucket>/<path>/<table>`, the lakehouse family's layout."""
    data = spec(topics("kafka", "{bootstrap_servers: 'broker-1:9092'}"), STREAM_JOB, latency="1m")
    data["targets"] = [{"name": "warehouse", "type": "files", "format": "parquet",
                        "connection": {"bucket": "exports", "path": "extra"}}]  # fmt: skip
    base = baseline(data)
    job = base.files["flink/sql/drops__per_minute.sql"]
    assert "'path' = 'exports/extra/per_minute'" in job, job
    for key in ("bucket", "path"):
        entry = trace(base, ("targets", 0, "connection", key))
        assert entry.status == "reaches" and "flink/sql/drops__per_minute.sql" in entry.files, (key, entry)


def test_the_default_row_size_reaches_the_capacity_plan_when_every_table_states_its_own() -> None:
    """Seed 4 (specs 18-20): every table had its own `avg_row_bytes`, so `volume.avg_row_bytes`
    sized nothing and reached no file; docs/plan.md states the default beside the declared rows,
    as it does `volume.rows_per_day`."""
    data = spec(
        """
- name: shop
  type: postgres
  connection: {host: db, database: shop, user: reader, password: "${secret:SHOP_PASSWORD}"}
  tables:
    - name: orders
      primary_key: order_id
      avg_row_bytes: 120
      columns: [{name: order_id, type: bigint}]
""",
        volume={"rows_per_day": 1000, "avg_row_bytes": 300},
    )
    base = baseline(data)
    assert "Rows\nare 300 bytes (`volume.avg_row_bytes`)" in base.files["docs/plan.md"]
    entry = traced(data, "volume", "avg_row_bytes")
    assert entry.status == "reaches" and entry.files == ("docs/plan.md",), entry


def test_the_connection_of_a_druid_target_under_a_batch_plan_gets_a_located_warning() -> None:
    """Seed 5 (spec 16): a Druid target beside the warehouse under ETL: no dlt destination, no dbt
    adapter and no stream sink, so nothing loads it; the R397 warning covered only plans without a
    batch layer."""
    data = spec(SHOP)
    data["targets"].append({"name": "extra", "type": "druid", "connection": {"url": "http://druid-router:8888"}})
    entry = traced(data, "targets", 1, "connection", "url")
    assert entry.status == "warned" and entry.why.startswith("R397 at targets[1].connection.url:"), entry
    assert "no dlt destination, no dbt adapter" in entry.why


def test_the_severities_of_a_run_notification_get_a_located_warning() -> None:
    """Seed 3 (specs 30-33): `on: [warn]` of an `orchestration.on_success` notification reached no
    file: severities select quality results; a run notification is sent on every such run (R490)."""
    data = spec(
        SHOP,
        orchestration={"on_success": [{"type": "slack", "channel": "#data", "webhook": "${secret:HOOK}",
                                       "on": ["warn"]}]},
    )  # fmt: skip
    entry = traced(data, "orchestration", "on_success", 0, "on", 0)
    assert entry.status == "warned" and entry.why.startswith("R490 at orchestration.on_success[0].on"), entry


def test_catchup_false_under_prefect_gets_a_located_warning() -> None:
    """Seed 4 (spec 32): `catchup: false` under Prefect reached no file (a Prefect deployment never
    runs the slots it missed, whatever the spec says); R263 says so at the setting."""
    data = spec(
        SHOP,
        orchestrator="prefect",
        orchestration={"catchup": False},
    )
    entry = traced(data, "orchestration", "catchup")
    assert entry.status == "warned" and entry.why.startswith("R263 at orchestration.catchup"), entry


def test_a_lake_targets_path_places_its_layers_under_the_bucket() -> None:
    """Seed 4 (spec 35): an Iceberg target's `connection.path` beside its `bucket` reached no file:
    the lake's layers lived under `<bucket>/<layer>`. They now live under `<bucket>/<path>/<layer>`
    (the lakehouse and Spark families alike)."""
    data = spec(
        SHOP,
        architecture="lakehouse",
    )
    data["targets"] = [{"name": "lake", "type": "iceberg", "connection": {"bucket": "lake", "path": "raw"}}]
    base = baseline(data)
    assert '"bronze": "lake/raw/bronze"' in base.files["pipeline/lake.json"]
    entry = trace(base, ("targets", 0, "connection", "path"))
    assert entry.status == "reaches" and "pipeline/lake.json" in entry.files, entry


# ---------------------------------------------------------------- the s31 sweeps (seeds 6-9)

KAPPA_CDC = """
- name: app
  type: postgres
  ingestion: cdc
  connection: {host: db, database: app, user: reader, password: "${secret:APP_PASSWORD}"}
  tables:
    - name: devices
      primary_key: device_id
      event_time: updated_at
      description: One device per row.
      columns:
        - {name: device_id, type: bigint, not_null: true, description: the device}
        - {name: updated_at, type: timestamp(3), not_null: true}
    - name: customers
      primary_key: customer_id
      columns:
        - {name: customer_id, type: bigint, not_null: true}
        - {name: segment, type: string}
"""


def kappa_cdc(**top: Any) -> dict[str, Any]:
    data = spec(KAPPA_CDC, STREAM_JOB, latency="1m", architecture="kappa", **top)
    data["targets"].append({"name": "serving", "type": "postgres",
                            "connection": {"host": "serving", "database": "serving", "user": "writer"}})  # fmt: skip
    return data


def test_a_cdc_table_no_job_reads_under_kappa_is_warned_at_the_table() -> None:
    """Seed 7 (spec 8): under Kappa a CDC table no stream job read reached only Debezium's
    connector (its name and key): its columns' types, `not_null` and `unique` reached no file."""
    base = baseline(kappa_cdc())
    for key in ("type", "not_null"):
        entry = trace(base, ("sources", 0, "tables", 1, "columns", 1, key) if key == "type" else
                      ("sources", 0, "tables", 1, "columns", 0, key))  # fmt: skip
        assert entry.status == "warned" and entry.why.startswith("R396 at sources[0].tables[1]:"), (key, entry)


def test_a_sink_capable_target_no_job_sinks_to_under_kappa_is_warned() -> None:
    """Seed 7 (spec 8): a second PostgreSQL target under Kappa that no stream job sinks to: its
    `database` and `user` reached no file and no warning (R397 skipped every target Flink can write)."""
    base = baseline(kappa_cdc())
    for key in ("database", "user"):
        entry = trace(base, ("targets", 1, "connection", key))
        assert entry.status == "warned" and entry.why.startswith(f"R397 at targets[1].connection.{key}:"), entry


def test_table_and_column_descriptions_reach_the_architecture_doc_under_kappa() -> None:
    """Seeds 6 (specs 14-16) and 7 (spec 8): without a dbt staging model (Kappa) a table's and a
    column's `description` reached no file; docs/architecture.md lists them under the sources."""
    base = baseline(kappa_cdc())
    doc = base.files["docs/architecture.md"]
    assert "- app.devices: One device per row." in doc
    assert "- app.devices.device_id: the device" in doc
    for path in (("sources", 0, "tables", 0, "description"), ("sources", 0, "tables", 0, "columns", 0, "description")):
        entry = trace(base, path)
        assert entry.status == "reaches" and "docs/architecture.md" in entry.files, (path, entry)


FAKER_STREAM = """
- name: shop
  type: faker
  ingestion: stream
  tables:
    - name: accounts
      primary_key: account_id
      event_time: updated_at
      columns:
        - {name: account_id, type: bigint, not_null: true}
        - {name: updated_at, type: timestamp(3), not_null: true}
      synthetic: {rows: 200}
    - name: events
      primary_key: event_id
      event_time: updated_at
      columns:
        - {name: event_id, type: bigint, not_null: true}
        - {name: channel, type: int, not_null: true}
        - {name: updated_at, type: timestamp(3), not_null: true}
      quality: {row_count: {min: 1, max: 1000000}, severity: warn}
      synthetic: {rows: 500}
"""
EVENTS_JOB = """
streams:
  - name: per_minute
    from: events
    window: {type: tumble, size: 1m}
    measures: [{name: events, agg: count}]
    sink: {target: warehouse}
"""


def test_a_faker_stream_table_no_job_reads_under_kappa_is_warned_at_the_table() -> None:
    """Seed 9 (specs 16-21): a Faker stream table no job read under Kappa got no stand-in, no job
    and no check: its columns and `synthetic.rows` reached no file (R396 assumed a stand-in). Since the stream
    generator runs under Kappa too (infra21b), they reach its config, and R396 says no job reads the topic."""
    base = baseline(spec(FAKER_STREAM, EVENTS_JOB, latency="1m", architecture="kappa"))
    for path in (("columns", 0, "type"), ("synthetic", "rows")):
        entry = trace(base, ("sources", 0, "tables", 0, *path))
        assert entry.status == "reaches" and entry.files == ("pipeline/stream_generator.json",), (path, entry)
    warned = [d for d in base.diagnostics if d.code == "R396"]
    assert len(warned) == 1 and "the stream generator writes its events" in warned[0].message


def test_a_row_count_rule_of_a_table_no_batch_layer_lands_is_warned() -> None:
    """Seed 9 (specs 16-21): `quality.row_count` (and its `severity`) of a table only stream jobs
    read: GX counts rows on the warehouse's table, which Kappa does not have (R491)."""
    base = baseline(spec(FAKER_STREAM, EVENTS_JOB, latency="1m", architecture="kappa"))
    for key in (("row_count", "min"), ("row_count", "max"), ("severity",)):
        entry = trace(base, ("sources", 0, "tables", 1, "quality", *key))
        assert entry.status == "warned" and entry.why.startswith("R491 at sources[0].tables[1].quality."), entry


def test_a_streamed_tables_synthetic_rows_sizes_its_change_events() -> None:
    """Seed 9 (specs 16-21): the local stream run wrote 1000 change events per fact table whatever
    its `synthetic.rows` said (500 here)."""
    base = baseline(spec(FAKER_STREAM, EVENTS_JOB, latency="1m", architecture="kappa"))
    tables = {t["name"]: t for t in json.loads(base.files["pipeline/change_events.json"])["tables"]}
    assert tables["shop__events"]["rows"] == 500
    entry = trace(base, ("sources", 0, "tables", 1, "synthetic", "rows"))
    assert entry.status == "reaches" and "pipeline/change_events.json" in entry.files, entry


SPARK_CLICKS = """
- name: web
  type: faker
  ingestion: stream
  tables:
    - name: clicks
      primary_key: click_id
      event_time: at
      columns:
        - {name: click_id, type: bigint, not_null: true}
        - {name: at, type: timestamp, not_null: true}
"""
SPARK_SESSIONS = """
streams:
  - name: sessions
    from: clicks
    window: {type: session, gap: 30s}
    measures: [{name: clicks, agg: count}]
    sink: {target: lake, mode: upsert, key: [window_start, window_end]}
"""


def test_a_spark_stream_jobs_upsert_key_is_its_merge_key() -> None:
    """Seed 9 (spec 05): under Spark as the stream engine a windowed job's upsert `sink.key` reached
    no file (the stream layer merged by the window's bounds whatever it said). The key is the merge
    key now, in the spec's order; a key without the window's bounds is R406 at the job."""
    data = spec(SPARK_CLICKS, SPARK_SESSIONS, latency="1m", engines={"stream": "spark"})
    data["targets"] = [{"name": "lake", "type": "delta", "connection": {"bucket": "lake"}}]
    data["transforms"]["streams"][0]["sink"]["key"] = ["window_end", "window_start"]
    base = baseline(data)
    [job] = json.loads(base.files["spark/medallion.json"])["streams"]
    assert job["key"] == ["window_end", "window_start"]
    for i in (0, 1):
        entry = trace(base, ("transforms", "streams", 0, "sink", "key", i))
        assert entry.accounted and entry.status in ("reaches", "warned"), entry


def test_the_retry_delay_of_a_prefect_flow_without_retries_is_stated() -> None:
    """Seed 12 (specs 09-14): under Prefect, `retries: 0` with `exponential_backoff: false` left
    the flow's list of delays empty, and `retry_delay` reached no file. The flow's docstring and
    docs/orchestration.md say a failed task is not retried and what a retry would wait."""
    data = spec(
        SHOP,
        orchestrator="prefect",
        orchestration={"retries": 0, "retry_delay": "7m", "exponential_backoff": False},
    )
    base = baseline(data)
    stated = "0: a failed task is not retried (with retries, the first waits 7m, at most 30m)"
    assert f"    retries: {stated}\n" in base.files["flows/drops.py"]
    assert f"| retries | {stated} |" in base.files["docs/orchestration.md"]
    assert "RETRY_DELAYS = []" in base.files["flows/drops.py"]  # Prefect's own: no retry, no delay
    for key in ("retry_delay", "exponential_backoff"):
        entry = trace(base, ("orchestration", key))
        assert entry.status == "reaches" and "flows/drops.py" in entry.files, entry


def test_the_catalog_settings_a_lake_targets_catalog_does_not_read_get_located_warnings() -> None:
    """Found by kinesis48 (s48): an Iceberg target's `connection.catalog` under a Glue catalog (or none) reached no
    file and no warning (the ledger: `unchanged`); `url` and `token` the same, and on a Delta target. Only the REST
    and Unity catalogs read them (R524); there they reach the lake step's catalog."""
    lake = {"name": "lake", "type": "iceberg", "lake": {"catalog": "glue"},
            "connection": {"bucket": "fleet-lake", "region": "eu-west-1", "catalog": "fleet",
                           "url": "https://catalog.example.com", "token": "${secret:CATALOG_TOKEN}"}}  # fmt: skip
    for catalog_, warned in (("glue", True), (None, True), ("rest", False)):
        data = spec(SHOP, cloud="aws")
        data["targets"] = [copy.deepcopy(lake)]
        if catalog_ is None:
            del data["targets"][0]["lake"]
        else:
            data["targets"][0]["lake"]["catalog"] = catalog_
        for key in ("catalog", "url"):
            entry = traced(data, "targets", 0, "connection", key)
            if warned:
                assert entry.status == "warned", (catalog_, key, entry)
                assert entry.why.startswith(f"R524 at targets[0].connection.{key}:"), entry
            else:
                assert entry.status == "reaches" and "pipeline/lake.json" in entry.files, (catalog_, key, entry)
        # the token is a secret reference, which .env.example lists whatever reads it: the ledger sees it reach
        # files, so the warning itself is what says nobody connects with it
        warned_at = {f.path for f in plan_findings(Spec.model_validate(data)) if f.code == "R524"}
        assert (("targets", 0, "connection", "token") in warned_at) is warned, (catalog_, warned_at)
    delta = spec(SHOP, cloud="aws")
    delta["targets"] = [
        {"name": "lake", "type": "delta", "connection": {"bucket": "b", "url": "https://x.example.com"}}
    ]
    entry = traced(delta, "targets", 0, "connection", "url")
    assert entry.status == "warned" and entry.why.startswith("R524 at targets[0].connection.url:"), entry
