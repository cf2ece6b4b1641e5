"""The naming layer: one name per thing, valid in every system it reaches."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.plan.names import BUCKET_RULES, STORAGE_ACCOUNT_RULE, bucket_name, dns_name, names, snake
from pipegen.spec.model import Cloud, Spec
from tests.conftest import spec_data

DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("orders", "orders"), ("OrderItems", "order_items"), ("userID", "user_id"), ("a__b", "a_b"),
     ("trailing_", "trailingx"), ("HTTPServer", "http_server"), ("x1Y", "x1_y")],
)  # fmt: skip
def test_snake_follows_dlt_snake_case(name: str, expected: str) -> None:
    assert snake(name) == expected


def shop(**overrides: Any) -> Spec:
    return Spec.model_validate(spec_data(**overrides))


def test_dataset_names_follow_the_documented_conventions() -> None:
    n = names(shop()).dataset("db", "orders")
    assert (n.raw_schema, n.raw_table, n.staging_model) == ("raw_db", "orders", "stg_db__orders")
    assert (n.topic, n.dead_letter_topic) == ("shop.db.orders", "shop.db.orders.dlq")
    assert (n.dead_letter_table, n.quarantine_table, n.flink_table) == (
        "orders__dead_letter",
        "orders__quarantine",
        "db__orders",
    )
    assert n.k8s_name == "shop-db-orders"
    assert n.column("order_id") == "order_id"


def test_names_of_camel_case_tables_are_what_dlt_lands() -> None:
    data = spec_data()
    data["sources"][0]["tables"][0]["name"] = "OrderLines"
    data["sources"][0]["tables"][0]["columns"][0]["name"] = "orderId"
    data["sources"][0]["tables"][0]["primary_key"] = "orderId"
    n = names(Spec.model_validate(data)).dataset("db", "OrderLines")
    assert n.raw_table == "order_lines" and n.column("orderId") == "order_id"


def test_k8s_names_are_dns_labels_and_distinct_even_when_they_would_collide() -> None:
    tables = [{"name": t, "columns": [{"name": "id", "type": "int"}]} for t in ("a_b", "b")]
    sources = [
        {"name": "x", "type": "postgres", "tables": [tables[0]]},
        {"name": "x_a", "type": "postgres", "tables": [tables[1]]},
    ]
    n = names(shop(sources=sources))
    k8s = [d.k8s_name for d in n.datasets]
    assert len(set(k8s)) == 2 and all(DNS.match(k) and len(k) <= 63 for k in k8s)


def test_long_names_are_cut_with_a_stable_distinguishing_hash() -> None:
    long_a, long_b = "p" * 80 + "_a", "p" * 80 + "_b"
    a, b = dns_name(long_a), dns_name(long_b)
    assert len(a) <= 63 and DNS.match(a) and a != b and a == dns_name(long_a)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.from_regex(r"[a-z][a-z0-9_]{0,62}", fullmatch=True), st.sampled_from(["lake", "checkpoints", "state"]))
def test_bucket_names_respect_each_clouds_limits(pipeline: str, purpose: str) -> None:
    for cloud, rule in BUCKET_RULES.items():
        name = bucket_name(pipeline, purpose, rule)
        assert rule.min_len <= len(name) <= rule.max_len, (cloud, name)
        assert re.fullmatch(f"[{rule.allowed}]+", name), (cloud, name)
        if cloud != Cloud.LOCAL:
            assert DNS.match(name), (cloud, name)  # S3/GCS/Azure: start and end alphanumeric, no '--'
            assert "--" not in name
    account = bucket_name(pipeline, "data", STORAGE_ACCOUNT_RULE)
    assert re.fullmatch(r"[a-z0-9]{3,24}", account)


def test_azure_gets_a_storage_account_and_other_clouds_do_not() -> None:
    assert names(shop(cloud="azure")).storage_account is not None
    assert names(shop(cloud="aws")).storage_account is None


def test_every_name_is_unique_within_its_kind() -> None:
    tables = [{"name": t, "columns": [{"name": "id", "type": "int"}]} for t in ("orders", "users", "items")]
    sources = [{"name": s, "type": "postgres", "tables": tables} for s in ("db", "crm")]
    n = names(shop(sources=sources))
    for attr in ("staging_model", "topic", "dead_letter_topic", "flink_table", "k8s_name", "ref"):
        values = [getattr(d, attr) for d in n.datasets]
        assert len(values) == len(set(values)), attr
    raw = [(d.raw_schema, d.raw_table) for d in n.datasets]
    assert len(raw) == len(set(raw))


def test_events_topic_defaults_to_the_pipeline_and_honours_the_spec() -> None:
    assert names(shop()).events_topic == "shop.quality.events"
    custom = shop(quality={"events": {"sink": "kafka", "topic": "dq.events"}})
    assert names(custom).events_topic == "dq.events"
