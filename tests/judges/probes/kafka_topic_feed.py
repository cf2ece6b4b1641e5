"""Runs in the `kafka` judge env, against the session's broker (tests/servers.py, kafka_broker).

    python kafka_topic_feed.py produce BOOTSTRAP TOPIC PARTITIONS JSONL P create TOPIC (if new), publish each line to P
    python kafka_topic_feed.py committed BOOTSTRAP TOPIC GROUP            print {partition: [committed, end]}

Prints JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def produce(bootstrap: str, topic: str, partitions: int, path: Path, partition: int) -> dict[str, int]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        try:
            future.result(30)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines:  # one record per batch: tansu 0.6 answers ListOffsets(latest) with the last batch's
        producer.produce(topic, value=line.encode(), partition=partition)  # base offset + 1, not the log's end
        assert producer.flush(30) == 0, "undelivered messages"
    return {"produced": len(lines)}


def committed(bootstrap: str, topic: str, group: str) -> dict[str, list[int]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    parts = sorted(consumer.list_topics(topic, timeout=30).topics[topic].partitions)
    out = {}
    for tp in consumer.committed([TopicPartition(topic, p) for p in parts], timeout=30):
        out[str(tp.partition)] = [tp.offset, consumer.get_watermark_offsets(tp, timeout=30, cached=False)[1]]
    consumer.close()
    return out


if __name__ == "__main__":
    command, bootstrap, topic, *rest = sys.argv[1:]
    if command == "produce":
        print(json.dumps(produce(bootstrap, topic, int(rest[0]), Path(rest[1]), int(rest[2]))))
    else:
        print(json.dumps(committed(bootstrap, topic, rest[0])))
