"""Runs in the `kafka` judge env, against a broker that isolates aborted transactions (tests/servers.py,
kafka_txn_broker): the generated dead-letter redrive (PROJECT_DIR/pipeline/redrive.py) killed in the
middle of its transaction, then run again. Exactly-once means no duplicate and no gap.

Creates the table's topic and its `.dlq` topic (DECLARED_JSON, one replica: a single broker), writes
the first dead letters of DEAD_LETTERS_JSON (all but the last `later`) in one transaction, then:
1. a redrive (`--apply`) SIGKILLed after its `kill_after`-th record reached the broker (kafka_crash.py);
2. a redrive run again to the end;
3. the `later` dead letters written, and a redrive SIGKILLed after it sent its offsets inside its
   transaction, before the commit;
4. a redrive run again to the end.
After each step: the table's topic read back read_committed (the records' `pipegen.redrive.from`
headers) and read_uncommitted (how many records the broker holds, aborted ones included), and the
redrive group's committed offsets; at the end, every `.dlq` record's origin and the topic's end offsets.

DEAD_LETTERS_JSON: {"table", "records": [{"partition", "value"}], "kill_after", "later"}
Usage: python kafka_redrive_crash.py BOOTSTRAP PROJECT_DIR DECLARED_JSON DEAD_LETTERS_JSON
Prints {"steps": [{"code", "summary", "committed_read", "uncommitted", "committed"}], "dead_letters",
"ends"} as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from kafka_redrive import offsets, read_back, write_dead_letters
from kafka_topics import create

CRASH = Path(__file__).with_name("kafka_crash.py")


def run(project: Path, bootstrap: str, table: str, crash_at: str | None) -> dict[str, Any]:
    redrive = ["pipeline.redrive", "--bootstrap", bootstrap, "--table", table, "--apply"]
    argv = [sys.executable, str(CRASH), crash_at, *redrive] if crash_at else [sys.executable, "-m", *redrive]
    done = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=120, check=False)
    lines = done.stdout.strip().splitlines()
    return {"code": done.returncode, "summary": json.loads(lines[-1]) if lines else None, "stderr": done.stderr[-2000:]}


def origins(records: list[dict[str, Any]]) -> list[str]:
    return sorted(r["headers"]["pipegen.redrive.from"] for r in records)


def main() -> None:
    bootstrap, project = sys.argv[1], Path(sys.argv[2])
    declared = json.loads(Path(sys.argv[3]).read_text())
    letters = json.loads(Path(sys.argv[4]).read_text())
    [table] = [t for t in json.loads((project / "flink" / "dead_letters.json").read_text())["tables"]
               if t["table"] == letters["table"]]  # fmt: skip
    topic, dlq = table["topic"], table["dead_letter_topic"]
    wanted = [{**t, "replicas": 1} for t in declared if t["name"] in {topic, dlq}]  # one broker here
    create(AdminClient({"bootstrap.servers": bootstrap}), wanted)
    parts = {t["name"]: t["partitions"] for t in wanted}
    first, later = letters["records"][: -letters["later"]], letters["records"][-letters["later"] :]
    write_dead_letters(bootstrap, dlq, first)
    steps = []
    for crash_at in (f"produce:{letters['kill_after']}", None, "offsets", None):
        if crash_at == "offsets":
            write_dead_letters(bootstrap, dlq, later)
        step = run(project, bootstrap, table["table"], crash_at)
        step["committed_read"] = origins(read_back(bootstrap, topic, parts[topic]))
        step["uncommitted"] = len(read_back(bootstrap, topic, parts[topic], "read_uncommitted"))
        step["committed"] = offsets(bootstrap, table["group"], dlq, parts[dlq])[0]
        steps.append(step)
    held = read_back(bootstrap, dlq, parts[dlq])
    dead_letters = sorted(f"{dlq}:{r['partition']}:{r['offset']}" for r in held)
    ends = offsets(bootstrap, table["group"], dlq, parts[dlq])[1]
    print(json.dumps({"steps": steps, "dead_letters": dead_letters, "ends": ends}))


if __name__ == "__main__":
    main()
