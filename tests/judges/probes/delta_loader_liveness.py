"""Runs in the `batch` judge env against the session's broker (tests/servers.py, kafka_broker): the generated Delta
loader's liveness (PROJECT_DIR/pipeline/delta_relay.py, PIPEGEN_HEARTBEAT) as the Deployment's probe reads it.

Creates JOB's relay topic, writes RECORDS (JSON values), starts `python -m pipeline.delta_relay JOB` (no --once:
as the Deployment runs it) and runs PROBE_JSON (the probe's command, the heartbeat's path in it the file given here)
while the loader runs (fresh), after the loader is stopped (SIGSTOP: a wedged loop) and its heartbeat aged past
the probe's threshold (stale), and once it runs on (SIGCONT: touched again). Then the loop's `Liveness` beats
against a consumer of a port no broker listens on (a lost broker: the heartbeat ages) and against the broker.

Usage: python delta_loader_liveness.py BOOTSTRAP PROJECT_DIR JOB HEARTBEAT PROBE_JSON RECORDS_JSON STALE_S
Prints {"fresh", "wedged", "resumed", "lost_broker", "broker_back": probe exit codes, "touched": bool} as JSON."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import delta_relay as relay_probe  # the Delta loader probe's topic and producer (this folder)
from confluent_kafka import Consumer


def produce(bootstrap: str, topic: str, values: list[Any]) -> None:
    """Each value as an append record, over the topic's two partitions in turn (the relay probe's producer)."""
    relay_probe.produce(bootstrap, topic, [{"key": None, "value": v, "partition": i % 2} for i, v in enumerate(values)])


def probe(command: list[str]) -> int:
    """The probe's command as the kubelet runs it (its `python`: this one)."""
    argv = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    return subprocess.run(argv, capture_output=True, timeout=60, check=False).returncode


def wait_touched(heartbeat: Path, after: float, loader: subprocess.Popen[str]) -> None:
    """Until the loader touches the heartbeat after `after` (a readiness wait, not a measure)."""
    for _ in range(600):
        if heartbeat.exists() and heartbeat.stat().st_mtime > after:
            return
        if loader.poll() is not None:
            raise SystemExit(f"the loader exited {loader.returncode}: {loader.stderr.read() if loader.stderr else ''}")
        time.sleep(0.2)
    raise SystemExit("the loader never touched its heartbeat")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    bootstrap, project, job = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    heartbeat, command = Path(sys.argv[4]), json.loads(sys.argv[5])
    values, stale = json.loads(Path(sys.argv[6]).read_text()), int(sys.argv[7])
    relay = next(r for r in json.loads((project / "flink" / "delta_relays.json").read_text())["relays"]
                 if r["job"] == job)  # fmt: skip
    relay_probe.create(bootstrap, relay["topic"])
    produce(bootstrap, relay["topic"], values)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PIPEGEN_HEARTBEAT": str(heartbeat)}
    argv = [sys.executable, "-m", "pipeline.delta_relay", job]
    loader = subprocess.Popen(argv, cwd=project, env=env, stderr=subprocess.PIPE, text=True)
    report: dict[str, Any] = {}
    try:
        wait_touched(heartbeat, 0.0, loader)
        report["fresh"] = probe(command)
        loader.send_signal(signal.SIGSTOP)  # wedged: its loop turns no more
        aged = time.time() - stale - 60  # the heartbeat as old as a wedged loop's after the threshold
        os.utime(heartbeat, (aged, aged))
        report["wedged"] = probe(command)
        loader.send_signal(signal.SIGCONT)
        wait_touched(heartbeat, aged, loader)
        report["resumed"] = probe(command)
    finally:
        loader.kill()
        loader.wait(30)
    os.environ["PIPEGEN_HEARTBEAT"] = str(heartbeat)
    sys.path.insert(0, str(project))
    from pipeline import delta_relay  # the generated loader

    os.utime(heartbeat, (aged, aged))
    delta_relay.ANSWER_S = 1.0  # no broker on that port: its metadata request fails after this long, not 10 s
    lost = Consumer({"bootstrap.servers": f"127.0.0.1:{free_port()}", "group.id": "liveness-probe"})
    delta_relay.Liveness(relay["topic"]).beat(lost, False)  # an idle loop without a broker
    lost.close()
    report["touched"] = heartbeat.stat().st_mtime > aged
    report["lost_broker"] = probe(command)
    back = Consumer({"bootstrap.servers": bootstrap, "group.id": "liveness-probe"})
    delta_relay.Liveness(relay["topic"]).beat(back, False)
    back.close()
    report["broker_back"] = probe(command)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
