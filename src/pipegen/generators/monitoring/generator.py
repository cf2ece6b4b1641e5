"""monitoring family: what operates the pipeline.

- `monitoring/prometheus/rules.yml`: recording rules and alerts (`rules.py`), each alert with a
  `severity` label and a `runbook_url` into `docs/runbooks.md`;
- `monitoring/kubernetes/prometheusrule.yaml` (Kubernetes deployments): the same groups as a
  Prometheus Operator `PrometheusRule`;
- `docs/runbooks.md`: one section per alert (meaning, diagnose, fix, replay or backfill);
- with a batch layer, `monitoring/metrics.json`: what `pipeline/metrics.py` (a shared runtime
  module) measures when the local run ends — the tables, their dead-letter tables and freshness
  columns — and the textfile it writes for node_exporter's textfile collector;
- with `monitoring.grafana`, Grafana dashboards and their provisioning files (`dashboards.py`), and a
  `grafana` service in compose.yaml that loads them (with `make up` / `make down`);
- `prometheus` and `node-exporter` services in compose.yaml and `monitoring/prometheus/prometheus.yml`
  (`local.py`): the rules evaluated over the local run's metrics textfile;
- with Flink jobs or Kafka, PodMonitors for their pods (`podmonitors.py`).
"""

from __future__ import annotations

from typing import Any

from pipegen.generators.base import COMPOSE_TARGETS, Contribution, EnvVar, Files, GenContext
from pipegen.generators.monitoring import dashboards, local, podmonitors
from pipegen.generators.monitoring.metrics import Scope, scope
from pipegen.generators.monitoring.rules import alerts, groups, keep_ratio
from pipegen.plan.alerting import Watched
from pipegen.plan.names import ENV
from pipegen.render.env import render
from pipegen.render.filters import number
from pipegen.render.jsondoc import json_doc
from pipegen.render.yamldoc import yaml_doc
from pipegen.safe import trusted
from pipegen.spec.types import format_duration

REQUIREMENTS = ("prometheus_client==0.26.0",)
RULES = "monitoring/prometheus/rules.yml"
PROMETHEUS_RULE = "monitoring/kubernetes/prometheusrule.yaml"
CONFIG = "monitoring/metrics.json"
PUSH_USE = (
    "pipeline/metrics.py: the Prometheus Pushgateway the batch metrics are pushed to "
    "(monitoring.publish: pushgateway; compose.yaml runs one locally)"
)
GRAFANA_PASSWORD = EnvVar(ENV.grafana_password, ("compose.yaml: the local Grafana's admin password (user admin)",),
                          secret=True)  # fmt: skip


def textfile(s: Scope) -> str:
    return f"{local.TEXTFILE_FOLDER}/{s.pipeline}.prom"


class MonitoringGenerator:
    def contribute(self, ctx: GenContext) -> Contribution:
        s = scope(ctx.spec, ctx.plan)
        manifests = (PROMETHEUS_RULE, *sorted(podmonitors.resources(s))) if s.kubernetes else ()
        grafana = dashboards.compose_service(s)
        services = (*local.services(s, grafana is not None), *((grafana,) if grafana else ()))
        targets = COMPOSE_TARGETS if services else ()
        secrets = (GRAFANA_PASSWORD,) if grafana else ()
        if not s.batch:
            return Contribution(manifests=manifests, compose_services=services, make_targets=targets, env=secrets)
        metrics = EnvVar(
            ENV.metrics_file,
            (
                "pipeline/metrics.py: the metrics textfile the local run writes "
                "(node_exporter's textfile collector reads *.prom)",
            ),
            default=textfile(s),
        )
        push = (
            EnvVar(ENV.pushgateway_url, (PUSH_USE,), default=local.PUSHGATEWAY_URL),
        ) if s.push else ()  # fmt: skip
        return Contribution(
            manifests=manifests,
            requirements=REQUIREMENTS,
            env=(metrics, *push, *secrets),
            runtime=("metrics.py",),
            compose_services=services,
            make_targets=targets,
        )

    def render(self, ctx: GenContext) -> Files:
        s = scope(ctx.spec, ctx.plan)
        rule_groups = groups(s)
        files = {
            RULES: yaml_doc(rule_groups),
            "docs/runbooks.md": render("monitoring/runbooks.md.j2", _runbook_context(s, ctx.version, ctx)),
        }
        if s.batch:
            files[CONFIG] = json_doc(metrics_config(s)) + "\n"
        if local.enabled(s, dashboards.compose_service(s) is not None):
            files[local.CONFIG] = yaml_doc(local.prometheus_config(s))
            if s.batch:  # compose.yaml's node-exporter mounts the folder: it exists before the first run
                files[f"{local.TEXTFILE_FOLDER}/.gitignore"] = local.TEXTFILE_GITIGNORE
        if s.kubernetes:
            files[PROMETHEUS_RULE] = yaml_doc(prometheus_rule(s, rule_groups))
        if s.grafana:
            files.update(dashboards.files(s))
        files.update({path: yaml_doc(resource) for path, resource in podmonitors.resources(s).items()})
        return files


def metrics_config(s: Scope) -> dict[str, Any]:
    return {
        "pipeline": s.pipeline,
        "textfile": textfile(s),
        "tables": [{"table": t.table, "dead_letter": t.dead_letter, "column": t.column} for t in s.tables],
        "push": {"url_env": str(ENV.pushgateway_url), "job": s.pipeline} if s.push else None,
    }


def prometheus_rule(s: Scope, rule_groups: dict[str, Any]) -> dict[str, Any]:
    """The rules as a Prometheus Operator resource (monitoring.coreos.com/v1). The Prometheus
    resource's `ruleSelector` must match its labels (kube-prometheus-stack: `release`)."""
    name = s.pipeline.replace("_", "-")[:50].strip("-") + "-rules"
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": name,
            "namespace": s.namespace,
            "labels": {"app.kubernetes.io/part-of": s.pipeline.replace("_", "-")[:63].strip("-"),
                       "app.kubernetes.io/managed-by": "pipegen", "role": "alert-rules"},
        },
        "spec": rule_groups,
    }  # fmt: skip


def _levels(t: Watched) -> str:
    return ", ".join(f"{sev} after {format_duration(age)}" for sev, age in t.stale_after)


ORCHESTRATORS = {"airflow": ("Airflow DAG", "dags/"), "prefect": ("Prefect flow", "flows/")}  # family -> what, where


def _runbook_context(s: Scope, version: str, ctx: GenContext) -> dict[str, Any]:
    orchestrated = [ORCHESTRATORS[f] for f in sorted(ctx.families) if f in ORCHESTRATORS]
    return {
        "orchestrator": {"what": orchestrated[0][0], "where": orchestrated[0][1]} if orchestrated else None,
        "capture": bool(s.cdc) and "debezium" in ctx.families,  # `capture --follow` serves /metrics
        "capture_port": ENV.capture_metrics_port,
        "pipeline": s.pipeline,
        "version": trusted(version),
        "batch": s.batch,
        "textfile": textfile(s),
        "kinds": sorted({a.name for a in alerts(s)}),
        "stale": [{"table": t.table, "column": t.column, "levels": _levels(t)} for t in s.tables if t.column],
        "failure_rate": number(s.failure_rate),
        "keep": number(keep_ratio(s.row_drop)) if s.row_drop is not None else "",
        "consumer_lag": format_duration(s.consumer_lag),
        "cdc_lag": format_duration(s.cdc_lag),
        "local": _local_context(s),
        "push": ENV.pushgateway_url if s.push else None,
    }


def _local_context(s: Scope) -> dict[str, Any] | None:
    """Where `make up` serves Prometheus and Grafana (compose.yaml), for the runbooks' pointer."""
    grafana = dashboards.compose_service(s) is not None
    if not local.enabled(s, grafana):
        return None
    return {
        "prometheus": trusted(f"http://127.0.0.1:{local.PROMETHEUS_PORT}"),
        "grafana": trusted(f"http://127.0.0.1:{dashboards.GRAFANA_PORT}") if grafana else None,
        "password": ENV.grafana_password,
        "dashboards": [board["title"] for board in dashboards.dashboards(s).values()] if grafana else [],
    }


GENERATOR = MonitoringGenerator()
