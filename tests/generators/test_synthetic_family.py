"""Synthetic family, fast checks on the generator's config: which foreign keys the spec's marts
need covered (every parent key with a child row). The data itself is judged by running the
runtime (tests/runtime/test_synthetic.py) and the local run (tests/families)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pipegen.generators.base import GenContext
from pipegen.generators.synthetic.generator import covering_keys, held_conditions, synthetic_config
from pipegen.pipeline import prepare
from pipegen.spec.index import SpecIndex
from tests.conftest import SPECS, example_specs


def covering(data: dict[str, Any], tmp_path: Path) -> dict[tuple[str, str], int]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    spec = prepare(path).spec
    return covering_keys(spec, SpecIndex(spec))


def jaffle() -> dict[str, Any]:
    return dict(YAML(typ="safe").load((SPECS / "jaffle_shop.yaml").read_text(encoding="utf-8")))


def test_a_not_null_mart_column_from_a_left_joined_child_mart_covers_its_foreign_key(tmp_path: Path) -> None:
    # orders.amount = order_payments.total_amount (a left join of raw_payments grouped by order_id), not null
    assert covering(jaffle(), tmp_path) == {("jaffle__raw_payments", "order_id"): 1000}


def test_without_the_not_null_rule_or_with_an_inner_join_nothing_is_covered(tmp_path: Path) -> None:
    relaxed = jaffle()
    orders = next(m for m in relaxed["transforms"]["marts"] if m["name"] == "orders")
    orders["columns"][-1] = {"name": "amount", "expr": "order_payments.total_amount"}
    assert covering(relaxed, tmp_path) == {}
    inner = jaffle()
    orders = next(m for m in inner["transforms"]["marts"] if m["name"] == "orders")
    orders["joins"][0]["type"] = "inner"  # an inner join drops orders without payments: nothing to cover
    assert covering(inner, tmp_path) == {}


def test_a_covering_child_gets_at_least_as_many_rows_as_its_parent(tmp_path: Path) -> None:
    data = jaffle()  # as a Faker source, where the spec sets each table's rows
    source = data["sources"][0]
    source["type"] = "faker"
    del source["connection"]
    for table in source["tables"]:
        del table["path"], table["format"]
        table["synthetic"] = {"rows": {"raw_orders": 800, "raw_payments": 300}.get(table["name"], 500)}
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    ready = prepare(path)
    config, _, _ = synthetic_config(GenContext(ready.spec, ready.plan, frozenset({"synthetic"}), "0"))
    rows = {t["name"]: t["rows"] for t in config["tables"]}
    assert rows == {"jaffle__raw_customers": 500, "jaffle__raw_orders": 800, "jaffle__raw_payments": 800}
    payments = next(t for t in config["tables"] if t["name"] == "jaffle__raw_payments")
    assert [c["name"] for c in payments["columns"] if c.get("covers")] == ["order_id"]


def test_no_other_example_has_a_covering_key() -> None:
    for path in example_specs():
        spec = prepare(path).spec
        found = covering_keys(spec, SpecIndex(spec))
        assert (path.stem == "jaffle_shop") == bool(found), (path.stem, found)


# ---------------------------------------------------------------- join filters the marts rely on


def held(data: dict[str, Any], tmp_path: Path) -> frozenset[tuple[str, str]]:
    path = tmp_path / "pipegen.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    spec = prepare(path).spec
    return held_conditions(spec, SpecIndex(spec))


def ecommerce() -> dict[str, Any]:
    return dict(YAML(typ="safe").load((SPECS / "ecommerce_realtime.yaml").read_text(encoding="utf-8")))


def test_a_flag_filter_of_a_left_join_that_a_not_null_column_reads_holds_on_every_clean_row(tmp_path: Path) -> None:
    # fact_orders left-joins users and products `filter: is_active` and says user_name and
    # product_name are not null (mostly 0.99): half the flags false would null half the rows
    assert held(ecommerce(), tmp_path) == {("shop__users", "is_active"), ("shop__products", "is_active")}


def test_no_not_null_column_from_the_join_or_a_filter_other_than_a_flag_holds_nothing(tmp_path: Path) -> None:
    data = ecommerce()
    fact = data["transforms"]["marts"][0]
    fact["columns"] = [c for c in fact["columns"] if not (isinstance(c, dict) and c.get("expr") == "product_name")]
    fact["joins"][0]["filter"] = "user_level = 'gold'"  # not a flag: the generator cannot make it hold
    assert held(data, tmp_path) == set()
    data = ecommerce()
    data["transforms"]["marts"][0]["joins"][1]["filter"] = "is_active = true"  # the same flag, said outright
    data["transforms"]["marts"][0]["joins"][0]["type"] = "inner"  # drops orders of inactive users: no null
    assert held(data, tmp_path) == {("shop__products", "is_active")}


def test_the_held_flag_reaches_the_synthetic_config(tmp_path: Path) -> None:
    ready = prepare(SPECS / "ecommerce_realtime.yaml")
    config, _, _ = synthetic_config(GenContext(ready.spec, ready.plan, frozenset({"synthetic"}), "0"))
    flags = {(t["name"], c["name"]) for t in config["tables"] for c in t["columns"] if c.get("holds")}
    assert flags == {("shop__users", "is_active"), ("shop__products", "is_active")}
