"""`connection.schema_registry`: a URL alone is short for `{url: ...}`; its `password` is a secret like any
connection's (R209 for a literal, the scan reads inside the mapping); its references reach `.env.example`'s
list (`secret_uses`); the topic-format rules (R514, R517, R519) read it."""

from __future__ import annotations

import copy
import json
from typing import Any

from pipegen.spec.model import SchemaRegistry
from pipegen.spec.secretscan import secret_uses
from pipegen.spec.validate import check_bytes

SPEC: dict[str, Any] = {
    "version": 1,
    "pipeline": {"name": "plant"},
    "latency": "30s",
    "sources": [{
        "name": "plant", "type": "kafka", "ingestion": "stream",
        "connection": {"bootstrap_servers": "${env:KAFKA_BOOTSTRAP}", "schema_registry": "${env:SR_URL}"},
        "topics": [{"name": "readings", "format": "avro", "event_time": "at",
                    "columns": [{"name": "id", "type": "string"}, {"name": "at", "type": "timestamp"}]}],
    }],
    "transforms": {"streams": [{"name": "copy", "from": "readings", "columns": ["id", "at"]}]},
    "targets": [{"name": "out", "type": "kafka", "connection": {"bootstrap_servers": "${env:KAFKA_BOOTSTRAP}"}}],
}  # fmt: skip


def findings(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d.code, d.path) for d in check_bytes(json.dumps(data).encode()).diagnostics if d.code.startswith("R")]


def with_registry(registry: object, fmt: str = "avro") -> dict[str, Any]:
    data = copy.deepcopy(SPEC)
    data["sources"][0]["connection"]["schema_registry"] = registry
    data["sources"][0]["topics"][0]["format"] = fmt
    if registry is None:
        del data["sources"][0]["connection"]["schema_registry"]
    return data


def test_a_url_alone_is_the_registry_s_url() -> None:
    checked = check_bytes(json.dumps(SPEC).encode())
    assert checked.spec is not None
    assert checked.spec.sources[0].connection.schema_registry == SchemaRegistry(url="${env:SR_URL}")


def test_the_registry_s_password_is_a_secret_and_its_references_are_listed() -> None:
    literal = with_registry({"url": "${env:SR_URL}", "user": "bob", "password": "hunter2"})
    assert ("R209", "sources[0].connection.schema_registry.password") in findings(literal)
    data = with_registry({"url": "${env:SR_URL}", "user": "${env:SR_USER}", "password": "${secret:SR_PASSWORD}"})
    assert [f for f in findings(data) if f[0] in ("R209", "R514", "R519")] == []
    checked = check_bytes(json.dumps(data).encode())
    assert checked.spec is not None
    used = {(u.kind, u.name, u.used_at) for u in secret_uses(checked.spec)}
    assert {("env", "SR_URL", "sources.plant.connection.schema_registry.url"),
            ("secret", "SR_PASSWORD", "sources.plant.connection.schema_registry.password")} <= used  # fmt: skip


def test_the_topic_format_rules_read_the_registry() -> None:
    assert ("R514", "sources[0].topics[0].format") in findings(with_registry(None))
    assert ("R517", "sources[0].connection.schema_registry") in findings(with_registry("${env:SR_URL}", "json"))
    half = with_registry({"url": "${env:SR_URL}", "password": "${secret:SR_PASSWORD}"})
    assert ("R519", "sources[0].connection.schema_registry.password") in findings(half)
    assert ("R515", "sources[0].topics[0].format") in findings(with_registry(None, "protobuf"))
    assert ("R518", "sources[0].topics[0].format") in findings(with_registry(None, "parquet"))
    assert [f for f in findings(SPEC) if f[0] in ("R514", "R517", "R519")] == []
