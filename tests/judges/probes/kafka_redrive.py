"""Runs in the `kafka` judge env, against the session's broker (tests/servers.py, kafka_broker): the
generated stream dead-letter redrive (PROJECT_DIR/pipeline/redrive.py) on a real broker.

Creates the topics of DECLARED_JSON (as kafka_topics.py does), writes the dead letters of
DEAD_LETTERS_JSON to their `.dlq` topic in one transaction (as the Flink dead-letter job's
exactly-once sink does), then runs `python -m pipeline.redrive` in the project three times: a dry
run, `--apply`, `--apply` again; then reads the table's topic back (assign(), read_committed) with
the records' headers, and the redrive group's committed offsets and the `.dlq` topic's end offsets.

DECLARED_JSON: [{"name", "partitions", "replicas", "config"}]
DEAD_LETTERS_JSON: {"table", "records": [{"partition", "value"}]}
Usage: python kafka_redrive.py BOOTSTRAP PROJECT_DIR DECLARED_JSON DEAD_LETTERS_JSON
Prints {"runs": [{"code", "summary"}], "topic": [{"partition", "offset", "key", "value", "headers"}],
"committed": {partition: offset}, "ends": {partition: offset}} as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from kafka_topics import create  # the sibling probe: topics as Strimzi's topic operator creates them


def write_dead_letters(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "probe-dead-letters"})
    producer.init_transactions(20)
    producer.begin_transaction()
    for r in records:
        producer.produce(topic, value=json.dumps(r["value"]).encode(), partition=r["partition"])
    producer.commit_transaction(20)


def redrive(project: Path, bootstrap: str, table: str, *flags: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "pipeline.redrive", "--bootstrap", bootstrap, "--table", table, *flags]
    done = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=120, check=False)
    lines = done.stdout.strip().splitlines()
    return {"code": done.returncode, "summary": json.loads(lines[-1]) if lines else None, "stderr": done.stderr[-2000:]}


def read_back(bootstrap: str, topic: str, partitions: int, isolation: str = "read_committed") -> list[dict[str, Any]]:
    """Every committed record of `topic` (every record with read_uncommitted), read to the end of each partition."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe-reader", "enable.auto.commit": False,
                         "isolation.level": isolation, "enable.partition.eof": True})  # fmt: skip
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out: list[dict[str, Any]] = []
    waiting = set(range(partitions))
    deadline = time.monotonic() + 30
    while waiting and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            waiting.discard(msg.partition())  # the end of the partition
            continue
        headers = {k: v.decode() for k, v in (msg.headers() or [])}
        key = msg.key().decode() if msg.key() is not None else None
        out.append({"partition": msg.partition(), "offset": msg.offset(), "key": key, "value": json.loads(msg.value()),
                    "headers": headers})  # fmt: skip
    consumer.close()
    assert not waiting, f"{topic}: partitions {sorted(waiting)} not read to their end"
    return out


def offsets(bootstrap: str, group: str, topic: str, partitions: int) -> tuple[dict[int, int], dict[int, int]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    committed = {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    consumer.close()
    return committed, ends


def main() -> None:
    bootstrap, project = sys.argv[1], Path(sys.argv[2])
    declared = json.loads(Path(sys.argv[3]).read_text())
    letters = json.loads(Path(sys.argv[4]).read_text())
    [table] = [t for t in json.loads((project / "flink" / "dead_letters.json").read_text())["tables"]
               if t["table"] == letters["table"]]  # fmt: skip
    wanted = {table["topic"], table["dead_letter_topic"]}
    create(AdminClient({"bootstrap.servers": bootstrap}), [t for t in declared if t["name"] in wanted])
    parts = {t["name"]: t["partitions"] for t in declared}
    write_dead_letters(bootstrap, table["dead_letter_topic"], letters["records"])
    runs = [redrive(project, bootstrap, table["table"]), redrive(project, bootstrap, table["table"], "--apply"),
            redrive(project, bootstrap, table["table"], "--apply")]  # fmt: skip
    records = read_back(bootstrap, table["topic"], parts[table["topic"]])
    committed, ends = offsets(bootstrap, table["group"], table["dead_letter_topic"], parts[table["dead_letter_topic"]])
    print(json.dumps({"runs": runs, "topic": records, "committed": committed, "ends": ends}))


if __name__ == "__main__":
    main()
