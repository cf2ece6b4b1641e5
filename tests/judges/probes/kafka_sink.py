"""Runs in the `kafka` judge env, against the session's broker (tests/servers.py, kafka_broker):
create TOPIC, publish events through a generated project's KafkaSink (pipeline/quality_events.py)
— or, with no project, one plain message through an idempotent producer — then read the topic
back with assign() and print what it holds as JSON.
Usage: python kafka_sink.py BOOTSTRAP TOPIC [PROJECT_DIR EVENTS_JSONL]"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def read_back(bootstrap: str, topic: str, expected: int, partitions: int = 1) -> list[dict[str, object]]:
    """Up to `expected` messages of every partition of `topic`, from offset 0 (assign(): no group join)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out: list[dict[str, object]] = []
    deadline = time.monotonic() + 30
    while len(out) < expected and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        headers = {k: v.decode() for k, v in (msg.headers() or [])}
        out.append({"key": msg.key().decode(), "value": json.loads(msg.value()), "headers": headers})
    consumer.close()
    return out


def main() -> None:
    bootstrap, topic = sys.argv[1], sys.argv[2]
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client fails its futures
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result()
    if len(sys.argv) > 3:
        path = Path(sys.argv[3]) / "pipeline" / "quality_events.py"
        spec = importlib.util.spec_from_file_location("quality_events", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        events = [json.loads(line) for line in Path(sys.argv[4]).read_text().splitlines() if line.strip()]
        module.KafkaSink(bootstrap, topic).publish(events)
        expected = len(events)
    else:
        producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
        producer.produce(topic, key=b"k", value=json.dumps({"v": 1}).encode())
        assert producer.flush(10) == 0
        expected = 1
    print(json.dumps(read_back(bootstrap, topic, expected)))


if __name__ == "__main__":
    main()
