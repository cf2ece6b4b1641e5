"""The generated project's synthetic Debezium change events (templates/flink/change_events.py):
deterministic, Debezium envelopes, updates and deletes close behind their inserts (inside the
watermark delay), foreign keys into the dimensions, the event time kept by updates."""

from __future__ import annotations

import importlib
import json
import sys
import types
from collections import Counter
from typing import Any

import pytest

from pipegen.generators.flink.generator import change_events_config
from pipegen.generators.registry import REGISTRY
from pipegen.pipeline import prepare
from pipegen.resources import data_dir
from pipegen.spec.rulekinds import rules_json
from tests.conftest import REPO


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> Any:
    package = types.ModuleType("pipeline")
    package.__path__ = [str(data_dir("templates") / "flink")]
    sys.modules["pipeline"] = package
    try:
        loaded = importlib.import_module("pipeline.change_events")
    finally:
        sys.modules.pop("pipeline", None)
        sys.modules.pop("pipeline.change_events", None)
    rules = tmp_path_factory.mktemp("pipeline") / "rules.json"  # what the project family writes beside it
    rules.write_text(rules_json(), encoding="utf-8")
    loaded.RULES = rules
    return loaded


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    ready = prepare(REPO / "specs" / "ecommerce_realtime.yaml")
    ctx = REGISTRY.context(ready.spec, ready.plan, "test")
    return change_events_config(ctx)


def test_config_names_facts_and_lookup_dimensions(config: dict[str, Any]) -> None:
    roles = {t["name"]: t["role"] for t in config["tables"]}
    assert roles == {"orders": "fact", "products": "dimension", "users": "dimension"}
    orders = next(t for t in config["tables"] if t["name"] == "orders")
    assert orders["event_time"] == "created_at"
    assert {c["name"] for c in orders["columns"]}.isdisjoint({"op", "ts_ms"})  # metadata is not data


def test_same_seed_same_events(module: Any, config: dict[str, Any]) -> None:
    assert module.generate(config, 200) == module.generate(config, 200)
    other = {**config, "seed": config["seed"] + 1}
    assert module.generate(other, 200) != module.generate(config, 200)


def test_changes_follow_their_insert_within_the_watermark_delay(module: Any, config: dict[str, Any]) -> None:
    events = [json.loads(line) for line in module.generate(config, 500)["ecommerce_realtime.shop.orders"]]
    assert set(events[0]) == {"before", "after", "op", "source", "ts_ms"}
    ops = Counter(e["op"] for e in events)
    assert ops["c"] == 500 and ops["u"] > 0 and ops["d"] > 0
    step_ms = config["step_seconds"] * 1000
    inserted_at = {}
    for e in events:
        if e["op"] == "c":
            inserted_at[e["after"]["order_id"]] = (e["ts_ms"], e["after"]["created_at"])
        else:
            first, created = inserted_at[e["before"]["order_id"]]
            assert 0 < e["ts_ms"] - first <= module.MAX_DELAY_EVENTS * step_ms  # watermark delay: 5 s
            if e["op"] == "u":
                assert e["after"]["created_at"] == created  # the event time does not move


def test_foreign_keys_point_at_generated_dimension_rows(module: Any, config: dict[str, Any]) -> None:
    out = module.generate(config, 200)
    products = {json.loads(x)["after"]["product_id"] for x in out["ecommerce_realtime.shop.products"]}
    orders = [json.loads(x) for x in out["ecommerce_realtime.shop.orders"]]
    assert {e["after"]["product_id"] for e in orders if e["after"]} <= products


def test_without_a_bad_rate_no_event_breaks_a_rule(module: Any, config: dict[str, Any]) -> None:
    topics, injected = module.generate_recorded(config, 200)
    assert all(not v for v in injected.values())
    assert topics == module.generate(config, 200)


def test_injected_breaks_are_recorded_with_the_rules_they_break(module: Any, config: dict[str, Any]) -> None:
    bad = {**config, "bad_rate": 0.2}
    topics, injected = module.generate_recorded(bad, 400)  # enough breaks that every rule kind is drawn
    orders = next(t for t in config["tables"] if t["name"] == "orders")
    records = injected[orders["topic"]]
    assert len(records) >= 40
    kinds = {p.rsplit(".", 1)[1] for r in records for p in r["rules"]}
    assert {"not_null", "range", "accepted_values"} <= kinds
    # every image in the file that breaks a rule is recorded, with exactly the rules it breaks
    found = []
    for line in topics[orders["topic"]]:
        event = json.loads(line)
        image = event["after"]
        if event["op"] in ("c", "u") and module.broken(orders, image):
            found.append({"op": event["op"], "key": [image["order_id"]], "rules": module.broken(orders, image)})
    assert sorted(found, key=repr) == sorted(records, key=repr)


def test_a_rule_break_never_touches_keys_or_the_event_time(module: Any, config: dict[str, Any]) -> None:
    orders = next(t for t in config["tables"] if t["name"] == "orders")
    assert {r["column"] for r in orders["rules"]}.isdisjoint({"order_id", "created_at"})


def test_without_rules_json_it_says_what_is_missing(module: Any, config: dict[str, Any], tmp_path: Any) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "RULES", tmp_path / "rules.json")
        with pytest.raises(FileNotFoundError, match=r"rules\.json is missing: it lists the quality rule kinds"):
            module.generate(config, 10)


def test_the_bad_values_follow_the_strategies_rules_json_names(module: Any) -> None:
    strategies = module.rule_strategies()
    assert strategies == {"not_null": "null", "range": "out_of_range", "accepted_values": "outside_values",
                          "regex": "regex_miss"}  # fmt: skip
    assert set(strategies.values()) <= set(module.STRATEGIES)
