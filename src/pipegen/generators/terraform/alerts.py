"""The alerts a cloud's own alerting raises, independent of the cloud: the monitoring family's
Prometheus alerts for stale tables, the step failure rate, dead letters and consumer lag, with the
names, severities, thresholds and runbook sections of plan/alerting.py. AWS writes them as CloudWatch
alarms over its own metrics (aws_alarms.py); GCP and Azure evaluate PromQL over the same metrics in
their managed Prometheus (Google Cloud Managed Service for Prometheus, Azure Monitor managed service
for Prometheus), so each alert here carries its query, written over the raw metrics (a cloud's alert
evaluates no recording rule) with the Prometheus rule's threshold.

Where the alerts notify: the literal addresses of `orchestration.on_failure`'s and `quality.notifications`'
email notifications (a reference is never mailed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipegen.generators.terraform.hcl import quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.alerting import ALERTS, WARNING, consumer_lag, runbook_url, watched
from pipegen.render.filters import number
from pipegen.spec.model import NotificationType
from pipegen.spec.types import format_duration, parse_secret_ref

EMAIL_RE = "^[^@\\s]+@[^@\\s]+$"
LAG_FOR = 300.0  # the lag must hold five minutes (as the Prometheus rule's `for`)


@dataclass(frozen=True)
class CloudAlert:
    alert: str  # the alert kind (plan/alerting.py): one runbook section each
    severity: str
    table: str  # the watched table (raw_schema.raw_table), "" for a pipeline-wide alert
    threshold: float
    query: str  # PromQL over the raw metrics: the alert fires while it returns a series
    for_seconds: float
    description: str  # one sentence, then the runbook link

    @property
    def key(self) -> str:
        """An HCL identifier telling this alert from the others of the project."""
        parts = [self.alert, self.severity, *([self.table] if self.table else [])]
        return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")

    @property
    def labels(self) -> dict[str, str]:
        """The labels a cloud's alert carries: its severity, and its table where it watches one."""
        return {"severity": self.severity, **({"table": self.table} if self.table else {})}

    @property
    def runbook(self) -> str:
        return runbook_url(self.alert)

    @property
    def fires_when(self) -> str:
        return self.description.split(". Runbook:")[0]


def promql_str(value: str) -> str:
    """A PromQL string literal (double-quoted, backslash and quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _described(alert: str, text: str) -> str:
    return f"{text}. Runbook: {runbook_url(alert)}"


def _stale(inf: Infra, p: str) -> list[CloudAlert]:
    out = []
    for t in watched(inf.ctx.spec, inf.ctx.plan):
        if t.column is None:
            continue
        for severity, age in t.stale_after:
            query = (f"time() - max by (pipeline, table) (pipegen_table_newest_row_timestamp_seconds"
                     f"{{{p},table={promql_str(t.table)}}}) > {number(age)}")  # fmt: skip
            text = f"The newest row of {t.table} ({t.column}) is older than {format_duration(age)}"
            out.append(CloudAlert(ALERTS.table_stale, severity, t.table, age, query, 0,
                                  _described(ALERTS.table_stale, text)))  # fmt: skip
    return out


def _batch(inf: Infra, p: str) -> list[CloudAlert]:
    rate = inf.ctx.spec.monitoring.alerts.failure_rate
    ratio = (f'sum by (pipeline, step) (increase(pipegen_step_runs_total{{{p},outcome="failure"}}[1d]))'
             f" / sum by (pipeline, step) (increase(pipegen_step_runs_total{{{p}}}[1d])) > {number(rate)}")  # fmt: skip
    rejected = f"sum by (pipeline, table) (increase(pipegen_rows_rejected_total{{{p}}}[1h])) > 0"
    return [
        CloudAlert(ALERTS.failure_rate, WARNING, "", rate, ratio, 0,
                   _described(ALERTS.failure_rate, f"More than {number(rate)} of a day's runs of a step failed")),
        CloudAlert(ALERTS.dead_letters, WARNING, "", 0, rejected, 0,
                   _described(ALERTS.dead_letters, "Rows went to a dead-letter table in the last hour")),
    ]  # fmt: skip


def _lag(inf: Infra) -> CloudAlert:
    lag = consumer_lag(inf.ctx.spec)
    topic = f"topic=~{promql_str(re.escape(str(inf.ctx.plan.names.pipeline) + '.') + '.*')}"
    query = (f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{topic}}})"
             f" / on (topic) group_left () clamp_min(sum by (topic)"
             f" (rate(kafka_topic_partition_current_offset{{{topic}}}[5m])), 0.001) > {number(lag)}")  # fmt: skip
    text = f"A consumer group is more than {format_duration(lag)} behind its topic at the topic's rate"
    return CloudAlert(ALERTS.consumer_lag, WARNING, "", lag, query, LAG_FOR, _described(ALERTS.consumer_lag, text))


def cloud_alerts(inf: Infra) -> tuple[CloudAlert, ...]:
    """The alerts of the plan a cloud raises (none when monitoring is off)."""
    if not inf.ctx.spec.monitoring.prometheus:
        return ()
    p = f"pipeline={promql_str(str(inf.ctx.plan.names.pipeline))}"
    out: list[CloudAlert] = []
    if inf.ctx.plan.graph.batch_sources:
        out += [*_stale(inf, p), *_batch(inf, p)]
    if inf.stream:
        out.append(_lag(inf))
    return tuple(out)


def alert_emails(inf: Infra) -> tuple[str, ...]:
    """The literal addresses of the spec's email notifications: `orchestration.on_failure`'s (who is alerted
    when a run fails), then `quality.notifications`' (who hears about failed checks: the cloud's alerts are
    stale tables, failing steps, dead letters and lag); references and other channels are not (the pipeline's
    own notifier sends those its messages, docs/terraform.md)."""
    spec = inf.ctx.spec
    found = [to for n in (*spec.orchestration.on_failure, *spec.quality.notifications)
             if n.type == NotificationType.EMAIL for to in (n.to or ()) if not parse_secret_ref(to)]  # fmt: skip
    return tuple(dict.fromkeys(found))


def emails_var(description: str) -> Var:
    """The `alert_emails` variable: the addresses the cloud's alerts mail, each validated."""
    cond = f"alltrue([for e in var.alert_emails : can(regex({quote(EMAIL_RE)}, e))])"
    return Var("alert_emails", "list(string)", description, ((cond, "alert_emails: email addresses."),))


def emails_vars(inf: Infra, description: str) -> tuple[Var, ...]:
    """`alert_emails` where the cloud raises the alerts of cloud_alerts and has addresses to mail."""
    return (emails_var(description),) if cloud_alerts(inf) and alert_emails(inf) else ()


def alert_list(inf: Infra) -> tuple[tuple[str, str, str, str], ...]:
    """(alert, severity, table, fires when) as the docs list them."""
    return tuple((a.alert, a.severity, a.table, a.fires_when + (f" for {format_duration(a.for_seconds)}"
                                                                if a.for_seconds else ""))
                 for a in cloud_alerts(inf))  # fmt: skip


__all__ = [
    "EMAIL_RE",
    "CloudAlert",
    "alert_emails",
    "alert_list",
    "cloud_alerts",
    "emails_var",
    "emails_vars",
    "promql_str",
]
