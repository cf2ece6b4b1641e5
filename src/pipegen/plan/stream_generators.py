"""Where the Faker streams' generators run (issue 21): the one decision every reader asks.

A Faker source that streams (`type: faker`, `ingestion: stream`) has its topics on the project's Kafka cluster,
and nothing but a generator writes them. The plan gives every such plan, whatever its architecture, the
component `Kind.STREAM_GENERATORS` (plan/components.py), and `generator_host` says where its generators run:

- `KUBERNETES` (`deploy.kubernetes`): the kustomize base's Deployments beside Strimzi, signed in as the kafka
  family's generator KafkaUser (the kubernetes and kafka families);
- `CLOUD` (`deploy.terraform` on aws, gcp or azure without Kubernetes): the Terraform root's container service
  beside the cloud's managed Kafka (ECS Fargate, a Cloud Run worker pool, Container Instances: the terraform
  family's {aws,gcp,azure}_generators.py), signed in as an identity of its own that may write only their topics;
- `LOCAL` (nothing deployed): the developer runs them, against compose.yaml's broker (the compose family's
  generator services) or any other, with `python -m pipeline.stream_generator`.

Whatever the host, compose.yaml's local stack runs them too (its broker is where its Flink session cluster reads),
and the synthetic family writes the generator itself (`pipeline/stream_generator.py`, its config and image
requirements). Validate warns about none of this: a streamed Faker source always has a writer."""

from __future__ import annotations

from enum import StrEnum

from pipegen.plan.components import Kind
from pipegen.spec.catalog import managed_kafka_cloud
from pipegen.spec.model import Spec


class GeneratorHost(StrEnum):
    """Where a plan's stream generators run once deployed."""

    KUBERNETES = "kubernetes"  # Deployments beside Strimzi (the kustomize base)
    CLOUD = "cloud"  # the Terraform root's container service beside the cloud's managed Kafka
    LOCAL = "local"  # nothing deployed: run by hand or by compose.yaml


def generator_host(spec: Spec, kinds: frozenset[str]) -> GeneratorHost | None:
    """Where the stream generators of a plan with these component kinds run; None: the plan has none."""
    if Kind.STREAM_GENERATORS not in kinds:
        return None
    if Kind.KUBERNETES_MANIFESTS in kinds:
        return GeneratorHost.KUBERNETES
    if Kind.CLOUD_INFRASTRUCTURE in kinds and managed_kafka_cloud(spec.cloud, kubernetes=False) is not None:
        return GeneratorHost.CLOUD
    return GeneratorHost.LOCAL


__all__ = ["GeneratorHost", "generator_host"]
