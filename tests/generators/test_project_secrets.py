"""Every secret reference reaches .env.example, including those of stream alerts and run notifications."""

from __future__ import annotations

from pipegen.generators.project.generator import secret_uses
from pipegen.spec.model import Spec
from tests.conftest import spec_data


def test_notification_secrets_outside_quality_are_listed() -> None:
    note = {"type": "slack", "channel": "#x", "webhook": "${secret:ALERT_HOOK}"}
    pager = {"type": "pagerduty", "routing_key": "${env:PD_KEY}"}
    spec = Spec.model_validate(
        spec_data(
            transforms={"streams": [{"name": "alerts", "from": "orders", "notify": [note]}]},
            orchestration={"on_failure": [pager], "on_success": [note]},
        )
    )
    assert [(u.kind, u.name, u.used_at) for u in secret_uses(spec)] == [
        ("secret", "ALERT_HOOK", "orchestration.on_success[0].webhook"),
        ("secret", "ALERT_HOOK", "transforms.streams.alerts.notify[0].webhook"),
        ("env", "PD_KEY", "orchestration.on_failure[0].routing_key"),
    ]
