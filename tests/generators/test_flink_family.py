"""The flink family's generated SQL and deployments, unit-level (PyFlink judges are in
tests/judges/test_flink_jobs.py): window TVF argument order, session partitions, top-N,
lookups with the current cache options, sinks by target and mode, secrets as runner variables,
no legacy windows, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from pipegen.render.flinksql import legacy_windows
from tests.conftest import REPO

BIDS = REPO / "tests" / "judges" / "flink_bids.yaml"
ECOMMERCE = REPO / "specs" / "ecommerce_realtime.yaml"


def tree(spec: Path) -> dict[str, str]:
    ready = prepare(spec)
    return render_tree(ready.spec, ready.plan)


@pytest.fixture(scope="module")
def bids() -> dict[str, str]:
    return tree(BIDS)


@pytest.fixture(scope="module")
def shop() -> dict[str, str]:
    return tree(ECOMMERCE)


def test_hop_takes_slide_then_size_and_cumulate_step_then_max(bids: dict[str, str]) -> None:
    hop = bids["flink/sql/flink_bids__hop_slide5m_size10m.sql"]
    assert (
        "HOP(TABLE `hop_slide5m_size10m__input`, DESCRIPTOR(`bidtime`), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)"
        in hop
    )
    cumulate = bids["flink/sql/flink_bids__cumulate_step2m_max10m.sql"]
    assert "DESCRIPTOR(`bidtime`), INTERVAL '2' MINUTE, INTERVAL '10' MINUTE)" in cumulate


def test_session_windows_partition_by_the_group_keys_only_when_there_are_some(bids: dict[str, str]) -> None:
    assert (
        "SESSION(TABLE `session_gap5m_by_item__input` PARTITION BY (`item`),"
        in bids["flink/sql/flink_bids__session_gap5m_by_item.sql"]
    )
    assert "SESSION(TABLE `session_gap5m__input`, DESCRIPTOR" in bids["flink/sql/flink_bids__session_gap5m.sql"]


def test_window_top_n_ranks_per_window_and_keeps_n(bids: dict[str, str]) -> None:
    sql = bids["flink/sql/flink_bids__top3_suppliers_tumble_10m.sql"]
    assert "ROW_NUMBER() OVER (PARTITION BY `window_start`, `window_end` ORDER BY `price` DESC) AS `rownum`" in sql
    assert "WHERE `rownum` <= 3" in sql


def test_every_generated_statement_uses_window_tvfs_never_legacy_group_windows(
    bids: dict[str, str], shop: dict[str, str]
) -> None:
    scripts = {p: t for files in (bids, shop) for p, t in files.items() if p.startswith("flink/sql/")}
    assert len(scripts) == 11 + 2 * 6  # stream jobs, and two quality jobs per streamed table with rules
    assert {p: legacy_windows(t) for p, t in scripts.items() if legacy_windows(t)} == {}


def test_lookups_use_the_current_cache_options_and_processing_time(shop: dict[str, str]) -> None:
    sql = shop["flink/sql/ecommerce_realtime__category_top_sales.sql"]
    assert "'lookup.cache' = 'PARTIAL'" in sql
    assert "'lookup.partial-cache.expire-after-write'" in sql
    assert not re.search(r"'lookup\.cache\.(max-rows|ttl|caching-missing-key)'", sql)
    assert "JOIN `shop__products` FOR SYSTEM_TIME AS OF `orders`.`proc_time` AS `products`" in sql


def test_cdc_sources_are_debezium_changelogs_with_key_watermark_and_duplicates_setting(shop: dict[str, str]) -> None:
    sql = shop["flink/sql/ecommerce_realtime__gmv_per_minute.sql"]
    assert "'format' = 'debezium-json'" in sql
    assert "PRIMARY KEY (`order_id`) NOT ENFORCED" in sql
    assert "WATERMARK FOR `created_at__value` AS `created_at__value` - INTERVAL '5' SECOND" in sql
    assert "SET 'table.exec.source.cdc-events-duplicate' = 'true';" in sql


def test_history_jobs_read_their_cdc_topic_append_only(shop: dict[str, str]) -> None:
    """OVER windows cannot consume a changelog: a job with `history:` reads the envelope as plain
    JSON (columns from `after`, the real `op`), keeps inserts and snapshot reads only, no key."""
    sql = shop["flink/sql/ecommerce_realtime__suspicious_orders.sql"]
    raw = sql[sql.index("CREATE TABLE `shop__orders__changes`") :]
    raw = raw[: raw.index(";")]
    assert "'format' = 'json'" in raw and "debezium-json" not in raw and "PRIMARY KEY" not in raw
    assert "  `after` ROW<`order_id` BIGINT, " in raw and "`created_at` STRING" in raw
    assert "  `order_id` AS COALESCE(`after`.`order_id`, CAST(0 AS BIGINT)),\n" in raw  # an upsert key: NOT NULL
    assert "  `ts_ms` AS `source`.`ts_ms`,\n" in raw and "  `op` STRING,\n" in raw
    assert "WATERMARK FOR `created_at` AS `created_at` - INTERVAL '5' SECOND" in raw
    # the table's extraction filter (`is_deleted = 0`) holds before the statistics
    assert "FROM `shop__orders__changes`\nWHERE `op` IN ('c', 'r') AND (`is_deleted` = 0);" in sql


def test_cdc_temporal_columns_are_read_as_debezium_isostrings_and_cast_under_a_view(shop: dict[str, str]) -> None:
    """Debezium (time.precision.mode=isostring) writes '2026-01-02T03:04:05.123Z', which neither
    debezium-json timestamp standard parses: the raw table reads a STRING, casts it, and the view
    the job reads carries the spec's name and type; the connector says isostring."""
    sql = shop["flink/sql/ecommerce_realtime__gmv_per_minute.sql"]
    assert "CREATE TABLE `shop__orders__changes` (" in sql
    assert "  `created_at` STRING NOT NULL,\n" in sql
    assert "`created_at__value` AS CAST(REPLACE(REPLACE(`created_at`, 'T', ' '), 'Z', '') AS TIMESTAMP(3))" in sql
    assert "'debezium-json.timestamp-format.standard' = 'ISO-8601'" in sql
    assert "CREATE TEMPORARY VIEW `shop__orders` AS\nSELECT\n" in sql
    assert "  `created_at__value` AS `created_at`,\n" in sql and "FROM `shop__orders__changes`;" in sql
    assert "`total_amount` DECIMAL(10, 2) NOT NULL" in sql  # decimal.handling.mode=string: Flink parses it
    connector = json.loads(shop["debezium/connect/ecommerce-realtime-shop-cdc.json"])["config"]
    assert connector["time.precision.mode"] == "isostring" and connector["decimal.handling.mode"] == "string"
    assert "SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';" in sql
    assert "SET 'state.backend.type' = 'rocksdb';" in sql


def test_upsert_sinks_declare_the_key_and_secrets_stay_runner_variables(shop: dict[str, str]) -> None:
    sql = shop["flink/sql/ecommerce_realtime__user_sessions.sql"]
    assert "CREATE TABLE `user_sessions` (\n  PRIMARY KEY (`user_id`, `window_start`) NOT ENFORCED\n) WITH (" in sql
    assert "'connector' = 'jdbc'" in sql and "'table-name' = 'rt_user_sessions'" in sql
    assert "'password' = '${SERVING_MYSQL_PASSWORD}'" in sql


def test_kafka_targets_get_upsert_kafka_or_exactly_once_kafka(bids: dict[str, str]) -> None:
    sql = bids["flink/sql/flink_bids__tumble_10m.sql"]
    assert "'connector' = 'kafka'" in sql.split("CREATE TABLE `tumble_10m`")[1]
    assert "'sink.delivery-guarantee' = 'exactly-once'" in sql


def test_deployments_upgrade_through_savepoints_and_manifest_names_every_table(shop: dict[str, str]) -> None:
    deployment = shop["flink/deploy/ecommerce-realtime-gmv-per-minute.yaml"]
    assert 'upgradeMode: "savepoint"' in deployment and 'kind: "FlinkDeployment"' in deployment
    jobs = json.loads(shop["flink/jobs.json"])["jobs"]
    top = next(j for j in jobs if j["job"] == "ecommerce_realtime__category_top_sales")
    assert {t: v["role"] for t, v in top["tables"].items()} == {
        "shop__orders__changes": "source",
        "shop__products": "dimension",
        "category_top_sales": "sink",
    }


def test_generation_is_deterministic(shop: dict[str, str]) -> None:
    again = tree(ECOMMERCE)
    assert {p: t for p, t in again.items() if p.startswith(("flink/", "pipeline/change"))} == {
        p: t for p, t in shop.items() if p.startswith(("flink/", "pipeline/change"))
    }


def test_jdbc_lookups_and_sinks_name_their_table_in_the_connections_schema() -> None:
    """A lookup reads the dimension Debezium captures (its `table.include.list` entry, in the source's
    `schema`), and a JDBC sink writes into the target's `schema` (both dropped before: the lookup
    read `hubs` from the database's search path, the sink wrote outside `live`)."""
    files = tree(REPO / "tests" / "corpus" / "kappa_cdc_in_schemas.yaml")
    connector = json.loads(files["debezium/connect/corpus-parcel-tracking-depot-cdc.json"])["config"]
    captured = {t.replace("\\.", ".") for t in connector["table.include.list"].split(",")}
    sql = files["flink/sql/corpus_parcel_tracking__scans_per_hub.sql"]
    names = re.findall(r"'table-name' = '([^']*)'", sql)
    assert names == ["ops.hubs", "live.hub_minute"]
    assert names[0] in captured


CLUSTER_TLS = {
    "properties.security.protocol": "SSL",
    "properties.ssl.truststore.type": "PKCS12",
    "properties.ssl.truststore.location": "${KAFKA_SSL_TRUSTSTORE_LOCATION}",
    "properties.ssl.truststore.password": "${KAFKA_SSL_TRUSTSTORE_PASSWORD}",
    "properties.ssl.keystore.type": "PKCS12",
    "properties.ssl.keystore.location": "${KAFKA_SSL_KEYSTORE_LOCATION}",
    "properties.ssl.keystore.password": "${KAFKA_SSL_KEYSTORE_PASSWORD}",
}
OPTION = re.compile(r"^  '([^']+)' = '((?:[^']|'')*)',?$", re.MULTILINE)


def kafka_tables(files: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """(file, options) of every Kafka table of the flink/sql scripts."""
    return [(path, dict(OPTION.findall(stmt))) for path, text in sorted(files.items()) if path.startswith("flink/sql/")
            for stmt in text.split(";\n") if re.search(r"'connector' = '(upsert-)?kafka'", stmt)]  # fmt: skip


def test_kafka_tables_on_the_projects_cluster_use_its_mutual_tls_and_a_named_cluster_keeps_its_own_settings(
    shop: dict[str, str],
) -> None:
    """The project's Strimzi cluster has one listener (mutual TLS): every Kafka table on it (sources, CDC
    topics, dead letters, validation events) carries the PKCS12 stores the FlinkDeployment mounts; iot_lambda's
    source on a cluster the spec names (`bootstrap_servers`, SASL in `connection.options`) gets none of them."""
    iot = tree(REPO / "specs" / "iot_lambda.yaml")
    on_cluster = other = 0
    for files in (shop, iot):
        for path, options in kafka_tables(files):
            secured = {k: v for k, v in options.items() if k.startswith(("properties.security.", "properties.ssl."))}
            if options["properties.bootstrap.servers"] == "${KAFKA_BOOTSTRAP_SERVERS}":
                assert secured == CLUSTER_TLS, path
                on_cluster += 1
            else:
                assert not any(k.startswith("properties.ssl.") for k in options), path
                other += 1
    assert on_cluster >= 15 and other >= 1, (on_cluster, other)


def test_the_runner_fills_the_tls_options_from_the_environment_the_flinkdeployment_sets(
    shop: dict[str, str], tmp_path: Path
) -> None:
    """The production runner's own substitution (pipeline/flink_sql.py) over a job's SQL with the env its
    FlinkDeployment sets: the stores' locations are the mounted files; nothing of the TLS options is left unset."""
    import importlib
    import sys

    from ruamel.yaml import YAML

    for rel in ("pipeline/__init__.py", "pipeline/flink_sql.py", "pipeline/envsubst.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(shop.get(rel, ""), encoding="utf-8")
    deploy = YAML(typ="safe").load(shop["flink/deploy/ecommerce-realtime-category-top-sales.yaml"])
    (container,) = deploy["spec"]["podTemplate"]["spec"]["containers"]
    env = {e["name"]: e.get("value", f"<{e['name']}>") for e in container["env"]}
    sys.path.insert(0, str(tmp_path))
    try:
        flink_sql = importlib.import_module("pipeline.flink_sql")
        script = shop["flink/sql/ecommerce_realtime__category_top_sales.sql"]
        others = {n: "x" for n in re.findall(r"\$\{(\w+)\}", script) if not n.startswith("KAFKA_SSL_")}
        filled = [flink_sql.substitute(s, {**others, **env}) for s in flink_sql.statements(script)]
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]
    text = "\n".join(filled)
    assert "'properties.ssl.truststore.location' = '/opt/flink/kafka-tls/kafka-cluster-ca/ca.p12'" in text
    assert "'properties.ssl.keystore.location' = '/opt/flink/kafka-tls/kafka-user/user.p12'" in text
    assert "${" not in text


def test_the_local_run_keeps_no_kafka_table_so_no_tls_option(shop: dict[str, str], tmp_path: Path) -> None:
    """Locally (no broker with TLS, no Kafka connector in PyFlink) the project's own rewrite
    (pipeline/flink_local.py, what `make stream-explain` and the Flink judges plan) swaps every Kafka
    table, its TLS options with it: the production options never reach a local run."""
    import importlib
    import sys

    for rel, text in shop.items():
        if rel.startswith(("pipeline/", "flink/")):
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(str(text), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        flink_local = importlib.import_module("pipeline.flink_local")
        data = tmp_path / "data"
        scripts = [(job, flink_local.script(job, tmp_path)) for job in flink_local.jobs(tmp_path)]
        rewritten = [s.sql for job, text in scripts for s in flink_local.rewrite(text, job, data, "explain")]
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]
    assert len(rewritten) > 100 and "properties.ssl." in "".join(shop[p] for p in shop if p.startswith("flink/sql/"))
    assert not [s for s in rewritten if "properties.ssl." in s or "'connector' = 'kafka'" in s]
