"""Grafana dashboards judged without a Grafana server (none installs from any registry here): by
structure (a `datasource` variable of type datasource over Prometheus, every panel with a query
through it, unique panel ids and dashboard uids, a grid position, the two provisioning files) and
by cross-reference: every metric a panel queries is one the generated code emits
(`pipegen.generators.monitoring.metrics.EMITTED`, the list the local-run judge finds in the run's
metrics file), a recording rule of the project's rules.yml, or a documented exporter metric.
Used on the examples (tests/families/test_monitoring.py) and on drawn specs (tests/specgen)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from pipegen.generators.monitoring.metrics import EMITTED

RULES = "monitoring/prometheus/rules.yml"
BOARDS = "monitoring/grafana/dashboards/"
PROVISIONING = "monitoring/grafana/provisioning/"
EXPORTER_METRICS = {
    # Strimzi's Kafka Exporter (danielqsj/kafka_exporter)
    "kafka_consumergroup_lag", "kafka_topic_partition_current_offset",
    # Flink's Prometheus metrics reporter
    "flink_jobmanager_job_numberOfFailedCheckpoints", "flink_jobmanager_job_lastCheckpointDuration",
    "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
    # Debezium's streaming metrics through the KafkaConnect's JMX exporter (kafka/connect_metrics.py)
    "debezium_metrics_MilliSecondsBehindSource",
}  # fmt: skip
PROMQL_WORDS = {"sum", "by", "max", "increase", "rate", "time", "on", "group_left", "clamp_min", "offset"}


def dashboards(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {p[len(BOARDS) :]: json.loads(t) for p, t in files.items() if p.startswith(BOARDS)}


def metric_names(expr: str) -> set[str]:
    """Metric names of a PromQL expression: identifiers outside {...}, [...] and grouping
    clauses that are not functions (followed by `(`) or keywords."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    bare = re.sub(r"\b(by|on|group_left) *\([^)]*\)", " ", bare)
    words = [m for m in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", bare)
             if not bare[m.end():].lstrip().startswith("(")]  # fmt: skip
    return {m.group() for m in words if m.group() not in PROMQL_WORDS}


def structure_problems(files: dict[str, str]) -> list[str]:
    """What a dashboard or its provisioning lacks, as `file: problem` lines (none: [])."""
    out = []
    boards = dashboards(files)
    uids = [b["uid"] for b in boards.values()]
    if len(set(uids)) != len(uids) or any(len(u) > 40 for u in uids):
        out.append(f"dashboard uids not unique or longer than 40: {uids}")
    for path, board in sorted(boards.items()):
        variables = {v["name"]: v for v in board["templating"]["list"]}
        source = variables.get("datasource", {})
        if (source.get("type"), source.get("query")) != ("datasource", "prometheus"):
            out.append(f"{path}: no `datasource` variable over Prometheus")
        ids = [p["id"] for p in board["panels"]]
        if not ids or len(set(ids)) != len(ids):
            out.append(f"{path}: no panels, or panel ids not unique: {ids}")
        for panel in board["panels"]:
            if panel.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
                out.append(f"{path}: {panel['title']} does not query through the datasource variable")
            if not panel.get("targets") or not all(t.get("expr", "").strip() for t in panel["targets"]):
                out.append(f"{path}: {panel['title']} has a target without a query")
            if set(panel.get("gridPos", {})) != {"h", "w", "x", "y"}:
                out.append(f"{path}: {panel['title']} has no grid position")
    provisioning = [p for p in files if p.startswith(PROVISIONING)]
    if len(provisioning) != (2 if boards else 0):
        out.append(f"provisioning files: {provisioning}")
    out += [f"{p}: not provisioning apiVersion 1" for p in provisioning if yaml.safe_load(files[p])["apiVersion"] != 1]
    return out


def unknown_metrics(files: dict[str, str]) -> list[str]:
    """Panels that query a metric nothing emits, records or exports, as `file: panel: names` lines;
    a query without any metric counts too."""
    rules = yaml.safe_load(files[RULES]) if RULES in files else {"groups": []}
    recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    known = set(EMITTED) | recorded | EXPORTER_METRICS
    out = []
    for path, board in sorted(dashboards(files).items()):
        for panel in board["panels"]:
            for target in panel["targets"]:
                names = metric_names(target["expr"])
                if not names or names - known:
                    out.append(f"{path}: {panel['title']} queries {sorted(names - known) or 'no metric'}")
    return out


def unknown_rule_metrics(files: dict[str, str]) -> list[str]:
    """Rules that query a metric nothing emits, records or exports, as `rule: names` lines."""
    rules = yaml.safe_load(files[RULES]) if RULES in files else {"groups": []}
    recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    known = set(EMITTED) | recorded | EXPORTER_METRICS
    out = []
    for rule in (r for g in rules["groups"] for r in g["rules"]):
        names = metric_names(rule["expr"])
        if not names or names - known:
            out.append(f"{rule.get('alert') or rule.get('record')}: {sorted(names - known) or 'no metric'}")
    return out


def queried(files: dict[str, str]) -> int:
    """How many metric references the panels make (so a judge can tell it checked something)."""
    panels = [p for b in dashboards(files).values() for p in b["panels"]]
    return sum(len(metric_names(t["expr"])) for p in panels for t in p["targets"])
