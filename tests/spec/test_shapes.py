"""The spec's short forms normalise to one shape, and staging/mart outputs come out in order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipegen.pipeline import check
from pipegen.spec.index import SpecIndex, mart_outputs
from pipegen.spec.model import Join, Mart, Sink, SinkMode, StreamShape, Target
from pipegen.spec.types import parse_column_type
from tests.conftest import SPECS

# The header lines of the jaffle shop's reference marts (dbt-labs/jaffle_shop_duckdb, expected/*.csv).
JAFFLE_CUSTOMERS = (
    "customer_id,first_name,last_name,first_order,most_recent_order,number_of_orders,customer_lifetime_value"
)
JAFFLE_ORDERS = (
    "order_id,customer_id,order_date,status,"
    "credit_card_amount,coupon_amount,bank_transfer_amount,gift_card_amount,amount"
)


@pytest.mark.parametrize(
    ("on", "pairs"),
    [
        ("customer_id", (("customer_id", "customer_id"),)),
        (["a", "b"], (("a", "a"), ("b", "b"))),
        ({"user_id": "id"}, (("user_id", "id"),)),
        ({"orders.user_id": "id", "tenant": "tenant"}, (("orders.user_id", "id"), ("tenant", "tenant"))),
    ],
)
def test_join_on_accepts_a_name_a_list_or_pairs(on: object, pairs: tuple[tuple[str, str], ...]) -> None:
    assert Join.model_validate({"table": "users", "on": on}).on == pairs


def test_join_on_may_not_be_empty() -> None:
    with pytest.raises(ValidationError):
        Join.model_validate({"table": "users", "on": []})


def test_outputs_accept_a_column_or_a_named_expression() -> None:
    mart = Mart.model_validate(
        {"name": "m", "from": "t", "columns": ["orders.status", {"name": "doubled", "expr": "amount * 2"}]}
    )
    assert [c.output_name for c in mart.columns] == ["status", "doubled"]
    assert mart.columns[0].expr == "orders.status"


def test_sink_accepts_a_target_name_or_a_mapping() -> None:
    from pipegen.spec.model import StreamJob

    short = StreamJob.model_validate({"name": "j", "from": "t", "sink": "wh"})
    assert short.sink == Sink(target="wh")
    assert short.sink.mode == SinkMode.APPEND


def test_layers_accept_a_list_or_a_mapping_of_locations() -> None:
    listed = Target.model_validate({"name": "lake", "type": "delta", "layers": ["bronze", "gold"]})
    assert [(layer.layer.value, layer.bucket) for layer in listed.layers] == [("bronze", None), ("gold", None)]
    mapped = Target.model_validate(
        {"name": "lake", "type": "delta", "layers": {"bronze": {"bucket": "raw"}, "silver": None}}
    )
    assert [(layer.layer.value, layer.bucket) for layer in mapped.layers] == [("bronze", "raw"), ("silver", None)]


@pytest.mark.parametrize(("rate", "per_second"), [(5, 5.0), ("12/s", 12.0), ("6000/m", 100.0), ("3600/h", 1.0)])
def test_stream_rate_is_events_per_second(rate: object, per_second: float) -> None:
    assert StreamShape.model_validate({"rate": rate}).rate == per_second


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("timestamp(3)", "timestamp(3)"),
        ("datetime(6)", "timestamp(6)"),
        ("ARRAY<varchar(10)>", "array<string>"),
        ("row<sku: string, qty: int4>", "struct<sku: string, qty: int>"),
        ("map<string, array<decimal(10,2)>>", "map<string, array<decimal(10,2)>>"),
        ("array", "json"),
    ],
)
def test_precision_and_nested_types_are_canonical(text: str, canonical: str) -> None:
    assert str(parse_column_type(text)) == canonical
    assert str(parse_column_type(canonical)) == canonical


def jaffle() -> SpecIndex:
    checked, _ = check(SPECS / "jaffle_shop.yaml")
    assert checked.spec is not None
    return SpecIndex(checked.spec)


def test_jaffle_staging_renames_and_replaces_in_place() -> None:
    tables = {t.dataset.name: t.staged_columns for t in jaffle().tables}
    assert tables["raw_customers"] == {"customer_id": "int", "first_name": "string", "last_name": "string"}
    assert list(tables["raw_orders"]) == ["order_id", "customer_id", "order_date", "status"]
    assert tables["raw_payments"] == {
        "payment_id": "int",
        "order_id": "int",
        "payment_method": "string",
        "amount": "double",
    }


def test_jaffle_marts_output_exactly_the_reference_columns_in_order() -> None:
    marts = jaffle().marts
    assert ",".join(mart_outputs(marts["customers"])) == JAFFLE_CUSTOMERS
    assert ",".join(mart_outputs(marts["orders"])) == JAFFLE_ORDERS


def test_jaffle_conditional_sums_say_their_condition_and_default() -> None:
    order_payments = jaffle().marts["order_payments"]
    coupon = next(m for m in order_payments.measures if m.name == "coupon_amount")
    assert (coupon.agg and coupon.agg.value, coupon.column, coupon.where, coupon.default) == (
        "sum",
        "amount",
        "payment_method = 'coupon'",
        0,
    )
    total = next(m for m in order_payments.measures if m.name == "total_amount")
    assert total.where is None and total.default is None


def test_jaffle_joins_keep_customers_without_orders() -> None:
    customers = jaffle().marts["customers"]
    assert [(j.table, j.type.value, j.on) for j in customers.joins] == [
        ("customer_orders", "left", (("customer_id", "customer_id"),)),
        ("customer_payments", "left", (("customer_id", "customer_id"),)),
    ]
