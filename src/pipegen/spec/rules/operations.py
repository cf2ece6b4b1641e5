"""Quality, notifications and deployment environments."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import (
    Cloud,
    EventSink,
    LineageTransport,
    NotificationType,
    Spec,
)
from pipegen.spec.rules._common import suggest, with_article
from pipegen.spec.types import parse_secret_ref

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


# Container registries tied to one cloud: a host pattern, the registry's name, and the one cluster
# nodes of that cloud pull from with their own identity. A cluster on another cloud cannot pull
# from them without a pull secret refreshed by hand (ECR's tokens expire after 12 hours).
CLOUD_REGISTRIES: tuple[tuple[str, Cloud, str], ...] = (
    (r"^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(/|$)", Cloud.AWS, "Amazon ECR"),
    (r"^([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io)(/|$)", Cloud.GCP, "Google Artifact Registry"),
    (r"^[a-z0-9]+\.azurecr\.io(/|$)", Cloud.AZURE, "Azure Container Registry"),
)
OWN_REGISTRY = {Cloud.AWS: "Amazon ECR", Cloud.GCP: "Google Artifact Registry", Cloud.AZURE: "Azure Container Registry"}


def kubernetes_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """R421: an image tag for an environment the spec does not deploy to; R422: an image in one
    cloud's registry while the spec deploys to another cloud; R423 (warning): image settings with
    Kubernetes off."""
    k8s = spec.deploy.kubernetes
    known = list(spec.deploy.environments) or ["dev", "staging", "prod"]
    if not k8s.enabled:
        for key in ("image", "image_tags"):
            if getattr(k8s, key):
                yield Finding(
                    ("deploy", "kubernetes", key),
                    "R423",
                    f"`deploy.kubernetes.{key}` reaches no generated file: `deploy.kubernetes.enabled` is false",
                    "set `enabled: true` under deploy.kubernetes, or remove it",
                    severity="warning",
                    on_key=True,
                )
    for env in k8s.image_tags:
        if env not in known:
            yield Finding(
                ("deploy", "kubernetes", "image_tags", env),
                "R421",
                f"image tag for unknown environment '{env}': the overlays are {', '.join(known)}",
                suggest(env, known) or f"use one of: {', '.join(known)}, or add '{env}' under deploy.environments",
                on_key=True,
            )
    if k8s.image is None or spec.cloud == Cloud.LOCAL:
        return
    for pattern, cloud, registry in CLOUD_REGISTRIES:
        if cloud != spec.cloud and re.match(pattern, k8s.image):
            yield Finding(
                ("deploy", "kubernetes", "image"),
                "R422",
                f"the image is in {registry} ({cloud.value}), and `cloud` is {spec.cloud.value}: its clusters "
                f"pull from {OWN_REGISTRY[spec.cloud]} with their own identity",
                f"push the image to {OWN_REGISTRY[spec.cloud]} and name it here, or set `cloud: {cloud.value}`",
            )


def lineage_settings(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """`monitoring.lineage`: an http transport needs a backend URL (R444), a file transport reads
    neither `url` nor `api_key` (R445), and the events file stays inside the project (R446)."""
    lineage = spec.monitoring.lineage
    at = ("monitoring", "lineage")
    if lineage.transport == LineageTransport.HTTP and not lineage.url:
        yield Finding((*at, "transport"), "R444", "an http lineage transport needs the backend's `url`",
                      "add `url: http://marquez:5000` (or `${env:OPENLINEAGE_URL}`) under monitoring.lineage, "
                      "or use `transport: file`")  # fmt: skip
    url = lineage.url
    if url and parse_secret_ref(url) is None and not url.startswith(("http://", "https://")):
        yield Finding((*at, "url"), "R444", f"lineage url '{url}' is not an http:// or https:// URL",
                      "write the backend's base URL (http://marquez:5000) or an ${env:NAME} reference")  # fmt: skip
    if lineage.transport == LineageTransport.FILE:
        for key in ("url", "api_key"):
            if getattr(lineage, key) is not None:
                yield Finding(
                    (*at, key), "R445",
                    f"`monitoring.lineage.{key}` is read only by the http transport, and the transport is file",
                    "remove it, or set `transport: http`", severity="warning", on_key=True,
                )  # fmt: skip
    parts = lineage.path.split("/")
    if lineage.path.startswith("/") or ".." in parts:
        yield Finding((*at, "path"), "R446", f"lineage path '{lineage.path}' leaves the project",
                      "use a path relative to the project without `..`, e.g. lineage/events.jsonl")  # fmt: skip
