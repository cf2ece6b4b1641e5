"""Cloud Monitoring alert policies (GCP) for the alerts of alerts.py: one policy per alert, severity
and table, its condition the alert's PromQL (Google Cloud Managed Service for Prometheus holds the
metrics the generated code and the Kafka exporter expose), `alert_rule` the alert's name, its labels
`severity` (and `table`), its documentation the runbook link; an email notification channel per
`orchestration.on_failure` address, which every policy notifies."""

from __future__ import annotations

from pipegen.generators.terraform.alerts import CloudAlert, alert_emails, cloud_alerts, emails_vars
from pipegen.generators.terraform.hcl import Attr, Block, Ref, block
from pipegen.generators.terraform.model import Infra, Var

EVALUATION = "60s"
SEVERITY = {"critical": "CRITICAL", "warning": "WARNING"}  # the policy's severity (CRITICAL, ERROR, WARNING)
CHANNELS = Ref("[for c in google_monitoring_notification_channel.email : c.id]")


def _seconds(value: float) -> str:
    return f"{int(value)}s"


def policy(a: CloudAlert, channels: bool) -> Block:
    name = f"{a.alert} {a.severity}" + (f" {a.table}" if a.table else "")
    return block("resource", "google_monitoring_alert_policy", a.key, body=[
        Attr("display_name", Ref(f'"${{var.name_prefix}}: {name}"')), Attr("combiner", "OR"),
        Attr("severity", SEVERITY[a.severity]), Attr("enabled", True),
        Attr("notification_channels", CHANNELS if channels else []),
        Attr("user_labels", Ref("var.tags")),
        block("conditions", body=[
            Attr("display_name", f"{a.alert}: {a.fires_when}"),
            block("condition_prometheus_query_language", body=[
                Attr("query", a.query), Attr("duration", _seconds(a.for_seconds)),
                Attr("evaluation_interval", EVALUATION), Attr("alert_rule", a.alert), Attr("labels", a.labels)])]),
        block("documentation", body=[
            Attr("subject", f"{a.alert} ({a.severity})"), Attr("content", a.description),
            Attr("mime_type", "text/markdown")]),
    ])  # fmt: skip


def channels() -> Block:
    return block("resource", "google_monitoring_notification_channel", "email", body=[
        Attr("for_each", Ref("toset(var.alert_emails)")),
        Attr("display_name", Ref('"${var.name_prefix}: ${each.value}"')), Attr("type", "email"),
        Attr("labels", {"email_address": Ref("each.value")}), Attr("user_labels", Ref("var.tags"))])  # fmt: skip


def alerting(inf: Infra) -> tuple[Block, ...]:
    """The alert file's blocks (empty: monitoring is off or nothing to alert on)."""
    alerts = cloud_alerts(inf)
    if not alerts:
        return ()
    mails = bool(alert_emails(inf))
    return (*((channels(),) if mails else ()), *(policy(a, mails) for a in alerts))


def variables(inf: Infra) -> tuple[Var, ...]:
    return emails_vars(inf, "Addresses the alert policies mail (on_failure emails): one channel each.")


__all__ = ["alerting", "variables"]
