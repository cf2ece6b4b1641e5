"""Prometheus on the local machine, in compose.yaml (`make up`): the generated rules evaluated over the
metrics the local run writes.

- `monitoring/prometheus/prometheus.yml`: scrape node_exporter (and Prometheus itself), evaluate
  `rules.yml` beside it (a relative `rule_files` entry: the same file promtool checks here and
  Prometheus reads in the container);
- a `node-exporter` service with only its textfile collector, reading the project's `metrics/` folder
  (the local run's textfile, `monitoring/metrics.json`'s `textfile`), with a batch layer;
- a `prometheus` service with both files mounted read-only, when there is something to scrape or a
  Grafana to serve (Grafana's datasource is `http://prometheus:9090`).
Images are pinned; both run as their images' non-root user."""

from __future__ import annotations

from typing import Any

from pipegen.generators.base import ComposeService
from pipegen.generators.monitoring.metrics import Scope

PROMETHEUS_IMAGE = "prom/prometheus:v3.13.1"
NODE_EXPORTER_IMAGE = "prom/node-exporter:v1.12.0"
PUSHGATEWAY_IMAGE = "prom/pushgateway:v1.11.1"
PROMETHEUS_PORT, NODE_EXPORTER_PORT, PUSHGATEWAY_PORT = 9090, 9100, 9091
PUSHGATEWAY_URL = f"http://127.0.0.1:{PUSHGATEWAY_PORT}"  # where the local run pushes (compose.yaml's pushgateway)
CONFIG = "monitoring/prometheus/prometheus.yml"
RULES_FILE = "rules.yml"  # beside CONFIG: the monitoring family's monitoring/prometheus/rules.yml
TEXTFILE_DIR = "/textfile"  # node_exporter's --collector.textfile.directory in its container
SCRAPE_INTERVAL = "15s"
TEXTFILE_FOLDER = "metrics"  # the project folder of the local run's metrics textfile (metrics/<pipeline>.prom)
# written into TEXTFILE_FOLDER so the folder node-exporter mounts exists (and its run outputs stay out of git)
TEXTFILE_GITIGNORE = (
    "# the local run's metrics textfile; compose.yaml's node-exporter reads this folder\n*\n!.gitignore\n"
)


def prometheus_config(s: Scope) -> dict[str, Any]:
    scrape: list[dict[str, Any]] = [
        {"job_name": "prometheus", "static_configs": [{"targets": [f"localhost:{PROMETHEUS_PORT}"]}]}
    ]
    if s.batch:
        # the textfile's samples carry their own `pipeline` label: no target label may shadow it
        scrape.append(
            {"job_name": "pipegen-textfile", "static_configs": [{"targets": [f"node-exporter:{NODE_EXPORTER_PORT}"]}]}
        )
    if s.push:  # honor_labels: the pushed samples keep their `job` (the pipeline) and `pipeline` labels
        scrape.append({"job_name": "pipegen-pushgateway", "honor_labels": True,
                       "static_configs": [{"targets": [f"pushgateway:{PUSHGATEWAY_PORT}"]}]})  # fmt: skip
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [RULES_FILE],
        "scrape_configs": scrape,
    }


def enabled(s: Scope, grafana: bool) -> bool:
    """Prometheus in compose.yaml: the local run's metrics to scrape, or a Grafana to serve."""
    return s.batch or grafana


def services(s: Scope, grafana: bool) -> tuple[ComposeService, ...]:
    if not enabled(s, grafana):
        return ()
    out = []
    if s.batch:
        metrics = f"http://localhost:{NODE_EXPORTER_PORT}/metrics"
        out.append(
            ComposeService(
                name="node-exporter",
                image=NODE_EXPORTER_IMAGE,
                command=(
                    "--collector.disable-defaults",
                    "--collector.textfile",
                    f"--collector.textfile.directory={TEXTFILE_DIR}",
                ),
                healthcheck=(f"wget -qO- {metrics}",),
                volumes=(f"./{TEXTFILE_FOLDER}:{TEXTFILE_DIR}:ro",),
            )
        )
    if s.push:
        pushed = f"http://localhost:{PUSHGATEWAY_PORT}/-/healthy"
        out.append(ComposeService(name="pushgateway", image=PUSHGATEWAY_IMAGE,
                                  ports=(f"127.0.0.1:{PUSHGATEWAY_PORT}:{PUSHGATEWAY_PORT}",),
                                  healthcheck=(f"wget -qO- {pushed}",)))  # fmt: skip
    healthy = f"http://localhost:{PROMETHEUS_PORT}/-/healthy"
    out.append(
        ComposeService(
            name="prometheus",
            image=PROMETHEUS_IMAGE,
            ports=(f"127.0.0.1:{PROMETHEUS_PORT}:{PROMETHEUS_PORT}",),
            healthcheck=(f"wget -qO- {healthy}",),
            volumes=(
                f"./{CONFIG}:/etc/prometheus/prometheus.yml:ro",
                f"./monitoring/prometheus/{RULES_FILE}:/etc/prometheus/{RULES_FILE}:ro",
            ),
            depends_on=(*(("node-exporter",) if s.batch else ()), *(("pushgateway",) if s.push else ())),
        )
    )
    return tuple(out)
