"""R521 (spec/rules/bridged.py) derives, from the spec alone, the topics pipegen writes on the project's cluster that
a Pub/Sub topic's name could meet (validate runs below the naming layer): held here to the kafka family's one topic
list (common/kafka_topics.py) over every example and corpus spec with Kafka topics, so the rule and the naming
layer cannot drift apart; and each way a name fails, one at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipegen.common.kafka_topics import topics
from pipegen.generators.base import GenContext
from pipegen.pipeline import families_for, prepare
from pipegen.spec.rules.bridged import _owned_topics, _problem
from tests.conftest import REPO, example_specs

# the roles of topics pipegen names itself (the rest: a source's own topic as the spec writes it, or a name with a
# `-`, which no spec name meets once `.` reads as `_`)
OWNED_ROLES = ("cdc", "dead-letter", "events", "sink", "connect-configs", "connect-offsets", "connect-status")


def kafka_specs() -> list[Path]:
    specs = [*example_specs(), *sorted((REPO / "tests" / "corpus").glob("*.yaml"))]
    return [p for p in specs if "kafka" in families_for(prepare(p).plan)]


def test_the_rule_knows_every_topic_pipegen_names_on_the_cluster() -> None:
    seen: set[str] = set()
    specs = kafka_specs()
    assert len(specs) >= 8
    for spec in specs:
        ready = prepare(spec)
        ctx = GenContext(ready.spec, ready.plan, frozenset(families_for(ready.plan)), "0")
        owned = set(_owned_topics(ready.spec).values())
        for t in topics(ctx):
            if t.role in OWNED_ROLES or (t.role == "stream" and "." in t.name):  # a Faker stream's `<p>.<s>.<t>`
                assert t.name in owned, (spec.stem, t.role, t.name)
                seen.add(t.role)
    assert {"cdc", "dead-letter", "events", "sink", "connect-configs"} <= seen, seen


OWNED = {"ps_events_clicks_dlq": "ps.events.clicks.dlq", "audit": "audit"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("clicks", None),
        ("Signups", None),
        ("c" * 249, None),
        ("c" * 250, "250 bytes long"),
        ("__consumer_offsets", "internal topic"),
        ("__share_group_state", "internal topic"),
        ("ps_events_clicks_dlq", "collides with pipegen's topic 'ps.events.clicks.dlq'"),
        ("audit", "pipegen writes a topic of that name"),
    ],
)
def test_each_way_a_name_fails(name: str, expected: Any) -> None:
    found = _problem(name, OWNED)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found[0], found
