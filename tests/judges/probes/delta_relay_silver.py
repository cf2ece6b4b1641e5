"""Runs in the `batch` judge env (confluent-kafka, deltalake, DuckDB: what the generated project pins), against the
session's broker (tests/servers.py, kafka_broker): a Lakehouse's Delta bronze written by the generated Delta loader
(PROJECT_DIR/pipeline/delta_relay.py) from its bronze jobs' relay topics, then the generated lake step
(`python -m pipeline.lake bronze silver`, as the orchestrator runs it) over that bronze.

First the lake step runs once before any record (the orchestrator's first run: it makes each streamed table's bronze,
empty, with its own columns), then per round of RECORDS_JSON: each job's records are produced to its relay topic
(2 partitions, made on the first round) as Flink's `kafka` sink with the `json` format writes them (the value's JSON
text as given), `python -m pipeline.delta_relay JOB --once` loads them, and the lake step runs again. The lake step
runs with TZ (the process's time zone) set to LAKE_TZ, so a time read in the machine's zone shows. The tables are
read back by the test (DuckDB's delta_scan, another env).

RECORDS_JSON: {"rounds": [{job: [{"partition": P, "value": "<JSON text>"}]}]}.
Usage: python delta_relay_silver.py BOOTSTRAP PROJECT_DIR RECORDS_JSON LAKE_TZ
Prints {"runs": [{"job", "code", "stderr"}]} as JSON (job `lake` for the lake step)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from delta_relay import create, loader  # the Delta loader probe's topic and loader runs


def produce(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    for r in records:  # no key: the bronze job's `kafka` sink appends
        producer.produce(topic, value=r["value"].encode(), partition=r["partition"])
    assert producer.flush(30) == 0


def lake(project: Path, zone: str) -> dict[str, Any]:
    env = {**os.environ, "TZ": zone}
    argv = [sys.executable, "-m", "pipeline.lake", "bronze", "silver"]
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)
    return {"job": "lake", "code": done.returncode, "stderr": done.stderr[-3000:]}


def main() -> None:
    bootstrap, project, zone = sys.argv[1], Path(sys.argv[2]), sys.argv[4]
    rounds = json.loads(Path(sys.argv[3]).read_text())["rounds"]
    relays = {r["job"]: r for r in json.loads((project / "flink" / "delta_relays.json").read_text())["relays"]}
    runs = [lake(project, zone)]
    for number, jobs in enumerate(rounds):
        for job, records in jobs.items():
            if number == 0:
                create(bootstrap, relays[job]["topic"])
            produce(bootstrap, relays[job]["topic"], records)
            runs.append(loader(project, bootstrap, job))
        runs.append(lake(project, zone))
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
