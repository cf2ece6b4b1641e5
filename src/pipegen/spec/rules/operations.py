"""Quality, notifications and deployment environments."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import (
    Cloud,
    EventSink,
    NotificationType,
    Spec,
)
from pipegen.spec.rules._common import suggest, with_article

_NOTIFY_NEEDS = {
    NotificationType.SLACK: ("webhook",),
    NotificationType.EMAIL: ("to",),
    NotificationType.PAGERDUTY: ("routing_key",),
    NotificationType.TEAMS: ("webhook",),
    NotificationType.WEBHOOK: ("webhook",),
}


def quality_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    events = spec.quality.events
    if events.sink == EventSink.KAFKA and not events.topic:
        yield Finding(
            ("quality", "events"),
            "R220",
            "validation events to kafka need a topic",
            "add `topic: <name>` under quality.events",
        )
    for ni, note in enumerate(spec.quality.notifications):
        for field in _NOTIFY_NEEDS[note.type]:
            if getattr(note, field) is None:
                yield Finding(
                    ("quality", "notifications", ni),
                    "R220",
                    f"{with_article(note.type.value)} notification needs `{field}`",
                    f"add `{field}:`",
                )


def environments(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    names = [t.name for t in spec.targets]
    for env, environment in spec.deploy.environments.items():
        for target in environment.targets:
            if target.lower() not in {n.lower() for n in names}:
                yield Finding(
                    ("deploy", "environments", env, "targets", target),
                    "R218",
                    f"environment '{env}' overrides unknown target '{target}'",
                    suggest(target, names) or f"targets: {', '.join(names)}",
                    on_key=True,
                )


def infrastructure(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Terraform describes a cloud's resources: `cloud: local` has none to describe."""
    if spec.deploy.terraform.enabled and spec.cloud == Cloud.LOCAL:
        yield Finding(
            ("deploy", "terraform", "enabled"),
            "R420",
            "Terraform infrastructure needs a cloud, and `cloud` is local",
            "set `cloud: aws`, `gcp` or `azure`, or remove `deploy.terraform` (Compose runs the local services)",
        )
