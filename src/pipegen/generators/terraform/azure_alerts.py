"""Azure Monitor alerts for the alerts of alerts.py: an Azure Monitor workspace (managed Prometheus:
the metrics the generated code and the Kafka exporter expose are scraped into it), one Prometheus
rule group evaluating every alert's PromQL there (one rule per alert, severity and table: its name the
alert's, labels `severity` (and `table`), annotations the description and runbook link, Azure's
severity 0 for critical and 2 for warning), and an action group mailing the `orchestration.on_failure`
addresses, which every rule notifies."""

from __future__ import annotations

from pipegen.generators.terraform.alerts import CloudAlert, alert_emails, cloud_alerts, emails_vars
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, block
from pipegen.generators.terraform.model import Infra, Var

SEVERITY = {"critical": 0, "warning": 2}  # Azure Monitor: 0 critical, 1 error, 2 warning, 3 informational
RESOLVE_AFTER = "PT10M"


def _duration(seconds: float) -> str:
    """ISO 8601, as Azure's `for` reads it (minutes; Prometheus rules here hold whole minutes)."""
    return f"PT{int(seconds // 60)}M"


def _common() -> list[Item]:
    return [Attr("location", Ref("azurerm_resource_group.main.location")),
            Attr("resource_group_name", Ref("azurerm_resource_group.main.name"))]  # fmt: skip


def rule(a: CloudAlert) -> Block:
    body: list[Item | None] = [
        Attr("alert", a.alert), Attr("enabled", True), Attr("expression", a.query),
        Attr("for", _duration(a.for_seconds)) if a.for_seconds else None, Attr("severity", SEVERITY[a.severity]),
        Attr("labels", a.labels), Attr("annotations", {"description": a.description, "runbook_url": a.runbook}),
        block("action", body=[Attr("action_group_id", Ref("azurerm_monitor_action_group.alerts.id"))]),
        block("alert_resolution", body=[Attr("auto_resolved", True), Attr("time_to_resolve", RESOLVE_AFTER)]),
    ]  # fmt: skip
    return block("rule", body=body)


def alerting(inf: Infra) -> tuple[Block, ...]:
    """The alert file's blocks (empty: monitoring is off or nothing to alert on)."""
    alerts = cloud_alerts(inf)
    if not alerts:
        return ()
    receivers: list[Item | None] = []
    if alert_emails(inf):
        receivers.append(block("dynamic", "email_receiver", body=[
            Attr("for_each", Ref("var.alert_emails")),
            block("content", body=[Attr("name", Ref('"mail-${email_receiver.key}"')),
                                   Attr("email_address", Ref("email_receiver.value")),
                                   Attr("use_common_alert_schema", True)])]))  # fmt: skip
    return (
        block("resource", "azurerm_monitor_workspace", "metrics", body=[
            Attr("name", Ref('"${var.name_prefix}-metrics"')), *_common(), Attr("tags", Ref("var.tags"))]),
        block("resource", "azurerm_monitor_action_group", "alerts", body=[
            Attr("name", Ref('"${var.name_prefix}-alerts"')), Attr("resource_group_name",
                                                                    Ref("azurerm_resource_group.main.name")),
            Attr("short_name", "pipegen"), Attr("location", "global"), Attr("tags", Ref("var.tags")), *receivers]),
        block("resource", "azurerm_monitor_alert_prometheus_rule_group", "alerts", body=[
            Attr("name", Ref('"${var.name_prefix}-alerts"')), *_common(),
            Attr("description", Ref('"${var.name_prefix}: the pipeline\'s alerts (monitoring/prometheus/rules.yml)"')),
            Attr("scopes", [Ref("azurerm_monitor_workspace.metrics.id")]), Attr("interval", "PT1M"),
            Attr("rule_group_enabled", True), Attr("tags", Ref("var.tags")), *(rule(a) for a in alerts)]),
    )  # fmt: skip


def variables(inf: Infra) -> tuple[Var, ...]:
    return emails_vars(inf, "Addresses the alerts' action group mails (on_failure emails).")


__all__ = ["alerting", "variables"]
