"""benchmarks/vocabulary.py: the keys and enumerated values of the schema no drawn spec sets
(docs/corpus.md lists them). On a small schema and handmade specs, not on draws (cheap)."""

from __future__ import annotations

from benchmarks.vocabulary import Seen, explained, never_drawn

SCHEMA = {
    "properties": {
        "mode": {"$ref": "#/$defs/Mode", "default": "a"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        "envs": {"type": "object", "patternProperties": {"^[a-z]+$": {"$ref": "#/$defs/Env"}}},
    },
    "$defs": {
        "Mode": {"enum": ["a", "b", "c"]},
        "Item": {
            "properties": {"name": {"type": "string"}, "kind": {"anyOf": [{"enum": ["x", "y"]}, {"type": "null"}]}}
        },
        "Env": {"properties": {"replicas": {"type": "integer"}, "memory": {"type": "string"}}},
        "Lineage": {"properties": {"url": {"type": "string"}}},
    },
}


def test_lists_each_key_value_and_definition_no_spec_reaches() -> None:
    seen = Seen(SCHEMA)
    seen.spec({"mode": "b", "items": [{"name": "n", "kind": "x"}], "envs": {"dev": {"replicas": 2}}})
    assert never_drawn(seen) == [
        "Spec.mode: values never written: c",  # a, the default, is drawn by leaving the key out
        "Env: keys never set: memory",  # reached through patternProperties
        "Item.kind: values never written: y",
        "Lineage: never drawn",
    ]
    seen.spec({"mode": "c", "items": [{"kind": "y"}], "envs": {"prod": {"memory": "1Gi"}}})
    assert never_drawn(seen) == ["Lineage: never drawn"]


def test_each_undrawn_line_says_why_or_that_it_is_new() -> None:
    assert explained("Dataset.format: values never written: protobuf").endswith(
        "(a protobuf topic needs a schema the spec does not carry)"
    )
    assert explained("Lineage: never drawn").endswith("(NEW: draw it, or add why not to WHY)")
