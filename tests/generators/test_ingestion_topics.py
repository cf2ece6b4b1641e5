"""The generated ingestion's production batch reader of a Kafka source (pipeline/topics.py) against a
broker: the session's tansu (tests/servers.py, the `kafka` judge env). The project's own synthetic
events (its `pipeline.synthesize` JSON lines) are produced to the topic, spread over two partitions by
key; `python -m pipeline.ingest` without --local reads the topic into the spec's DuckDB target. Judged
against the produced lines themselves: every event lands once, the consumer group the naming layer
names has committed each partition's end, a second run after more events loads exactly those (the
merge on the key keeps one row per key, the newest values), a run with nothing new loads nothing, and
a run that meets a value that is not JSON after good ones stops naming its partition and offset and
commits nothing it read (at least once: offsets move only after a load that succeeded).

The batch judge env pins confluent-kafka as the generated project's requirements.txt does
(requirements/judges/batch.txt)."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.generators.test_ingestion_runs import project_from, query
from tests.judges import judge_python
from tests.servers import KafkaBroker

PROBE = Path(__file__).parents[1] / "judges" / "probes" / "kafka_topic_feed.py"
TOPIC, GROUP, PARTITIONS = "topic_judge_orders", "shop_topics.shop.topic_judge_orders.ingest", 2


def spec() -> dict[str, Any]:
    columns = [{"name": "order_id", "type": "bigint", "not_null": True}, {"name": "status", "type": "string"},
               {"name": "amount", "type": "decimal(12,2)"}, {"name": "updated_at", "type": "timestamp"}]  # fmt: skip
    topic = {"name": TOPIC, "format": "json", "primary_key": "order_id", "columns": columns}
    return {
        "version": 1, "pipeline": {"name": "shop_topics"}, "latency": "1h", "architecture": "elt",
        "sources": [{"name": "shop", "type": "kafka", "ingestion": "stream",
                     "connection": {"bootstrap_servers": "${env:SHOP_KAFKA}"}, "topics": [topic]}],
        "targets": [{"name": "warehouse", "type": "duckdb", "connection": {"path": "warehouse.duckdb"}}],
    }  # fmt: skip


def batch(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEGEN_", "DLT", "RUNTIME__", "KAFKA_"))}
    return subprocess.run(
        [str(judge_python("batch")), *args], cwd=project, capture_output=True, text=True, timeout=600, check=False,
        env={**clean, "RUNTIME__DLTHUB_TELEMETRY": "false", **env},
    )  # fmt: skip


def feed(kafka_python: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run([str(kafka_python), str(PROBE), *args], capture_output=True, text=True, timeout=180,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def events(project: Path, seed: int, rows: int) -> list[dict[str, Any]]:
    """The project's synthetic events for the topic (its JSON lines stand-in), sorted by key into partitions."""
    made = batch(project, "-m", "pipeline.synthesize", "--force", "--rows", str(rows), "--seed", str(seed))
    assert made.returncode == 0, made.stderr[-3000:]
    lines = (project / "data" / "shop" / f"{TOPIC}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def produce(kafka_python: Path, bootstrap: str, tmp: Path, rows: list[dict[str, Any]]) -> None:
    """Each event to partition key % PARTITIONS (one key's events in order), as its JSON line."""
    for p in range(PARTITIONS):
        path = tmp / f"part{p}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["order_id"] % PARTITIONS == p))
        assert feed(kafka_python, "produce", bootstrap, TOPIC, str(PARTITIONS), str(path), str(p))["produced"] >= 0


def loaded(stdout: str) -> int:
    line = next(x for x in stdout.splitlines() if x.startswith("shop -> "))
    counts = dict(part.rsplit(" ", 1) for part in line.split(": ", 1)[1].split(" (")[0].split(", ") if " " in part)
    return int(counts.get(TOPIC, 0))


@pytest.mark.judge
def test_a_kafka_topic_is_ingested_in_batches_once_with_offsets_committed_after_the_load(
    tmp_path: Path, kafka_python: Path, kafka_broker: KafkaBroker
) -> None:
    project = project_from(spec(), tmp_path / "project")
    assert "confluent-kafka==2.16.1" in (project / "requirements.txt").read_text().splitlines()
    assert f'"{GROUP}"' in (project / "pipeline" / "sources.py").read_text()  # the naming layer's group
    env = {"SHOP_KAFKA": kafka_broker.bootstrap}
    first = events(project, 1, 300)
    produce(kafka_python, kafka_broker.bootstrap, tmp_path, first)
    run = batch(project, "-m", "pipeline.ingest", **env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert loaded(run.stdout) == len(first) > 0, run.stdout
    keys = {r["order_id"] for r in first}
    sql = f"select count(*), count(distinct order_id), cast(sum(amount) as varchar) from raw_shop.{TOPIC}"
    assert query(project, sql) == [[len(keys), len(keys), str(total(first))]]
    ends = feed(kafka_python, "committed", kafka_broker.bootstrap, TOPIC, GROUP)
    assert len(ends) == PARTITIONS and all(c == end > 0 for c, end in ends.values()), ends

    # more events (new keys and new values of old ones): the next run reads exactly those
    second = events(project, 2, 120)
    produce(kafka_python, kafka_broker.bootstrap, tmp_path, second)
    run = batch(project, "-m", "pipeline.ingest", **env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert loaded(run.stdout) == len(second), run.stdout
    newest = {r["order_id"]: r for r in [*first, *second]}  # one key per partition, in order: the last wins
    assert query(project, sql) == [[len(newest), len(newest), str(total(list(newest.values())))]]
    ends = feed(kafka_python, "committed", kafka_broker.bootstrap, TOPIC, GROUP)
    assert sum(c for c, _ in ends.values()) == len(first) + len(second) and all(c == e for c, e in ends.values())

    again = batch(project, "-m", "pipeline.ingest", **env)
    assert again.returncode == 0 and loaded(again.stdout) == 0, again.stdout + again.stderr[-2000:]

    # good events, then a value that is no JSON: the run stops naming it and commits nothing it read
    bad = tmp_path / "bad.jsonl"
    good = [r for r in second if r["order_id"] % PARTITIONS == 0][:3]  # partition 0's
    bad.write_text("".join(json.dumps(r) + "\n" for r in good) + "{oops\n")
    feed(kafka_python, "produce", kafka_broker.bootstrap, TOPIC, str(PARTITIONS), str(bad), "0")
    stopped = batch(project, "-m", "pipeline.ingest", **env)
    assert stopped.returncode == 1 and "not a JSON value" in stopped.stderr, stopped.stderr[-2000:]
    assert f"{TOPIC}[0]@" in stopped.stderr
    assert feed(kafka_python, "committed", kafka_broker.bootstrap, TOPIC, GROUP) == {
        p: [c, c]
        for p, (c, _) in ends.items()  # the ends committed before: the partition's end moved on
    } | {"0": [ends["0"][0], ends["0"][0] + bad.read_text().count("\n")]}


def total(rows: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(str(r["amount"])) for r in rows if r.get("amount") is not None), Decimal("0.00"))
