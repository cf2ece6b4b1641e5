"""CDC and Kafka names from the naming layer: within PostgreSQL's and Kubernetes' limits, stable,
and distinct per source."""

from __future__ import annotations

import re

from pipegen.plan.kafkanames import SERVER_ID_BASE, SERVER_ID_SPAN
from pipegen.plan.kafkanames import cdc_source_names as _cdc_names
from pipegen.plan.kafkanames import kafka_cluster_names as _kafka_names


def test_long_names_fit_postgres_and_kubernetes_limits() -> None:
    pipeline, source = "p" * 60, "s" * 60
    names = _cdc_names(pipeline, source)
    assert len(names.slot) <= 63 and len(names.publication) <= 63
    assert re.fullmatch(r"[a-z0-9_]+", names.slot)
    assert len(names.connector) <= 63 and len(names.credentials_secret) <= 63
    assert names.topic_prefix == f"{pipeline}.{source}"
    assert names.heartbeat_topic == f"__debezium-heartbeat.{pipeline}.{source}"


def test_cdc_names_are_stable_and_distinct_per_source() -> None:
    a, b = _cdc_names("shop", "orders_db"), _cdc_names("shop", "billing")
    assert _cdc_names("shop", "orders_db") == a
    assert len({a.slot, b.slot}) == 2 and len({a.connector, b.connector}) == 2
    for n in (a, b):
        assert SERVER_ID_BASE <= n.server_id < SERVER_ID_BASE + SERVER_ID_SPAN


def test_kafka_cluster_names_follow_strimzi_conventions() -> None:
    k = _kafka_names("ecommerce_realtime")
    assert k.cluster == "ecommerce-realtime" and k.bootstrap == "ecommerce-realtime-kafka-bootstrap"
    assert k.connect == "ecommerce-realtime-connect"
    assert len(_kafka_names("x" * 80).cluster) <= 40  # Strimzi derives pod names from it


def test_debeziums_schema_history_consumer_group_is_named_after_the_connector() -> None:
    names = _cdc_names("shop", "orders_db")
    assert names.connector == "shop-orders-db-cdc"
    assert names.history_group == "shop-orders-db-cdc-schemahistory"


def test_strimzi_objects_around_the_cluster_and_connect_are_named_in_one_place() -> None:
    k = _kafka_names("ecommerce_realtime")
    assert k.cluster_ca_secret == "ecommerce-realtime-cluster-ca-cert"  # Strimzi's cluster CA Secret
    assert k.connect_service_account == "ecommerce-realtime-connect-connect"  # Strimzi: `<KafkaConnect>-connect`
    assert k.connect_config_reader == "ecommerce-realtime-connect-config-reader"
    assert k.connect_push_secret == "ecommerce-realtime-connect-registry"
    assert k.connect_metrics == "ecommerce-realtime-connect-metrics"  # the Connect pods' JMX exporter rules
    assert k.flink_clients == "ecommerce_realtime__"
