"""Runs in the `kafka` judge env, against the session's broker (tests/servers.py, kafka_broker):
create every topic of DECLARED_JSON as Strimzi's topic operator would from a `KafkaTopic`
(name, partitions, replication factor, config values as strings), write one record to every
partition of each, then report what the broker holds: partition count, the declared config keys'
values (describe_configs), and the records read back with assign() from every partition.
With PROJECT_DIR and EVENTS_JSONL, also publish those events to EVENTS_TOPIC through the
project's KafkaSink (pipeline/quality_events.py) and read them back the same way.

DECLARED_JSON: [{"name", "partitions", "replicas", "config": {key: value}}]
Usage: python kafka_topics.py BOOTSTRAP DECLARED_JSON [PROJECT_DIR EVENTS_TOPIC EVENTS_JSONL]
Prints {"topics": {name: {"partitions", "config", "records"}}, "events": [...]} as JSON."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic


def create(admin: AdminClient, declared: list[dict[str, Any]]) -> None:
    new = [
        NewTopic(t["name"], t["partitions"], t["replicas"], config={k: str(v) for k, v in t["config"].items()})
        for t in declared
    ]
    for future in admin.create_topics(new).values():
        future.result()


def configs(admin: AdminClient, declared: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    futures = admin.describe_configs([ConfigResource("topic", t["name"]) for t in declared])
    out: dict[str, dict[str, str]] = {}
    for resource, future in futures.items():
        entries = future.result()
        out[resource.name] = {k: entries[k].value for k in entries}
    return out


def write_every_partition(bootstrap: str, declared: list[dict[str, Any]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    for t in declared:
        for p in range(t["partitions"]):
            producer.produce(t["name"], key=f"{p}".encode(), value=json.dumps({"partition": p}).encode(), partition=p)
    assert producer.flush(30) == 0, "records not delivered"


def read_all(bootstrap: str, topic: str, partitions: int, expected: int) -> list[dict[str, Any]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while len(out) < expected and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        headers = {k: v.decode() for k, v in (msg.headers() or [])}
        out.append({"partition": msg.partition(), "key": msg.key().decode(), "value": json.loads(msg.value()),
                    "headers": headers})  # fmt: skip
    consumer.close()
    return sorted(out, key=lambda m: (m["partition"], json.dumps(m["value"], sort_keys=True)))


def publish_events(bootstrap: str, project: Path, topic: str, log: Path) -> list[dict[str, Any]]:
    path = project / "pipeline" / "quality_events.py"
    spec = importlib.util.spec_from_file_location("quality_events", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    module.KafkaSink(bootstrap, topic).publish(events)
    return events


def main() -> None:
    bootstrap = sys.argv[1]
    declared: list[dict[str, Any]] = json.loads(Path(sys.argv[2]).read_text())
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client fails its futures
    create(admin, declared)
    write_every_partition(bootstrap, declared)
    held = admin.list_topics(timeout=10).topics
    described = configs(admin, declared)
    report: dict[str, Any] = {"topics": {}, "events": []}
    for t in declared:
        count = len(held[t["name"]].partitions)
        report["topics"][t["name"]] = {
            "partitions": count,
            "config": {k: described[t["name"]].get(k) for k in t["config"]},
            "records": read_all(bootstrap, t["name"], count, t["partitions"]),
        }
    if len(sys.argv) > 3:
        project, topic, log = Path(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
        events = publish_events(bootstrap, project, topic, log)
        partitions = len(held[topic].partitions)
        back = read_all(bootstrap, topic, partitions, partitions + len(events))
        report["events"] = [m for m in back if "event_id" in m["value"]]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
