"""Synthetic family, fast checks on the generator's config: which foreign keys the spec's marts
need covered (every parent key with a child row). The data itself is judged by running the
runtime (tests/runtime/test_synthetic.py) and the local run (tests/families)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pipegen.generators.base import GenContext
from pipegen.generators.synthetic.generator import covering_keys, synthetic_config
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
