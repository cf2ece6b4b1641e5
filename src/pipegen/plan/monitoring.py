"""Monitoring settings the plan cannot honour, as located warnings (the monitoring family's
alerts read them; docs/diagnostics.md):

- R440: `monitoring.alerts.consumer_lag` under a plan with no Kafka topics: no consumer to lag.
- R441: `monitoring.alerts.failure_rate` or `row_drop` under a plan with no batch layer: no step
  runs and nothing is loaded in batch, so no alert reads them.
- R442: a threshold that can never fire: a failure rate of 1 (a ratio never exceeds 1), a row
  drop of 1 (a day never loads fewer than 0 rows).
- R443: a `monitoring.freshness_sla` shorter than the latency: the batch layer loads once per
  latency, so the data is older than the SLA between every two runs and the alert always fires.
- R434: `monitoring.publish: pushgateway` under a plan with no batch layer: no batch step runs, so
  nothing pushes (the stream side's metrics are scraped from Flink and the Kafka Exporter).
- R364: `monitoring.grafana`, `monitoring.alerts` or `monitoring.publish` with `monitoring.prometheus: false`:
  the monitoring family is off, nothing reads them.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Spec
from pipegen.spec.types import format_duration


def monitoring_findings(spec: Spec, graph: Graph) -> tuple[Finding, ...]:
    m = spec.monitoring
    if not m.prometheus:
        return tuple(_off(spec))
    return (*_unread_alerts(spec, graph), *_never_fire(spec), *_sla(spec, graph))


def _warning(path: tuple[str | int, ...], code: str, message: str, hint: str) -> Finding:
    return Finding(path, code, message, hint, severity="warning", on_key=True)


def _off(spec: Spec) -> Iterator[Finding]:
    m = spec.monitoring
    keys = [k for k in ("grafana", "alerts", "publish") if k in m.model_fields_set]
    for key in keys:
        yield _warning(("monitoring", key), "R364",
                       f"`monitoring.{key}` reaches no generated file: `monitoring.prometheus` is false, so no "
                       "metrics, alerts or dashboards are generated",
                       "remove it, or set `monitoring.prometheus: true`")  # fmt: skip


def _unread_alerts(spec: Spec, graph: Graph) -> Iterator[Finding]:
    alerts = spec.monitoring.alerts
    if "consumer_lag" in alerts.model_fields_set and Kind.KAFKA_TOPICS not in graph.kinds:
        yield _warning(("monitoring", "alerts", "consumer_lag"), "R440",
                       "`monitoring.alerts.consumer_lag` reaches no alert: the plan has no Kafka topics, so no "
                       "consumer can lag", "remove it (it applies to stream and CDC plans)")  # fmt: skip
    if "publish" in spec.monitoring.model_fields_set and not graph.batch_sources:
        yield _warning(("monitoring", "publish"), "R434",
                       f"`monitoring.publish: {spec.monitoring.publish}` reaches no generated file: the plan has no "
                       "batch layer, so no batch step publishes metrics (Prometheus scrapes the stream side's Flink "
                       "and Kafka Exporter metrics)", "remove it")  # fmt: skip
    if not graph.batch_sources:
        for key in ("failure_rate", "row_drop"):
            if key in alerts.model_fields_set:
                yield _warning(("monitoring", "alerts", key), "R441",
                               f"`monitoring.alerts.{key}` reaches no alert: the plan has no batch layer (no step "
                               "runs, nothing is loaded in batch)", "remove it")  # fmt: skip


def _never_fire(spec: Spec) -> Iterator[Finding]:
    alerts = spec.monitoring.alerts
    if alerts.failure_rate >= 1:
        yield _warning(("monitoring", "alerts", "failure_rate"), "R442",
                       "`monitoring.alerts.failure_rate: 1` can never fire: the share of failed runs never exceeds 1",
                       "use a share below 1, e.g. 0.05 (5% of a day's runs)")  # fmt: skip
    if alerts.row_drop is not None and alerts.row_drop >= 1:
        yield _warning(("monitoring", "alerts", "row_drop"), "R442",
                       "`monitoring.alerts.row_drop: 1` can never fire: it alerts when a day loads fewer than 0 rows",
                       "use a fraction below 1, e.g. 0.5 (half of the day before)")  # fmt: skip


def _sla(spec: Spec, graph: Graph) -> Iterator[Finding]:
    sla = spec.monitoring.freshness_sla
    if sla is not None and graph.batch_sources and sla < spec.latency:
        yield _warning(("monitoring", "freshness_sla"), "R443",
                       f"`monitoring.freshness_sla: {format_duration(sla)}` is shorter than the latency "
                       f"({format_duration(spec.latency)}): the batch layer loads once per latency, so the data is "
                       "older than the SLA between runs and the freshness alert fires every time",
                       "make it at least the latency (twice the latency leaves room for a slow run), or lower "
                       "the latency")  # fmt: skip
