"""Runs in the `kafka` judge env, with the project as the working directory: runs a generated Kafka
client module (`python -m MODULE ARGS...`) with confluent-kafka's Producer armed to SIGKILL its own
process at one point of its transaction, as a crash would: no abort, no close, the transaction left
open on the broker with its records written.

POINT: `produce:N` (after the N-th record of the transaction is produced and flushed to the broker),
`offsets` (after the consumer's offsets are sent inside the transaction, before it commits).
Usage: python kafka_crash.py POINT MODULE [ARGS...]; exits by SIGKILL (-9) when the point is reached."""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path
from typing import Any

import confluent_kafka

POINT, MODULE, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]
FLUSH_S = 30.0


def crash(producer: confluent_kafka.Producer) -> None:
    assert producer.flush(FLUSH_S) == 0, "records not delivered before the crash"
    os.kill(os.getpid(), signal.SIGKILL)


class CrashingProducer(confluent_kafka.Producer):  # type: ignore[misc]
    produced = 0

    def produce(self, *args: Any, **kwargs: Any) -> None:
        super().produce(*args, **kwargs)
        CrashingProducer.produced += 1
        if f"produce:{CrashingProducer.produced}" == POINT:
            crash(self)

    def send_offsets_to_transaction(self, *args: Any, **kwargs: Any) -> None:
        super().send_offsets_to_transaction(*args, **kwargs)
        if POINT == "offsets":
            crash(self)


def main() -> None:
    confluent_kafka.Producer = CrashingProducer  # the module imports it from confluent_kafka when it runs
    sys.path.insert(0, str(Path.cwd()))
    sys.argv = [MODULE, *ARGS]
    runpy.run_module(MODULE, run_name="__main__", alter_sys=True)
    sys.exit(f"{MODULE} finished without reaching the crash point {POINT}")


if __name__ == "__main__":
    main()
