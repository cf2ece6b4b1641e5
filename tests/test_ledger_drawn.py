"""Regression specs of the drops the ledger found over drawn specs (tests/specgen/test_drawn_ledger.py),
each minimal, with what it must reach (or the warning it must get) written out by hand."""

from __future__ import annotations

from typing import Any

import yaml

from pipegen.ledger import baseline, ledger
from tests.conftest import REPO, spec_data
from tests.families.cdc_specs import cdc_spec

CORPUS = REPO / "tests" / "corpus"


def kafka_spec(**connection: Any) -> dict[str, Any]:
    """Two topics of a Kafka source; one stream job reads `clicks` only."""
    data = spec_data(latency="1m")
    data["sources"] = [{
        "name": "events", "type": "kafka", "ingestion": "stream",
        "connection": {"bootstrap_servers": "broker-1:9092", **connection},
        "topics": [{"name": "clicks", "columns": [{"name": "id", "type": "bigint"}]},
                   {"name": "views", "columns": [{"name": "id", "type": "bigint"}]}],
    }]  # fmt: skip
    data["transforms"] = {"streams": [{"name": "all_clicks", "from": "clicks", "columns": ["id"]}]}
    return data


def codes(data: dict[str, Any]) -> dict[str, str]:
    return {d.path: d.code for d in baseline(data).diagnostics}


def test_a_kafka_sources_bootstrap_servers_are_its_flink_sources_brokers() -> None:
    sql = baseline(kafka_spec()).files["flink/sql/shop__all_clicks.sql"]
    assert "'properties.bootstrap.servers' = 'broker-1:9092'" in sql
    referenced = baseline(kafka_spec(bootstrap_servers="${env:EVENTS_BROKERS}")).files
    assert "'properties.bootstrap.servers' = '${EVENTS_BROKERS}'" in referenced["flink/sql/shop__all_clicks.sql"]


def test_a_topic_no_stream_job_reads_gets_a_located_warning_covering_its_columns() -> None:
    assert codes(kafka_spec()) == {"sources[0].topics[1]": "R396"}
    entry = ledger(kafka_spec(), [("sources", 0, "topics", 1, "columns", 0, "type")])
    assert entry["sources[0].topics[1].columns[0].type"].status == "warned"


def test_the_watermark_delay_of_a_cdc_table_no_stream_job_reads_gets_a_located_warning() -> None:
    data = cdc_spec("postgres", "kappa")
    data["sources"][0]["tables"][1] = {**data["sources"][0]["tables"][1], "watermark_delay": "5s"}
    # the job reads the orders changelog event by event: it upserts by key into a sink that takes updates (R498)
    data["targets"] = [
        {
            "name": "wh",
            "type": "postgres",
            "connection": {"host": "wh", "database": "wh", "user": "w", "password": "${secret:WH_PASSWORD}"},
        }
    ]
    data["transforms"] = {"streams": [{"name": "big_orders", "from": "orders", "columns": ["order_id"],
                                       "sink": {"target": "wh", "mode": "upsert", "key": ["order_id"]}}]}  # fmt: skip
    found = codes(data)
    assert found.get("sources[0].tables[1].watermark_delay") == "R396", found
    assert not any(path.startswith("sources[0].tables[0]") for path in found)  # the table a job reads


def test_a_warehouse_only_stream_jobs_write_warns_on_each_connection_setting_nothing_reads() -> None:
    data = kafka_spec()
    data["sources"][0]["topics"].pop()
    data["cloud"] = "aws"
    data["targets"] = [{"name": "warehouse", "type": "snowflake",
                        "connection": {"account": "acme", "user": "LOADER", "warehouse": "LOADING"}}]  # fmt: skip
    found = codes(data)
    assert {p: c for p, c in found.items() if c == "R397"} == {
        f"targets[0].connection.{field}": "R397" for field in ("account", "user", "warehouse")
    }


def test_the_location_of_a_lake_target_nothing_lands_in_or_sinks_to_gets_a_located_warning() -> None:
    data = spec_data()
    data["cloud"] = "azure"
    data["targets"].append({"name": "lake", "type": "iceberg", "connection": {"bucket": "lake", "path": "lake"}})
    found = codes(data)
    assert {p: c for p, c in found.items() if c == "R397"} == {
        "targets[1].connection.bucket": "R397",
        "targets[1].connection.path": "R397",
    }
    data["targets"].reverse()  # the lake first: the batch layer lands there, and reads its bucket
    assert "R397" not in codes(data).values()


def test_the_rules_of_a_column_a_derived_column_replaces_get_a_located_warning() -> None:
    data = spec_data()
    table = data["sources"][0]["tables"][0]
    table["columns"][1] = {**table["columns"][1], "not_null": {"mostly": 0.9}, "range": {"min": 0}}
    table["derived"] = [{"name": table["columns"][1]["name"], "expr": f"abs({table['columns'][1]['name']})",
                         "type": "double"}]  # fmt: skip
    found = codes(data)
    assert {p: c for p, c in found.items() if c == "R398"} == {
        "sources[0].tables[0].columns[1].not_null": "R398",
        "sources[0].tables[0].columns[1].range": "R398",
    }


def test_prefect_tasks_fail_after_the_execution_timeout() -> None:
    data = spec_data(orchestrator="prefect", orchestration={"execution_timeout": "2h"})
    files = baseline(data).files
    assert '    "timeout_seconds": 7200.0,' in files["flows/shop.py"]
    assert "| task timeout | 2h (`timeout_seconds`)" in files["docs/orchestration.md"]


def test_an_empty_group_by_holds_nothing_to_drop() -> None:
    data = kafka_spec()
    data["sources"][0]["topics"].pop()
    data["sources"][0]["topics"][0]["columns"].append({"name": "at", "type": "timestamp(3)"})
    data["sources"][0]["topics"][0]["event_time"] = "at"
    data["transforms"] = {"streams": [{
        "name": "per_minute", "from": "clicks", "window": {"type": "tumble", "size": "1m"}, "group_by": [],
        "measures": [{"name": "n", "agg": "count"}],
    }]}  # fmt: skip
    entry = ledger(data, [("transforms", "streams", 0, "group_by")])["transforms.streams[0].group_by"]
    assert entry.status == "allowed" and "empty" in entry.why


STREAM_ONLY_FOREIGN_KEY = (CORPUS / "kappa_stream_table_unchecked_rules.yaml").read_text(encoding="utf-8")


def test_a_foreign_key_of_a_table_no_batch_layer_lands_gets_a_located_warning() -> None:
    """Seed 15 (specs 22, 23): the key of a table only stream jobs read (Kappa) reached no file: dbt's
    relationships test and GX's value set run on the warehouse's table, the stream quality jobs check
    each event's own values, and the parent had no stand-in to draw from. R409 at the key now; a
    table no job reads either stays under R396 as a whole. Since the stream generator runs under Kappa
    (issue 21) the reference reaches its config, the parent drawn as a copy of its table; the key is still
    checked by nothing, so R409 stays at the key and its severity."""
    base = baseline(STREAM_ONLY_FOREIGN_KEY)
    warned = {d.path: d.code for d in base.diagnostics}
    assert warned["sources[0].tables[1].columns[1].foreign_key"] == "R409"
    assert warned["sources[0].tables[0]"] == "R396"
    key = ("sources", 0, "tables", 1, "columns", 1, "foreign_key")
    entries = ledger(STREAM_ONLY_FOREIGN_KEY, [(*key, "references"), (*key, "severity")])
    drawn = entries["sources[0].tables[1].columns[1].foreign_key.references"]
    assert drawn.status == "reaches" and drawn.files == ("pipeline/stream_generator.json",), drawn
    severity = entries["sources[0].tables[1].columns[1].foreign_key.severity"]
    assert severity.status == "warned" and severity.why.startswith("R409 at sources[0].tables[1].columns[1]."), severity


def test_freshness_drift_and_expected_columns_of_a_table_no_batch_layer_lands_get_a_located_warning() -> None:
    """Seed 15 (spec 20): under Kappa a read stream table's `quality.freshness`, `drift` and a written-out
    `expected_columns: none` reached no file (GX, dbt and the freshness alerts read the landed table
    only); R491 warned at `row_count` only. It warns at each now."""
    base = baseline(STREAM_ONLY_FOREIGN_KEY)
    warned = {d.path: d.code for d in base.diagnostics}
    for key in ("expected_columns", "freshness", "drift"):
        assert warned[f"sources[0].tables[1].quality.{key}"] == "R491", key
    paths = [("sources", 0, "tables", 1, "quality", *key) for key in (("freshness", "warn_after"), ("drift", "mean"))]
    for entry in ledger(STREAM_ONLY_FOREIGN_KEY, paths).values():
        assert entry.status == "warned" and entry.why.startswith("R491"), entry


def test_a_foreign_key_of_a_table_the_batch_layer_lands_is_checked_without_a_warning() -> None:
    """The twin: under Lambda the batch layer lands the table, dbt and GX check the key: no R409."""
    data = yaml.safe_load(STREAM_ONLY_FOREIGN_KEY) | {"architecture": "lambda"}
    data["transforms"]["marts"] = [{"name": "per_device", "from": "orders", "group_by": ["device_id"],
                                    "measures": [{"name": "n", "agg": "count"}]}]  # fmt: skip
    base = baseline(data)
    assert "R409" not in {d.code for d in base.diagnostics}
    assert "relationships" in base.files["dbt/models/staging/_staging.yml"]


UNWRITTEN_KAFKA_TARGET = (CORPUS / "spark_stream_unread_kafka_target_and_flink_sizing.yaml").read_text(encoding="utf-8")


def test_the_connection_of_a_kafka_target_no_generated_job_writes_gets_a_located_warning() -> None:
    """Seed 15 (spec 04): under Lambda with Spark streaming, the only job sinking to a Kafka target is
    not run (R406: Spark writes the lake only), and the target's `bootstrap_servers` reached no file:
    R397 skipped every target Flink could write. It warns now when no generated job writes it."""
    base = baseline(UNWRITTEN_KAFKA_TARGET)
    warned = {d.path: d for d in base.diagnostics}
    assert warned["transforms.streams[0]"].code == "R406"
    found = warned["targets[1].connection.bootstrap_servers"]
    assert found.code == "R397" and "no generated stream job writes to it" in found.message
    [entry] = ledger(UNWRITTEN_KAFKA_TARGET, [("targets", 1, "connection", "bootstrap_servers")]).values()
    assert entry.status == "warned", entry
    flink = yaml.safe_load(UNWRITTEN_KAFKA_TARGET) | {"engines": {"stream": "flink"}}  # Flink runs the job: read
    assert "R397" not in {d.code for d in baseline(flink).diagnostics}
    assert "broker:9092" in "".join(baseline(flink).files.values())


def test_flink_sizing_of_a_plan_that_runs_no_flink_job_gets_a_located_warning() -> None:
    """Seed 16 (spec 08): `sizing.flink.checkpoint_interval` under Spark as the stream engine reached no
    file (only the Flink jobs' configuration reads it, and no Flink job is generated). R410 at each
    `sizing.flink` setting now; under Flink both reach the jobs."""
    data = yaml.safe_load(UNWRITTEN_KAFKA_TARGET)
    base = baseline(data)
    warned = {d.path: d.code for d in base.diagnostics}
    assert warned["sizing.flink.parallelism"] == warned["sizing.flink.checkpoint_interval"] == "R410"
    [entry] = ledger(data, [("sizing", "flink", "checkpoint_interval")]).values()
    assert entry.status == "warned" and entry.why.startswith("R410"), entry
    flink = baseline(data | {"engines": {"stream": "flink"}})
    assert "R410" not in {d.code for d in flink.diagnostics}
    assert "execution.checkpointing.interval" in "".join(flink.files.values())


def test_the_catalog_of_an_iceberg_target_nothing_writes_reaches_the_lake_step() -> None:
    """Seed 16 (specs 37, 38): a lakehouse plan landing in PostgreSQL (listed first) beside an Iceberg
    target with a REST catalog that no stream job writes: R397 warned at its url, path and bucket, and
    its `connection.catalog` reached no file; R397 warned at it too. Since the lake step opens the target's
    production catalog in a deployment (lake.json's `production_catalog`, issue 20), its `url` and `catalog`
    reach pipeline/lake.json and R397 no longer warns at them; the bucket (no part of a REST catalog) still
    gets it. The catalog also names the Spark Thrift server's session catalog dbt reads silver through."""
    data = spec_data(architecture="lakehouse")
    data["targets"] = [
        {"name": "warehouse", "type": "postgres", "connection": {"host": "wh", "database": "a", "user": "w",
                                                                 "password": "${secret:WH_PASSWORD}"}},
        {"name": "lake", "type": "iceberg", "lake": {"catalog": "rest"},
         "connection": {"bucket": "lake", "url": "https://catalog.example.com/api", "catalog": "prod"}},
    ]  # fmt: skip
    warned = {d.path: d.code for d in baseline(data).diagnostics}
    assert "targets[1].connection.catalog" not in warned and "targets[1].connection.url" not in warned, warned
    assert warned.get("targets[1].connection.bucket") == "R397", warned
    entries = ledger(data, [("targets", 1, "connection", "catalog"), ("targets", 1, "connection", "url")])
    url, catalog = entries["targets[1].connection.url"], entries["targets[1].connection.catalog"]
    assert url.status == "reaches" and "pipeline/lake.json" in url.files, url
    assert catalog.status == "reaches", catalog
    assert set(catalog.files) == {"pipeline/lake.json", "dbt/spark-thrift/spark-iceberg.conf"}, catalog
