"""Runs in the `batch` judge env (confluent-kafka, deltalake: what the generated project pins), against the
session's broker (tests/servers.py, kafka_broker): the generated Delta loader (PROJECT_DIR/pipeline/delta_relay.py)
on a real broker.

Per relay of PROJECT_DIR/flink/delta_relays.json named in RECORDS_JSON: creates its topic (2 partitions), writes
the first records as Flink's `json` (append) / `upsert-kafka` (key and value JSON, a delete a tombstone) formats
write them, then "crashes" a loader between the Delta commit and the offset commit (one `step` in this process,
no `commit`), then runs `python -m pipeline.delta_relay JOB --once` twice (the second finds nothing), writes the
later records and runs it once more. The tables are read back by the test (DuckDB's delta_scan, another env).

RECORDS_JSON: {job: {"first": [{"partition", "key", "value"}], "later": [...]}} (key/value: JSON values, value
null: a tombstone, a string value: the record's JSON text as it is, e.g. a line Flink's `json` format wrote).
Usage: python delta_relay.py BOOTSTRAP PROJECT_DIR RECORDS_JSON
Prints {"runs": [{"job", "code", "stderr"}], "crash": {job: {partition: last offset written}},
"committed": {job: {partition: offset}}} as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).values():
        future.result(30)
    for _ in range(50):  # until the broker serves its metadata
        if topic in admin.list_topics(timeout=10).topics:
            return
        time.sleep(0.1)


def produce(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for r in records:
        key = None if r["key"] is None else json.dumps(r["key"]).encode()
        text = r["value"] if isinstance(r["value"], str) else json.dumps(r["value"])  # a string: the JSON text
        value = None if r["value"] is None else text.encode()
        producer.produce(topic, key=key, value=value, partition=r["partition"])
    assert producer.flush(30) == 0


def loader(project: Path, bootstrap: str, job: str) -> dict[str, Any]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    argv = [sys.executable, "-m", "pipeline.delta_relay", job, "--once"]
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=180, check=False)
    return {"job": job, "code": done.returncode, "stderr": done.stderr[-3000:]}


def crash(project: Path, bootstrap: str, relay: dict[str, Any]) -> dict[int, int]:
    """A loader that wrote its first batch to Delta and died before committing the group's offsets."""
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    sys.path.insert(0, str(project))
    from pipeline import delta_relay  # the generated loader

    table, kafka = delta_relay.RelayTable(relay), delta_relay.consumer(relay)
    delta_relay.assign(kafka, table)
    last: dict[int, int] = {}
    for _ in range(20):  # the first poll may find nothing while the fetch starts
        last = delta_relay.step(kafka, table)
        if last:
            break
    kafka.close()
    return last


def committed(bootstrap: str, relay: dict[str, Any]) -> dict[int, int]:
    kafka = Consumer({"bootstrap.servers": bootstrap, "group.id": relay["group"], "enable.auto.commit": False})
    found = kafka.committed([TopicPartition(relay["topic"], p) for p in (0, 1)], timeout=10)
    kafka.close()
    return {tp.partition: tp.offset for tp in found}


def main() -> None:
    bootstrap, project, records = sys.argv[1], Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text())
    relays = {r["job"]: r for r in json.loads((project / "flink" / "delta_relays.json").read_text())["relays"]}
    report: dict[str, Any] = {"runs": [], "crash": {}, "committed": {}}
    for job, feed in records.items():
        relay = relays[job]
        create(bootstrap, relay["topic"])
        produce(bootstrap, relay["topic"], feed["first"])
        report["crash"][job] = crash(project, bootstrap, relay)
        report["runs"].append(loader(project, bootstrap, job))
        report["runs"].append(loader(project, bootstrap, job))
        produce(bootstrap, relay["topic"], feed["later"])
        report["runs"].append(loader(project, bootstrap, job))
        report["committed"][job] = committed(bootstrap, relay)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
