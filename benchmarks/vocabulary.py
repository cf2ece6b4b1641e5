"""What of the spec's vocabulary the spec generator never draws: every key of
docs/pipegen.schema.json that no drawn spec sets, and every enumerated value no drawn spec
writes (a field's default counts as drawn: leaving the key out selects it).

    python -m benchmarks.vocabulary [--count 300] [--seed 20261207] [--independent]

Run from the repo root in the dev environment. The list is what docs/corpus.md ("What the
generator does not draw") records and the closing note of issue 19 quotes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
Ref = tuple[str, Any]  # ("ref", def name) | ("enum", values) | ("list", Ref) | ("map", Ref)


def kinds(node: dict[str, Any]) -> Iterator[Ref]:
    """What a schema node may hold: definitions, enums, lists or maps of them."""
    if "$ref" in node:
        yield ("ref", node["$ref"].rsplit("/", 1)[-1])
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, ()):
            yield from kinds(sub)
    if "enum" in node:
        yield ("enum", tuple(node["enum"]))
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        yield from (("list", k) for k in kinds(node["items"]))
    values = [node["additionalProperties"]] if isinstance(node.get("additionalProperties"), dict) else []
    for sub in [*values, *node.get("patternProperties", {}).values()]:
        yield from (("map", k) for k in kinds(sub))


class Seen:
    """Keys set per definition, and values written per (definition, key); "" keys an enum def."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.values: dict[tuple[str, str], set[str]] = defaultdict(set)

    def spec(self, spec: dict[str, Any]) -> None:
        self._object(spec, "Spec", self.schema)

    def _object(self, value: Any, name: str, node: dict[str, Any]) -> None:
        if "enum" in node:
            self.values[(name, "")].add(json.dumps(value))
            return
        props = node.get("properties", {})
        if not isinstance(value, dict):
            return
        self.keys[name].add("")  # the definition itself was drawn
        for key, item in value.items():
            self.keys[name].add(key)
            if key in props:
                self._value(item, props[key], (name, key))

    def _value(self, value: Any, node: dict[str, Any], where: tuple[str, str]) -> None:
        if isinstance(value, str | bool | int | float) and not isinstance(value, dict):
            self.values[where].add(json.dumps(value))
        for kind in kinds(node):
            self._kind(value, kind)

    def _kind(self, value: Any, kind: Ref) -> None:
        tag, arg = kind
        if tag == "ref" and arg in self.defs:
            self._object(value, arg, self.defs[arg])
        elif tag == "list" and isinstance(value, list):
            for item in value:
                self._kind(item, arg)
        elif tag == "map" and isinstance(value, dict):
            for item in value.values():
                self._kind(item, arg)


def never_drawn(seen: Seen) -> list[str]:
    """One line per definition never drawn, key never set, or enumerated value never written."""
    out: list[str] = []
    for name, node in [("Spec", seen.schema), *sorted(seen.defs.items())]:
        if "enum" in node:
            continue  # reported at the fields that hold it, where the default is known
        if name not in seen.keys:
            out.append(f"{name}: never drawn")
            continue
        props = node.get("properties", {})
        missing = sorted(set(props) - seen.keys[name])
        if missing:
            out.append(f"{name}: keys never set: {', '.join(missing)}")
        for key in sorted(set(props) & seen.keys[name]):
            written = set(seen.values[(name, key)])
            enums = [arg for tag, arg in kinds(props[key]) if tag == "enum"]
            for tag, arg in kinds(props[key]):
                if tag == "ref" and "enum" in seen.defs.get(arg, {}):
                    enums.append(tuple(seen.defs[arg]["enum"]))
            default = json.dumps(props[key].get("default"))
            for values in enums:
                left = [v for v in values if json.dumps(v) not in written and json.dumps(v) != default]
                if left:
                    out.append(f"{name}.{key}: values never written: {', '.join(map(str, left))}")
    return out


# Why what stays undrawn is not drawn (docs/corpus.md, "What the generator does not draw"), by the
# start of its line; a line without a reason here is new: draw it, or say why not.
WHY = {
    "Dataset.format: values never written: protobuf": "a protobuf topic needs a schema the spec does not carry",
    "DerivedColumn: keys never set: foreign_key": "a computed value has no parent the synthetic data keeps",
    "ForeignKeyRule.severity": "drawn at warn: a drawn foreign key's outcome on synthetic data is not fixed",
    "RegexRule.severity": "drawn at warn: hostile values may hold a newline a pattern's `.` does not match",
    "SyntheticTable.system": "the local generator reads no `system` (R365); extras.SYNTHETIC_SYSTEMS draws six",
    "SyntheticTable.format": "drawn one in five Faker files tables (tests/specgen/extras.py); rare per seed",
}


def explained(line: str) -> str:
    why = next((why for start, why in WHY.items() if line.startswith(start)), None)
    return f"{line}   ({why})" if why else f"{line}   (NEW: draw it, or add why not to WHY)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--independent", action="store_true", help="independent draws (tests/specgen/sample.py)")
    args = parser.parse_args(argv)
    from tests.specgen.sample import draw  # Hypothesis and the strategies: only when run

    seen = Seen(json.loads((REPO / "docs" / "pipegen.schema.json").read_text(encoding="utf-8")))
    for spec in draw(args.count, args.seed, args.independent):
        seen.spec(spec)
    lines = never_drawn(seen)
    print("\n".join(map(explained, lines)) if lines else "every key and value drawn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
