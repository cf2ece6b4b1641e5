"""CloudWatch alarms (AWS) for the alerts the monitoring family writes as Prometheus rules: the same
names, severities, thresholds and runbook sections (plan/alerting.py), an encrypted SNS topic they
notify. Each alarm's name is `<prefix>-<alert>-<severity>[-<table>]`, its tags carry `alert` and
`severity`, its description the runbook link.

Where the metrics come from (docs/terraform.md): the generated code's `pipegen_*` metrics reach
CloudWatch through the CloudWatch agent's Prometheus scrape (namespace `pipegen/<prefix>`, the
dimensions METRIC_DIMENSIONS names; counters arrive as deltas); consumer lag is MSK's own
`EstimatedMaxTimeLag` (AWS/Kafka), read with a Metrics Insights query over the cluster's groups.

- freshness, per watched table and severity: `EPOCH(newest) - newest`, the age of the newest row
  (pipegen_table_newest_row_timestamp_seconds), above the table's threshold; no data is breaching
- failure rate: failed / all step runs over a day above `monitoring.alerts.failure_rate`
- dead letters: rows rejected in the last hour above 0
- consumer lag (MSK): the largest estimated time lag of any group, over `monitoring.alerts.consumer_lag`
"""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.generators.terraform.alerts import alert_emails
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, Value, block
from pipegen.generators.terraform.model import Infra
from pipegen.plan.alerting import ALERTS, WARNING, consumer_lag, runbook_url, watched
from pipegen.spec.types import format_duration

NAMESPACE = '"pipegen/${var.name_prefix}"'  # the CloudWatch agent's `metric_namespace`
FRESHNESS_PERIOD = 300
# metric -> the dimensions the CloudWatch agent's metric_declaration publishes it with
METRIC_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "pipegen_table_newest_row_timestamp_seconds": ("pipeline", "table"),
    "pipegen_step_runs_total": ("pipeline", "outcome"),
    "pipegen_rows_rejected_total": ("pipeline",),
}
# an HCL string (written here, never spec text): Metrics Insights over every group of the cluster
MSK_LAG = Ref(
    '"SELECT MAX(EstimatedMaxTimeLag) FROM SCHEMA(\\"AWS/Kafka\\", \\"Cluster Name\\", \\"Consumer Group\\", Topic) '
    'WHERE \\"Cluster Name\\" = \'${var.kafka_cluster_name}\'"'
)


@dataclass(frozen=True)
class Alarm:
    """One alarm as the docs list it."""

    alert: str
    severity: str
    what: str  # the table, or "" for a pipeline-wide alarm
    threshold: str  # as a person reads it


def _metric(name: str, period: int, stat: str, dimensions: dict[str, Value]) -> Block:
    assert set(dimensions) == set(METRIC_DIMENSIONS[name]), name
    return block("metric", body=[Attr("namespace", Ref(NAMESPACE)), Attr("metric_name", name), Attr("period", period),
                                 Attr("stat", stat), Attr("dimensions", dimensions)])  # fmt: skip


def _query(id_: str, *, metric: Block | None = None, expression: Value | None = None, label: str | None = None,
           period: int | None = None) -> Block:  # fmt: skip
    body: list[Item | None] = [Attr("id", id_)]
    if expression is not None:
        body += [Attr("expression", expression), Attr("label", label) if label else None,
                 Attr("period", period) if period else None, Attr("return_data", True)]  # fmt: skip
    else:
        body += [Attr("return_data", False), metric]
    return block("metric_query", body=body)


def _actions() -> list[Item | None]:
    topic = [Ref("aws_sns_topic.alerts.arn")]
    return [Attr("actions_enabled", True), Attr("alarm_actions", topic), Attr("ok_actions", topic)]


def _tags(alert: str, severity: Value) -> Attr:
    return Attr("tags", Ref(f'merge(var.tags, {{ alert = "{alert}", severity = {_expr(severity)} }})'))


def _num(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds


def _expr(value: Value) -> str:
    return value.expr if isinstance(value, Ref) else f'"{value}"'


def _alarm(label: str, alert: str, severity: str, description: str, threshold: int | float, periods: int,
           missing: str, queries: list[Block]) -> Block:  # fmt: skip
    return block("resource", "aws_cloudwatch_metric_alarm", label, body=[
        Attr("alarm_name", Ref(f'"${{var.name_prefix}}-{alert}-{severity}"')),
        Attr("alarm_description", f"{description} Runbook: {runbook_url(alert)}"),
        Attr("comparison_operator", "GreaterThanThreshold"), Attr("threshold", threshold),
        Attr("evaluation_periods", periods), Attr("treat_missing_data", missing), *_actions(),
        _tags(alert, severity), *queries])  # fmt: skip


def _stale(inf: Infra) -> tuple[list[Block], list[Alarm]]:
    pipeline = str(inf.ctx.plan.names.pipeline)
    levels: dict[str, Value] = {}
    listed = []
    for t in watched(inf.ctx.spec, inf.ctx.plan):
        if t.column is None:
            continue
        for severity, age in t.stale_after:
            levels[f"{t.table}:{severity}"] = {
                "table": t.table, "severity": severity, "seconds": _num(age),
                "description": f"The newest row of {t.table} ({t.column}) is older than {format_duration(age)}. "
                               f"Runbook: {runbook_url(ALERTS.table_stale)}",
            }  # fmt: skip
            listed.append(Alarm(ALERTS.table_stale, severity, t.table, f"newest row older than {format_duration(age)}"))
    if not levels:
        return [], []
    newest = _metric("pipegen_table_newest_row_timestamp_seconds", FRESHNESS_PERIOD, "Maximum",
                     {"pipeline": pipeline, "table": Ref("each.value.table")})  # fmt: skip
    alarm = block("resource", "aws_cloudwatch_metric_alarm", "table_stale", body=[
        Attr("for_each", Ref("local.stale_alarms")),
        Attr("alarm_name", Ref(f'"${{var.name_prefix}}-{ALERTS.table_stale}-${{each.value.severity}}-'
                               '${each.value.table}"')),
        Attr("alarm_description", Ref("each.value.description")),
        Attr("comparison_operator", "GreaterThanThreshold"), Attr("threshold", Ref("each.value.seconds")),
        Attr("evaluation_periods", 1), Attr("treat_missing_data", "breaching"), *_actions(),
        _tags(ALERTS.table_stale, Ref("each.value.severity")),
        _query("newest", metric=newest),
        _query("age", expression="EPOCH(newest) - newest", label="age of the newest row, seconds"),
    ])  # fmt: skip
    return [block("locals", body=[Attr("stale_alarms", levels)]), alarm], listed


def _batch(inf: Infra) -> tuple[list[Block], list[Alarm]]:
    pipeline = str(inf.ctx.plan.names.pipeline)
    rate = inf.ctx.spec.monitoring.alerts.failure_rate
    runs = [_query(f"runs_{outcome}", metric=_metric("pipegen_step_runs_total", 86400, "Sum",
                                                     {"pipeline": pipeline, "outcome": outcome}))
            for outcome in ("failure", "success")]  # fmt: skip
    ratio = _query("failure_ratio", expression="runs_failure / (runs_failure + FILL(runs_success, 0))",
                   label="share of the day's step runs that failed")  # fmt: skip
    rejected = _metric("pipegen_rows_rejected_total", 3600, "Sum", {"pipeline": pipeline})
    blocks = [
        _alarm("failure_rate", ALERTS.failure_rate, WARNING,
               f"More than {rate:g} of the day's step runs of {pipeline} failed.", rate, 1, "notBreaching",
               [*runs, ratio]),
        _alarm("dead_letters", ALERTS.dead_letters, WARNING,
               f"Rows of {pipeline} went to a dead-letter table in the last hour.", 0, 1, "notBreaching",
               [_query("rejected", metric=rejected),
                _query("rejected_rows", expression="FILL(rejected, 0)", label="rows rejected in the hour")]),
    ]  # fmt: skip
    listed = [Alarm(ALERTS.failure_rate, WARNING, "", f"more than {rate:g} of a day's step runs failed"),
              Alarm(ALERTS.dead_letters, WARNING, "", "any row rejected in an hour")]  # fmt: skip
    return blocks, listed


def _lag(inf: Infra) -> tuple[list[Block], list[Alarm]]:
    lag = consumer_lag(inf.ctx.spec)
    alarm = _alarm("consumer_lag", ALERTS.consumer_lag, WARNING,
                   f"A consumer group of the MSK cluster is more than {format_duration(lag)} behind.", _num(lag), 2,
                   "notBreaching",
                   [_query("lag", expression=MSK_LAG,
                           label="largest estimated time lag, seconds", period=300)])  # fmt: skip
    return [alarm], [Alarm(ALERTS.consumer_lag, WARNING, "", f"a group more than {format_duration(lag)} behind")]


def topic(inf: Infra) -> tuple[Block, ...]:
    out = [block("resource", "aws_sns_topic", "alerts", body=[
        Attr("name", Ref('"${var.name_prefix}-alerts"')), Attr("kms_master_key_id", Ref("aws_kms_key.data.arn")),
        Attr("tags", Ref("var.tags"))])]  # fmt: skip
    if alert_emails(inf):  # each address confirms its subscription from the mail SNS sends
        out.append(block("resource", "aws_sns_topic_subscription", "email", body=[
            Attr("for_each", Ref("toset(var.alert_emails)")), Attr("topic_arn", Ref("aws_sns_topic.alerts.arn")),
            Attr("protocol", "email"), Attr("endpoint", Ref("each.value"))]))  # fmt: skip
    return tuple(out)


def alarms(inf: Infra) -> tuple[tuple[Block, ...], tuple[Alarm, ...]]:
    """The alarm file's blocks and the alarms as the docs list them (empty: monitoring is off)."""
    if not inf.ctx.spec.monitoring.prometheus:
        return (), ()
    blocks: list[Block] = []
    listed: list[Alarm] = []
    parts = []
    if inf.ctx.plan.graph.batch_sources:
        parts += [_stale(inf), _batch(inf)]
    if inf.stream:
        parts.append(_lag(inf))
    for b, a in parts:
        blocks += b
        listed += a
    if not blocks:
        return (), ()
    return (*topic(inf), *blocks), tuple(listed)


__all__ = ["METRIC_DIMENSIONS", "Alarm", "alarms", "alert_emails"]
