"""What every cloud's data-generator runtime shares (issue 21): the Faker streams a root runs a generator for (the
cloud's managed Kafka cluster is the project's cluster: the cloud without `deploy.kubernetes`), and the image they
run from (`generator_image`, tfvars `<pipeline>-generator:<environment>`, built from `requirements-generator.txt`
and the project's `pipeline/`). Each cloud's runtime: azure_generators.py (Container Instances),
aws_generators.py (ECS Fargate), gcp_generators.py (a Cloud Run worker pool)."""

from __future__ import annotations

from pipegen.common.faker_streams import FakerStream, faker_streams
from pipegen.generators.terraform.hcl import quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.idents import dns_name
from pipegen.spec.catalog import managed_kafka_cloud
from pipegen.spec.model import Cloud

IMAGE_RE = "^[a-z0-9][a-z0-9._/:@-]{0,254}$"  # a lowercase image reference, no whitespace
COMMAND = ("python", "-m", "pipeline.stream_generator", "--table")  # then the stream's config table
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"  # what pipeline/stream_generator.py reads


def streams_on(inf: Infra, cloud: Cloud) -> tuple[FakerStream, ...]:
    """The Faker streams the root of `cloud` runs a generator for: their topics are on this root's managed
    cluster (the cloud's, without `deploy.kubernetes`)."""
    spec = inf.ctx.spec
    if not inf.stream or managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled) != cloud:
        return ()
    return faker_streams(spec, inf.ctx.plan)


def image_variables(streams: tuple[FakerStream, ...], example: str) -> tuple[Var, ...]:
    if not streams:
        return ()
    cond = f"can(regex({quote(IMAGE_RE)}, var.generator_image))"
    message = f"generator_image: a lowercase image reference, e.g. {example}."
    description = "Image of the stream generators (requirements-generator.txt, pipeline/)."
    return (Var("generator_image", "string", description, ((cond, message),)),)


def image_values(inf: Infra, streams: tuple[FakerStream, ...], environment: str) -> list[tuple[str, str]]:
    if not streams:
        return []
    return [("generator_image", f"{dns_name(inf.spec_name.replace('_', '-'))}-generator:{environment}")]


def command(stream: FakerStream) -> list[str]:
    return [*COMMAND, stream.table]


__all__ = ["BOOTSTRAP_ENV", "COMMAND", "IMAGE_RE", "command", "image_values", "image_variables", "streams_on"]
