"""CDC and Kafka names from the naming layer: within PostgreSQL's and Kubernetes' limits, stable,
and distinct per source."""

from __future__ import annotations

import re

from pipegen.plan.names import SERVER_ID_BASE, SERVER_ID_SPAN, _cdc_names, _kafka_names


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
