"""What runs a Delta loader (pipeline/delta_relay.py, the flink family's) wherever it runs: its requirements and its
liveness, the age of a file it touches (PIPEGEN_HEARTBEAT: once assigned and after each turn of its loop while the
broker answers), read by the kubernetes family's exec probes of its `<app>-delta-<job>` Deployments and by compose's
health checks of its `<job>-delta-loader` services."""

from __future__ import annotations

# the loader's: the lake step's Delta writer's pins (the lakehouse family's) and the project's Kafka client's
REQUIREMENTS = ("deltalake==1.6.6", "pyarrow==26.0.1", "confluent-kafka==2.16.1")
HEARTBEAT = "/tmp/pipegen-heartbeat"  # on the writable scratch volume (Kubernetes: the emptyDir at /tmp)
# A loader's heartbeat is stale after five minutes: its loop turns every second or so (a poll waits at most 1 s), an
# idle loop reads the topic's metadata every 30 s, and one Delta commit of a poll's records (5,000 at most, a merge
# by key included) takes seconds; a loader stuck in a poll, a commit or a lost broker for longer is restarted.
LOADER_STALE_S = 300


def fresh_check(path: str, stale_after: int) -> str:
    """Python code exiting 0 while `path` was touched less than `stale_after` seconds ago (missing: 1)."""
    return f"import os, sys, time; sys.exit(time.time() - os.path.getmtime({path!r}) > {stale_after})"
