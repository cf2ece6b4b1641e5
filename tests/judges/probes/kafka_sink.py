"""Runs in the `kafka` judge env, against the session's broker (tests/servers.py, kafka_broker):
create TOPIC, publish events through a generated project's KafkaSink (pipeline/quality_events.py)
— or, with no project, one plain message through an idempotent producer — then read the topic
back with assign() and print what it holds as JSON.
Usage: python kafka_sink.py BOOTSTRAP TOPIC [PROJECT_DIR EVENTS_JSONL]
With PROBE_TLS_DIR (PEM files) and a project, a line before the last: the publisher's TLS settings loaded
by librdkafka (tls_report)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

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


def tls_report(module: Any, folder: Path, topic: str) -> dict[str, object]:
    """The publisher's TLS settings as the pod sets them (PEM files in `folder`: ca.crt, user.crt, user.key)
    loaded by librdkafka at the producer's creation (it reads and parses every file then); with the CA
    pointing at a key instead, the error; unset, no TLS setting (a local plaintext broker)."""
    names = {"KAFKA_SSL_CA_LOCATION": "ca.crt", "KAFKA_SSL_CERTIFICATE_LOCATION": "user.crt",
             "KAFKA_SSL_KEY_LOCATION": "user.key"}  # fmt: skip
    env = {name: str(folder / file) for name, file in names.items()}
    from pipeline.kafka_sign_in import tls_settings  # the publisher's and the topic reader's (the project's)

    settings = tls_settings(env)
    module.KafkaSink("127.0.0.1:9", topic, settings)  # raises if librdkafka refuses a setting or a file
    try:
        module.KafkaSink(
            "127.0.0.1:9", topic, tls_settings({**env, "KAFKA_SSL_CA_LOCATION": env["KAFKA_SSL_KEY_LOCATION"]})
        )
        refused = ""
    except Exception as exc:  # KafkaException: ssl.ca.location failed
        refused = str(exc)
    return {"settings": settings, "local": tls_settings({}), "bad_ca": refused}


def main() -> None:
    bootstrap, topic = sys.argv[1], sys.argv[2]
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client fails its futures
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result()
    if len(sys.argv) > 3:
        sys.path.insert(0, sys.argv[3])  # the project: pipeline/kafka_sign_in.py, which the publisher imports
        path = Path(sys.argv[3]) / "pipeline" / "quality_events.py"
        spec = importlib.util.spec_from_file_location("quality_events", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        events = [json.loads(line) for line in Path(sys.argv[4]).read_text().splitlines() if line.strip()]
        module.KafkaSink(bootstrap, topic).publish(events)
        expected = len(events)
        if os.environ.get("PROBE_TLS_DIR"):
            print(json.dumps(tls_report(module, Path(os.environ["PROBE_TLS_DIR"]), topic)))
    else:
        producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
        producer.produce(topic, key=b"k", value=json.dumps({"v": 1}).encode())
        assert producer.flush(10) == 0
        expected = 1
    print(json.dumps(read_back(bootstrap, topic, expected)))


if __name__ == "__main__":
    main()
