"""The deployed data generator of a Faker stream (issue 21, tf23; common/faker_streams.py): the azure_playground's
`pipeline/stream_generator.py` produces `clickstream.page_views` to the topic its stream jobs read, on a real
Kafka-protocol broker (tansu, `kafka_broker`), run by the `batch` judge env (Faker, pyarrow, confluent-kafka, the
image's pins). The records read back are judged against the spec, not against the generator: the table's
columns, its not-null and uuid columns, the event time in the jobs' JSON format starting at `--start` and spaced
by the spec's `rows_per_day` over a day."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO
from tests.servers import KafkaBroker

SPEC = REPO / "specs/azure_playground.yaml"
TABLE, EVENTS = "clickstream__page_views", 40
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STAMP = "%Y-%m-%d %H:%M:%S.%f"
PROBE = """
import json, sys, time
from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, action = sys.argv[1:4]
if action == "create":
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        f.result()
    sys.exit(0)
# `read N`: every record to the partition's end (librdkafka's end-of-partition event), once at least N are read
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "enable.auto.commit": False,
                     "enable.partition.eof": True})
consumer.assign([TopicPartition(topic, 0, 0)])
out, deadline, at_end = [], time.monotonic() + 30, False
while not (at_end and len(out) >= int(sys.argv[4])) and time.monotonic() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    at_end = msg.error() is not None and msg.error().code() == KafkaError._PARTITION_EOF
    if not msg.error():
        out.append({"key": msg.key(), "value": json.loads(msg.value())})
consumer.close()
print(json.dumps([{"key": m["key"] and m["key"].decode(), "value": m["value"]} for m in out]))
"""


def _project(tmp_path: Path) -> Path:
    ready = prepare(SPEC)
    for rel, text in render_tree(ready.spec, ready.plan).items():
        path = tmp_path / "project" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(text))
    return tmp_path / "project"


def _stamp(text: str) -> datetime:
    return datetime.strptime(text if "." in text else text + ".0", STAMP)


def test_the_stream_generator_produces_the_faker_streams_events_to_the_topic_its_jobs_read(
    tmp_path: Path, batch_python: Path, kafka_broker: KafkaBroker
) -> None:
    project = _project(tmp_path)
    config_path = project / "pipeline/stream_generator.json"
    config = json.loads(config_path.read_text())
    assert config["sign_in"] == "azure"  # Event Hubs as the workload's identity (kafka_sign_in.py's own tests)
    config["sign_in"] = None  # the local broker takes no sign-in
    stream = next(s for s in config["streams"] if s["table"] == TABLE)
    medallion = json.loads((project / "spark/medallion.json").read_text())
    read = next(t["stream"]["topic"] for t in medallion["tables"] if t["name"] == TABLE)
    assert stream["topic"] == read == "azure_playground.clickstream.page_views"  # the topic the Spark stream reads
    # the broker is the session's, shared with test_kafka_broker.py (which creates every declared topic, this one with
    # its declared partitions and a record in each): the generator writes a topic of this test's own
    own = stream["topic"] = f"{read}.generator-judge"
    config_path.write_text(json.dumps(config))
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    run = [str(batch_python), str(probe), kafka_broker.bootstrap, own]
    subprocess.run([*run, "create"], check=True, timeout=120)
    beat = tmp_path / "heartbeat"  # the kubernetes family's liveness probe reads its age
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_broker.bootstrap, "PATH": "/usr/bin:/bin", "PIPEGEN_HEARTBEAT": str(beat)}
    argv = [str(batch_python), "-m", "pipeline.stream_generator", "--table", TABLE, "--max-events", str(EVENTS),
            "--no-pace", "--start", "2026-03-01T08:00:00"]  # fmt: skip
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{EVENTS} events of {TABLE}" in done.stdout
    assert beat.is_file() and time.time() - beat.stat().st_mtime < 300
    got = json.loads(subprocess.run([*run, "read", str(EVENTS)], capture_output=True, text=True, timeout=120,
                                    check=True).stdout)  # fmt: skip
    assert len(got) == EVENTS and all(m["key"] is None for m in got)  # read to the partition's end: no more
    spec = yaml.safe_load(SPEC.read_text())
    table = next(t for s in spec["sources"] if s["name"] == "clickstream" for t in s["tables"])
    columns = [c["name"] for c in table["columns"]]
    spacing = timedelta(seconds=86400 / table["rows_per_day"])  # the spec's rate
    for i, message in enumerate(got):
        record = message["value"]
        assert list(record) == columns
        assert record["page"] is not None and record["view_id"] is not None and UUID.match(record["view_id"])
        when = _stamp(record["viewed_at"])
        expected = datetime(2026, 3, 1, 8) + spacing * (i + 1)
        assert abs(when - expected) < timedelta(milliseconds=1), (i, record["viewed_at"])
