"""Runs in the `batch` judge env, with a generated project as the working directory: the project's
pipeline/metrics.py publishes a local run's metrics twice (a first run whose steps succeed, a second
whose transform step fails), to its textfile and, as `monitoring.publish: pushgateway` says, to the
Pushgateway at URL; after each, the gateway's /metrics and the file are read back with
prometheus_client's parser. Then one more publish to DEAD_URL (nothing listens there). Last, the
gateway's groups emptied, two orchestrated steps run through `run_step` as in separate pods (each
its own metrics file): an ingestion step that loads and rejects rows, then a transform step; the
gateway is read back after both.
Usage: python metrics_push.py URL DEAD_URL
Prints {"runs": [{"file": [[name, labels, value]], "gateway": [...]}], "dead": {"pushed", "file"},
"pods": {"gateway": [...], "files": [[...], [...]]}} as JSON."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path.cwd()))
from pipeline import metrics  # the project's module

Sample = list[object]


def samples(text: str) -> list[Sample]:
    return [[s.name, s.labels, s.value] for f in text_string_to_metric_families(text) for s in f.samples]


def main() -> None:
    url, dead = sys.argv[1], sys.argv[2]
    env_var = metrics.config()["push"]["url_env"]
    runs = []
    for steps in (
        [("ingest", 0, 1.5, {}), ("transform", 0, 2.0, {})],
        [("ingest", 0, 1.0, {}), ("transform", 1, 0.5, {})],
    ):
        path = metrics.publish(steps, {env_var: url, "PIPEGEN_QUALITY_NOW": "2026-01-02T00:00:00Z"})
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
            gateway = samples(response.read().decode())
        runs.append({"file": samples(path.read_text(encoding="utf-8")), "gateway": gateway})
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        path = metrics.publish([("ingest", 0, 1.0, {})], {env_var: dead})
    print(json.dumps({"runs": runs, "dead": {"stderr": err.getvalue(), "file": path.is_file()},
                      "pods": pods(url, env_var)}))  # fmt: skip


def pods(url: str, env_var: str) -> dict[str, object]:
    from prometheus_client import delete_from_gateway

    job = metrics.config()["push"]["job"]
    for key in ({}, {"step": "ingest"}, {"step": "transform"}):
        delete_from_gateway(url, job=job, grouping_key=key or None)
    [table] = metrics.config()["tables"]
    summaries = {
        "ingest_shop": {"rows": {table["table"]: 5, table["dead_letter"]: 2}, "dead_letters": 2},
        "transform": {"models": 3},
    }
    files = []
    for step, summary in summaries.items():
        os.environ[metrics.FILE_ENV] = str(Path.cwd() / "pods" / step / "metrics.prom")  # each pod's own file
        metrics.run_step(step, lambda summary=summary: summary, {env_var: url})
        files.append(samples(Path(os.environ[metrics.FILE_ENV]).read_text(encoding="utf-8")))
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        return {"gateway": samples(response.read().decode()), "files": files}


if __name__ == "__main__":
    main()
