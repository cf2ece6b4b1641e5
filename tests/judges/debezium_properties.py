"""Debezium connector configs checked against ../shared/debezium/properties.json.

The rule is that file's README ("Rule for a test"), including its stricter checks:
1. a key in `removed_or_renamed` is an error naming its replacement;
2. a key in `sink_only` or `worker_only` is an error;
3. otherwise a key is accepted when it is the connector's own, a scoped common key
   (`common_scopes` of the connector's `connector_scopes`), a Kafka Connect common key, or
   starts with one of `prefixes` or a dynamic prefix (`converters=boolean` allows `boolean.`);
   anything else is unknown;
4. `transforms.<alias>.<option>`: the option must be in that SMT's list (a renamed option
   names its replacement), and a renamed SMT class is an error; Kafka's own SMTs
   (org.apache.kafka.connect.transforms.*) are checked against `KAFKA_SMTS` below;
5. `snapshot.mode` must be one of the connector's modes (a renamed value names its replacement).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.judges.crds import shared_dir

# Kafka Connect's own SMTs (not in properties.json): their options, from the Kafka 4.x docs.
KAFKA_SMTS: dict[str, frozenset[str]] = {
    "org.apache.kafka.connect.transforms.RegexRouter": frozenset({"regex", "replacement"}),
    "org.apache.kafka.connect.transforms.TimestampRouter": frozenset({"topic.format", "timestamp.format"}),
}
SMT_COMMON = frozenset({"type", "predicate", "negate"})


def properties_file() -> Path | None:
    shared = shared_dir()
    path = shared / "debezium" / "properties.json" if shared else None
    return path if path is not None and path.is_file() else None


@dataclass(frozen=True)
class PropertyRules:
    data: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path) -> PropertyRules:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def connector_key(self, connector_class: str) -> str | None:
        for key, cls in self.data["connector_classes"].items():
            if cls == connector_class:
                return str(key)
        return None

    def _common(self, connector: str) -> set[str]:
        scopes = self.data["connector_scopes"].get(connector)
        if not scopes:
            return set(self.data["common"])
        return {k for s in scopes for k in self.data["common_scopes"][s]}

    def check(self, config: Mapping[str, str], connector_class: str | None = None) -> list[str]:
        """Every problem of one connector config (empty when clean), each naming the key."""
        cls = connector_class or config.get("connector.class", "")
        connector = self.connector_key(cls)
        if connector is None:
            return [f"connector.class {cls!r} is not a known Debezium source connector"]
        problems: list[str] = []
        allowed = set(self.data["connectors"][connector]) | self._common(connector)
        allowed |= set(self.data["kafka_connect_common"])
        prefixes = list(self.data["prefixes"]) + self._dynamic_prefixes(config)
        removed = self.data["removed_or_renamed"]
        for key in config:
            if key in removed:
                replacement = removed[key]
                problems.append(
                    f"{key}: removed or renamed; use {replacement}"
                    if replacement
                    else f"{key}: removed (no replacement)"
                )
            elif key in self.data["sink_only"]:
                problems.append(f"{key}: a sink-connector key; a source connector silently ignores it")
            elif key in self.data["worker_only"]:
                problems.append(f"{key}: a Connect worker key; it belongs in the worker config, not the connector")
            elif key.startswith("transforms."):
                problems += self._transform(key, config)
            elif key not in allowed and not key.startswith(tuple(prefixes)) and not self._pattern(key):
                problems.append(f"{key}: not a property of {connector} (unknown key)")
        problems += self._snapshot_mode(connector, config)
        return problems

    def _dynamic_prefixes(self, config: Mapping[str, str]) -> list[str]:
        out = []
        for key in self.data["dynamic_prefixes"]:
            out += [f"{name.strip()}." for name in config.get(key, "").split(",") if name.strip()]
        return out

    def _pattern(self, key: str) -> bool:
        return any(re.fullmatch(p, key) for p in self.data["patterns"])

    def _transform(self, key: str, config: Mapping[str, str]) -> list[str]:
        parts = key.split(".", 2)
        if len(parts) < 3:
            return []  # `transforms` itself is a common key; `transforms.x` alone is malformed below
        alias, option = parts[1], parts[2]
        if alias not in [a.strip() for a in config.get("transforms", "").split(",")]:
            return [f"{key}: transform {alias!r} is not listed in `transforms`"]
        smt = config.get(f"transforms.{alias}.type", "")
        if option == "type":
            renamed = self.data["renamed_classes"].get(smt)
            return [f"{key}: {smt} is deprecated or removed; use {renamed}"] if renamed else []
        if option in SMT_COMMON:
            return []
        known = set(self.data["transforms"].get(smt, ())) or KAFKA_SMTS.get(smt)
        if known is None:
            return [f"{key}: unknown transform class {smt!r}"]
        renamed_option = self.data["renamed_smt_options"].get(smt, {}).get(option)
        if renamed_option:
            return [f"{key}: renamed; use transforms.{alias}.{renamed_option}"]
        return [] if option in known else [f"{key}: not an option of {smt}"]

    def _snapshot_mode(self, connector: str, config: Mapping[str, str]) -> list[str]:
        mode = config.get("snapshot.mode")
        if mode is None or mode in self.data["snapshot_modes"].get(connector, ()):
            return []
        renamed = self.data["renamed_values"].get("snapshot.mode", {}).get(mode)
        hint = f"use {renamed}" if renamed else "modes: " + ", ".join(self.data["snapshot_modes"][connector])
        return [f"snapshot.mode={mode}: not a mode of {connector}; {hint}"]
