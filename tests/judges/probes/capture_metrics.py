"""Runs in the `batch` judge env, with a generated project as the working directory: the project's
pipeline/capture.py serves `capture --follow`'s metrics (its CaptureCollector over a source's
change files, through prometheus_client's start_http_server on PORT) while change batches are
written; /metrics is scraped with urllib before and after, and parsed with prometheus_client's
parser. No Debezium engine: the change files are fed the way its handler feeds them.
Usage: python capture_metrics.py PORT
Prints {"before": [[name, labels, value]], "after": [...], "files": {topic: lines}} as JSON."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path.cwd()))
from pipeline import capture  # the project's module

Sample = list[object]


def scrape(port: int) -> list[Sample]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return [[s.name, s.labels, s.value] for f in text_string_to_metric_families(text) for s in f.samples]


def main(port: int) -> None:
    config = json.loads(capture.CONFIG.read_text(encoding="utf-8"))
    entry = config["sources"][0]
    topics = sorted(entry["topics"].values())
    root = Path(tempfile.mkdtemp(prefix="capture-metrics-"))
    files = capture.ChangeFiles(root, frozenset(topics))
    collector = capture.CaptureCollector(config["pipeline"])
    collector.watch(entry["connector"], files)
    server = capture.serve_metrics(collector, port, addr="127.0.0.1")
    try:
        before = scrape(port)
        event = json.dumps({"before": None, "after": {"id": 1}, "op": "c", "ts_ms": 1})
        files.write_batch([(topics[0], event), (topics[0], event), (topics[-1], event), (topics[0], None)])
        files.write_batch([(topics[0], event), ("heartbeat.topic", event)])
        after = scrape(port)
    finally:
        server.shutdown()
    written = {t: sum(len(p.read_text().splitlines()) for p in (root / t).glob("*.json")) for t in topics}
    print(json.dumps({"before": before, "after": after, "files": written, "topics": topics}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
