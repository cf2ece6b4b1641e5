"""Prometheus rules of a pipeline: recording rules over the metrics the generated code emits
(and the Kafka and Flink exporters' metrics for a stream plan), and alerts, each with a
`severity` label and a `runbook_url` annotation that links its section of docs/runbooks.md.

Every expression is built here from validated names; label values go through `promql_str`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipegen.generators.monitoring.metrics import Scope
from pipegen.plan.alerting import ALERTS, runbook_url
from pipegen.plan.cdc import CDC_LAG_METRIC
from pipegen.render.filters import number
from pipegen.spec.types import format_duration

BACKPRESSURE_MS = 500  # a task back-pressured over half of every second


def promql_str(value: str) -> str:
    """A PromQL string literal (double-quoted, backslash and quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def prefix_re(prefix: str) -> str:
    """A PromQL regex literal matching label values that start with `prefix`."""
    return promql_str(re.escape(prefix) + ".*")


def keep_ratio(row_drop: float) -> float:
    """1 - row_drop in decimal, as the spec writes it (float subtraction made 1 - 0.7 0.30000000000000004)."""
    return float(Decimal(1) - Decimal(repr(row_drop)))


@dataclass(frozen=True)
class Alert:
    name: str  # the alert kind: one runbook section each
    severity: str
    expr: str
    for_: float  # seconds the condition must hold
    summary: str
    description: str  # Prometheus templates ({{ $labels.x }}, {{ $value }}) are kept as written
    labels: tuple[tuple[str, str], ...] = ()  # beside severity: what tells two rules of one kind apart

    def rule(self) -> dict[str, Any]:
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": format_duration(self.for_) if self.for_ else "0s",
            "labels": {"severity": self.severity, **dict(self.labels)},
            "annotations": {
                "summary": self.summary,
                "description": self.description,
                "runbook_url": runbook_url(self.name),
            },
        }


def recording(s: Scope) -> list[dict[str, str]]:
    """Recording rules: level:metric:operations."""
    p = f"pipeline={promql_str(s.pipeline)}"
    out = []
    if s.batch:
        if s.timed:  # some table has a freshness column (its newest row is measured)
            out.append(
                {
                    "record": "pipeline_table:pipegen_table_freshness_lag_seconds",
                    "expr": f"time() - pipegen_table_newest_row_timestamp_seconds{{{p}}}",
                }
            )
        out += [
            {"record": "pipeline_step:pipegen_step_failure_ratio:increase1d",
             "expr": f'sum by (pipeline, step) (increase(pipegen_step_runs_total{{{p},outcome="failure"}}[1d]))'
                     f" / sum by (pipeline, step) (increase(pipegen_step_runs_total{{{p}}}[1d])) > -1"},
            {"record": "pipeline_table:pipegen_rows_loaded:increase1d",
             "expr": f"sum by (pipeline, table) (increase(pipegen_rows_loaded_total{{{p}}}[1d]))"},
        ]  # fmt: skip
    if s.quality:  # `> -1` drops the NaN of a day without a run (0 / 0)
        failed = f"increase(pipegen_quality_expectations_failed_total{{{p}}}[1d])"
        evaluated = f"increase(pipegen_quality_expectations_evaluated_total{{{p}}}[1d])"
        ratio = f"1 - sum by (pipeline, table) ({failed}) / sum by (pipeline, table) ({evaluated}) > -1"
        out.append({"record": "pipeline_table:pipegen_quality_pass_ratio:increase1d", "expr": ratio})
    if s.kafka:
        topic = f"topic=~{prefix_re(s.topic_prefix)}"
        out.append({
            "record": "consumergroup_topic:kafka_consumergroup_lag_seconds:rate5m",
            "expr": f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{topic}}})"
                    f" / on (topic) group_left () clamp_min(sum by (topic)"
                    f" (rate(kafka_topic_partition_current_offset{{{topic}}}[5m])), 0.001)",
        })  # fmt: skip
    return out


def alerts(s: Scope) -> list[Alert]:
    return [*_batch_alerts(s), *_stream_alerts(s)] if s.batch else _stream_alerts(s)


def _batch_alerts(s: Scope) -> list[Alert]:
    p = f"pipeline={promql_str(s.pipeline)}"
    out = [
        Alert(
            ALERTS.table_stale, severity,
            f"pipeline_table:pipegen_table_freshness_lag_seconds{{{p},table={promql_str(t.table)}}} > {number(age)}",
            0, f"{t.table} is older than {format_duration(age)}",
            "The newest row of {{ $labels.table }} is {{ $value | humanizeDuration }} old "
            f"(allowed: {format_duration(age)}).", (("table", t.table),),
        )
        for t in s.tables if t.column is not None
        for severity, age in t.stale_after
    ]  # fmt: skip
    out += [
        Alert(ALERTS.step_failed, "critical", f"pipegen_step_success{{{p}}} == 0", 0,
              "step {{ $labels.step }} of {{ $labels.pipeline }} failed",
              "The last run of step {{ $labels.step }} failed; nothing after it ran."),
        Alert(ALERTS.failure_rate, "warning",
              f"pipeline_step:pipegen_step_failure_ratio:increase1d{{{p}}} > {number(s.failure_rate)}", 0,
              "step {{ $labels.step }} fails too often",
              f"{{{{ $value | humanizePercentage }}}} of the step's runs failed over a day "
              f"(allowed: {number(s.failure_rate)})."),
        Alert(ALERTS.dead_letters, "warning",
              f"increase(pipegen_rows_rejected_total{{{p}}}[1h]) > 0", 0,
              "{{ $labels.table }}: rows are going to the dead-letter table",
              "{{ $value }} row(s) of {{ $labels.table }} were rejected in the last hour."),
    ]  # fmt: skip
    if s.quality:
        out += [
            Alert(ALERTS.quality_breach, "critical",
                  f'increase(pipegen_quality_breaches_total{{{p},severity="critical"}}[1h]) > 0', 0,
                  "{{ $labels.table }}: an error-severity quality rule was breached",
                  "A row-level rule of {{ $labels.table }} at severity error failed past its `mostly` "
                  "in the last hour."),
            Alert(ALERTS.quality_breach, "warning",
                  f'increase(pipegen_quality_breaches_total{{{p},severity="warning"}}[1h]) > 0', 0,
                  "{{ $labels.table }}: a warn-severity quality rule was breached",
                  "A row-level rule of {{ $labels.table }} at severity warn failed past its `mostly` "
                  "in the last hour."),
        ]  # fmt: skip
    if s.row_drop is not None:
        keep = keep_ratio(s.row_drop)
        out.append(Alert(
            ALERTS.row_drop, "warning",
            f"pipeline_table:pipegen_rows_loaded:increase1d{{{p}}}"
            f" < {number(keep)} * (pipeline_table:pipegen_rows_loaded:increase1d{{{p}}} offset 1d)", 0,
            "{{ $labels.table }}: fewer rows than yesterday",
            f"The rows loaded into {{{{ $labels.table }}}} over a day dropped by more than {number(s.row_drop)}.",
        ))  # fmt: skip
    return out


def _stream_alerts(s: Scope) -> list[Alert]:
    out = []
    if s.kafka:
        out.append(Alert(
            ALERTS.consumer_lag, "warning",
            f"consumergroup_topic:kafka_consumergroup_lag_seconds:rate5m > {number(s.consumer_lag)}", 300,
            "{{ $labels.consumergroup }} is behind on {{ $labels.topic }}",
            f"At the topic's current rate the group needs {{{{ $value | humanizeDuration }}}} to catch up "
            f"(allowed: {format_duration(s.consumer_lag)}).",
        ))  # fmt: skip
    if s.cdc:
        servers = promql_str("|".join(re.escape(prefix) for prefix in s.cdc))
        out.append(Alert(
            ALERTS.cdc_lag, "warning",
            f'max by (plugin, name) ({CDC_LAG_METRIC}{{context="streaming",name=~{servers}}}) / 1000'
            f" > {number(s.cdc_lag)}", 300,
            "CDC connector {{ $labels.name }} is behind its database",
            f"Debezium processes the changes {{{{ $value | humanizeDuration }}}} after their commit "
            f"(allowed: {format_duration(s.cdc_lag)}).",
        ))  # fmt: skip
    if s.flink:
        job = f"job_name=~{prefix_re(s.job_prefix)}"
        out += [
            Alert(ALERTS.checkpoint_failing, "critical",
                  f"increase(flink_jobmanager_job_numberOfFailedCheckpoints{{{job}}}[10m]) > 0", 0,
                  "Flink job {{ $labels.job_name }}: checkpoints are failing",
                  "{{ $value }} checkpoint(s) failed in the last 10 minutes: the job cannot commit its output."),
            Alert(ALERTS.backpressured, "warning",
                  f"max by (job_name, task_name) (flink_taskmanager_job_task_backPressuredTimeMsPerSecond{{{job}}})"
                  f" > {BACKPRESSURE_MS}", 600,
                  "Flink job {{ $labels.job_name }}: {{ $labels.task_name }} is back-pressured",
                  "The task is back-pressured {{ $value }} ms of every second: a downstream operator or sink is "
                  "too slow."),
        ]  # fmt: skip
    return out


def groups(s: Scope) -> dict[str, Any]:
    """The rule file: {groups: [recording, alerts]} (groups without rules left out)."""
    out = []
    record = recording(s)
    if record:
        out.append({"name": f"{s.pipeline}.recording", "rules": record})
    alert_rules = [a.rule() for a in alerts(s)]
    if alert_rules:
        out.append({"name": f"{s.pipeline}.alerts", "rules": alert_rules})
    return {"groups": out}
