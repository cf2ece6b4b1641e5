"""Grafana dashboards as JSON, with a `datasource` variable every panel queries through, and
the provisioning files that load them (a file provider and a Prometheus data source):

- `<pipeline>-overview`: steps (outcome, duration, failure ratio), rows loaded and rejected,
  freshness lag (a batch layer);
- `<pipeline>-quality`: pass ratios, failed expectations, breaches by severity, quarantined
  rows, from the validation events (a batch layer);
- `<pipeline>-streaming`: consumer lag (Kafka Exporter), CDC lag (Debezium's streaming MBean
  through Kafka Connect's JMX exporter), Flink checkpoints and backpressure (Flink's Prometheus
  reporter), for a plan with Kafka or Flink.
Every query names a metric the generated code emits, a recording rule of rules.yml, or an
exporter metric (`metrics.EXPORTED`). `compose_service` runs Grafana locally (compose.yaml) with
these provisioning files and dashboards mounted."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pipegen.generators.base import ComposeService, Files
from pipegen.generators.monitoring.metrics import Scope
from pipegen.generators.monitoring.rules import prefix_re, promql_str
from pipegen.plan.cdc import CDC_LAG_METRIC
from pipegen.plan.names import ENV
from pipegen.render.jsondoc import json_doc
from pipegen.render.yamldoc import yaml_doc

FOLDER = "monitoring/grafana"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
UID_MAX = 40  # Grafana's limit on a dashboard uid
Panel = tuple[str, str, str, str]  # title, expr, legend, unit


def _panel(i: int, panel: Panel) -> dict[str, Any]:
    title, expr, legend, unit = panel
    return {
        "id": i + 1,
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": "A", "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}],
    }


def uid(pipeline: str, key: str) -> str:
    """`<pipeline>-<key>`; past Grafana's 40 characters, a shortened pipeline name and a hash of it."""
    full = f"{pipeline}-{key}"
    if len(full) <= UID_MAX:
        return full
    digest = hashlib.sha256(pipeline.encode()).hexdigest()[:8]
    return f"{pipeline[: UID_MAX - len(key) - 10]}-{digest}-{key}"


def dashboard(s: Scope, key: str, title: str, panels: list[Panel]) -> dict[str, Any]:
    return {
        "uid": uid(s.pipeline, key),
        "title": f"{s.pipeline}: {title}",
        "tags": ["pipegen", s.pipeline],
        "schemaVersion": SCHEMA_VERSION,
        "editable": True,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "panels": [_panel(i, p) for i, p in enumerate(panels)],
    }


def _overview(s: Scope) -> list[Panel]:
    p = f"pipeline={promql_str(s.pipeline)}"
    out: list[Panel] = [
        ("Step outcome (1 ok, 0 failed)", f"pipegen_step_success{{{p}}}", "{{step}}", "none"),
        ("Step duration", f"pipegen_step_duration_seconds{{{p}}}", "{{step}}", "s"),
        ("Rows loaded per hour", f"sum by (table) (increase(pipegen_rows_loaded_total{{{p}}}[1h]))", "{{table}}",
         "short"),
        ("Rows rejected per hour (dead letters)",
         f"sum by (table) (increase(pipegen_rows_rejected_total{{{p}}}[1h]))", "{{table}}", "short"),
        ("Failed runs over a day", f"pipeline_step:pipegen_step_failure_ratio:increase1d{{{p}}}", "{{step}}",
         "percentunit"),
    ]  # fmt: skip
    if s.timed:
        out.append(("Freshness lag", f"pipeline_table:pipegen_table_freshness_lag_seconds{{{p}}}", "{{table}}", "s"))
    return out


def _quality(s: Scope) -> list[Panel]:
    p = f"pipeline={promql_str(s.pipeline)}"
    return [
        ("Pass ratio of the last validation", f"pipegen_quality_pass_ratio{{{p}}}", "{{table}}", "percentunit"),
        ("Pass ratio over a day", f"pipeline_table:pipegen_quality_pass_ratio:increase1d{{{p}}}", "{{table}}",
         "percentunit"),
        ("Failed expectations per hour",
         f"sum by (table) (increase(pipegen_quality_expectations_failed_total{{{p}}}[1h]))", "{{table}}", "short"),
        ("Breaches per hour by severity",
         f"sum by (table, severity) (increase(pipegen_quality_breaches_total{{{p}}}[1h]))",
         "{{table}} {{severity}}", "short"),
        ("Rows quarantined per hour", f"sum by (table) (increase(pipegen_rows_quarantined_total{{{p}}}[1h]))",
         "{{table}}", "short"),
    ]  # fmt: skip


def _streaming(s: Scope) -> list[Panel]:
    out: list[Panel] = []
    if s.kafka:
        topic = f"topic=~{prefix_re(s.topic_prefix)}"
        out += [
            ("Consumer lag (time to catch up)", "consumergroup_topic:kafka_consumergroup_lag_seconds:rate5m",
             "{{consumergroup}} {{topic}}", "s"),
            ("Consumer lag (messages)", f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{topic}}})",
             "{{consumergroup}} {{topic}}", "short"),
        ]  # fmt: skip
    if s.cdc:  # the PipelineCdcLag alert's series: milliseconds from a change's commit to Debezium
        servers = promql_str("|".join(re.escape(prefix) for prefix in s.cdc))
        lag = f'max by (name) ({CDC_LAG_METRIC}{{context="streaming",name=~{servers}}})'
        out.append(("CDC lag (behind the source database)", lag, "{{name}}", "ms"))
    if s.flink:
        job = f"job_name=~{prefix_re(s.job_prefix)}"
        out += [
            ("Failed checkpoints (10 min)",
             f"increase(flink_jobmanager_job_numberOfFailedCheckpoints{{{job}}}[10m])", "{{job_name}}", "short"),
            ("Last checkpoint duration", f"flink_jobmanager_job_lastCheckpointDuration{{{job}}}", "{{job_name}}",
             "ms"),
            ("Back-pressured time per second",
             f"max by (job_name, task_name) (flink_taskmanager_job_task_backPressuredTimeMsPerSecond{{{job}}})",
             "{{job_name}} {{task_name}}", "ms"),
        ]  # fmt: skip
    return out


def dashboards(s: Scope) -> dict[str, dict[str, Any]]:
    """file name -> dashboard."""
    out = {}
    if s.batch:
        out["overview.json"] = dashboard(s, "overview", "pipeline overview", _overview(s))
    if s.quality:
        out["quality.json"] = dashboard(s, "quality", "data quality", _quality(s))
    streaming = _streaming(s)
    if streaming:
        out["streaming.json"] = dashboard(s, "streaming", "streaming", streaming)
    return out


def dashboard_folder(s: Scope) -> str:
    """Where Grafana finds this pipeline's dashboards (the provider's `options.path`)."""
    return f"/var/lib/grafana/dashboards/{s.pipeline}"


def provisioning(s: Scope) -> Files:
    folder = dashboard_folder(s)
    providers = {"apiVersion": 1, "providers": [{
        "name": f"pipegen-{s.pipeline}", "folder": s.pipeline, "type": "file", "disableDeletion": False,
        "updateIntervalSeconds": 60, "options": {"path": folder},
    }]}  # fmt: skip
    sources = {"apiVersion": 1, "datasources": [{
        "name": "Prometheus", "type": "prometheus", "access": "proxy", "url": "http://prometheus:9090",
        "isDefault": True,
    }]}  # fmt: skip
    return {
        f"{FOLDER}/provisioning/dashboards/{s.pipeline}.yaml": yaml_doc(providers),
        f"{FOLDER}/provisioning/datasources/prometheus.yaml": yaml_doc(sources),
    }


def files(s: Scope) -> Files:
    boards = dashboards(s)
    if not boards:
        return {}
    out = {f"{FOLDER}/dashboards/{name}": json_doc(board) + "\n" for name, board in boards.items()}
    return {**out, **provisioning(s)}


GRAFANA_IMAGE = "grafana/grafana:13.2.3"  # Grafana 13.2: knows dashboard schemaVersion 42 (CURRENCY.md §10)
GRAFANA_PORT = 3000
PROVISIONING = "/etc/grafana/provisioning"  # where Grafana reads provisioning files


def compose_service(s: Scope) -> ComposeService | None:
    """Grafana in compose.yaml with this project's provisioning and dashboards mounted read-only
    (the dashboards where the provider's `options.path` looks), or None without dashboards. Its
    health check uses whichever of wget (Alpine's BusyBox) or curl the image has."""
    if not s.grafana or not dashboards(s):
        return None
    password = ENV.grafana_password
    health = f"http://localhost:{GRAFANA_PORT}/api/health"
    return ComposeService(
        name="grafana", image=GRAFANA_IMAGE, ports=(f"127.0.0.1:{GRAFANA_PORT}:{GRAFANA_PORT}",),
        environment=(("GF_SECURITY_ADMIN_PASSWORD", f"${{{password}:?set {password} in .env}}"),
                     ("GF_USERS_ALLOW_SIGN_UP", "false")),
        healthcheck=(f"wget -qO- {health} || curl -fsS {health}",),
        volumes=(f"./{FOLDER}/provisioning:{PROVISIONING}:ro", f"./{FOLDER}/dashboards:{dashboard_folder(s)}:ro"),
        depends_on=("prometheus",),  # its datasource (monitoring/local.py)
    )  # fmt: skip
