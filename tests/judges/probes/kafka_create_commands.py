"""Runs in the `kafka` judge env, against a throwaway broker (tests/servers.py): do what compose.yaml's
`kafka-topics` service's `kafka-topics.sh --create` commands do, through the Kafka admin protocol
(confluent-kafka's AdminClient: CreateTopics with the command's partitions, replication factor and `--config`
values), twice, as `make up` run twice would (with `--if-not-exists`, a topic that exists is no error; without
it, it is); then report what the broker holds: partition count and the created config keys' values.

COMMANDS_JSON: [{"topic", "partitions", "replication_factor", "config": {key: value}, "if_not_exists"}]
Usage: python kafka_create_commands.py BOOTSTRAP COMMANDS_JSON
Prints {"runs": [{topic: "created" | "exists" | error}], "topics": {name: {"partitions", "config"}}} as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic


def run(admin: AdminClient, commands: list[dict[str, Any]]) -> dict[str, str]:
    new = [NewTopic(c["topic"], c["partitions"], c["replication_factor"], config=c["config"]) for c in commands]
    outcome: dict[str, str] = {}
    for (name, future), command in zip(admin.create_topics(new).items(), commands, strict=True):
        try:
            future.result()
            outcome[name] = "created"
        except KafkaException as e:
            exists = e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS
            outcome[name] = "exists" if exists and command["if_not_exists"] else str(e)
    return outcome


def main() -> None:
    bootstrap = sys.argv[1]
    commands: list[dict[str, Any]] = json.loads(Path(sys.argv[2]).read_text())
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client fails its futures
    runs = [run(admin, commands), run(admin, commands)]
    held = admin.list_topics(timeout=10).topics
    futures = admin.describe_configs([ConfigResource("topic", c["topic"]) for c in commands])
    described = {resource.name: future.result() for resource, future in futures.items()}
    topics = {
        c["topic"]: {
            "partitions": len(held[c["topic"]].partitions) if c["topic"] in held else 0,
            "config": {k: described[c["topic"]][k].value if k in described[c["topic"]] else None for k in c["config"]},
        }
        for c in commands
    }
    print(json.dumps({"runs": runs, "topics": topics}))


if __name__ == "__main__":
    main()
