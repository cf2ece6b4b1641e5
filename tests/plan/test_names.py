"""The naming layer: one name per thing, valid in every system it reaches."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.pipeline import prepare
from pipegen.plan.names import (
    BUCKET_RULES,
    STORAGE_ACCOUNT_RULE,
    Names,
    bucket_name,
    dns_name,
    k8s_labels,
    names,
    snake,
)
from pipegen.spec.model import Cloud, Spec
from tests.conftest import SPECS, spec_data

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


# ---------------------------------------------------------------- the flink family's names


def streaming() -> Names:
    """The e-commerce example's names: CDC tables, stream jobs, quality jobs."""
    return prepare(SPECS / "ecommerce_realtime.yaml").plan.names


def test_a_cdc_tables_raw_changelog_sits_under_the_flink_table() -> None:
    orders = streaming().dataset("shop", "orders")
    assert (orders.flink_table, orders.flink_changes) == ("shop__orders", "shop__orders__changes")


def test_stream_jobs_and_their_helper_views_follow_the_documented_conventions() -> None:
    job = streaming().stream("suspicious_orders")
    assert (job.flink_job, job.sink_table) == ("ecommerce_realtime__suspicious_orders", "suspicious_orders")
    assert (job.history_view, job.input_view) == ("suspicious_orders__history", "suspicious_orders__input")


def test_each_streamed_table_has_a_dead_letter_and_a_validation_job() -> None:
    n = streaming()
    q = n.quality_jobs("shop", "orders")
    dead, valid = q.dead_letters, q.validation
    assert (dead.flink_job, dead.sink_table) == (
        "ecommerce_realtime__shop__orders__dead_letters",
        "shop__orders__dead_letters",
    )
    assert (valid.flink_job, valid.sink_table) == (
        "ecommerce_realtime__shop__orders__validation",
        "shop__orders__validation_events",
    )
    assert dead.output_topic == n.dataset("shop", "orders").dead_letter_topic
    assert valid.output_topic == n.events_topic == "dq.validation_events"
    assert (dead.k8s_name, valid.k8s_name) == (
        "ecommerce-realtime-shop-orders-dead-letters",
        "ecommerce-realtime-shop-orders-validation",
    )
    assert (dead.job, valid.job) == ("shop.orders dead_letters", "shop.orders validation")
    assert (q.checks_view, q.windows_view, q.outcomes_view) == (
        "shop__orders__checks",
        "shop__orders__windows",
        "shop__orders__outcomes",
    )


def test_every_flink_job_is_under_the_prefix_the_flink_users_acls_grant() -> None:
    n = streaming()
    assert n.kafka is not None and n.replay.job_prefix == n.kafka.flink_clients == "ecommerce_realtime__"
    jobs = [j.flink_job for j in n.streams]
    jobs += [j.flink_job for q in n.stream_quality for j in (q.dead_letters, q.validation)]
    assert jobs and all(j.startswith(n.replay.job_prefix) for j in jobs)
    assert len(jobs) == len(set(jobs))


def test_replay_versions_are_named_by_rules_the_runtime_fills_in() -> None:
    replay = streaming().replay
    assert replay.versioned("ecommerce_realtime__gmv_per_minute", 2) == "ecommerce_realtime__gmv_per_minute__v2"
    assert replay.versioned("results.<sink>", "<VERSION>") == "results.<sink>__v<VERSION>"
    assert replay.k8s_version.format(name="ecommerce-realtime-gmv-per-minute", version=3) == (
        "ecommerce-realtime-gmv-per-minute-v3"
    )
    # flink/jobs.json carries exactly these rules to pipeline/replay.py
    assert replay.as_data() == {
        "job_prefix": "ecommerce_realtime__",
        "version": "{name}__v{version}",
        "k8s_version": "{name}-v{version}",
    }


def test_the_flink_jobs_env_secret_is_named_after_the_namespace() -> None:
    n = names(shop(deploy={"kubernetes": {"namespace": "shop-rt"}}))
    assert (n.k8s_namespace, n.flink_env_secret) == ("shop-rt", "shop-rt-flink-env")


def test_k8s_labels_are_dns_labels_and_hash_only_the_names_that_would_collide() -> None:
    labels = k8s_labels(["a_b.c", "a.b_c", "shop.db.orders"])
    assert labels["shop.db.orders"] == "shop-db-orders"
    assert labels["a_b.c"] != labels["a.b_c"] and all(DNS.match(v) for v in labels.values())
    assert labels["a_b.c"] == dns_name("a_b.c", always_hash=True)
