"""What every cloud's data-generator runtime shares (issue 21): the Faker streams a root runs a generator for (the
cloud's managed Kafka cluster is the project's cluster: the cloud without `deploy.kubernetes`), and the image they
run from (`generator_image`, tfvars `<pipeline>-generator:<environment>`, built from `requirements-generator.txt`
and the project's `pipeline/`). Each cloud's runtime: azure_generators.py (Container Instances),
aws_generators.py (ECS Fargate), gcp_generators.py (a Cloud Run worker pool)."""

from __future__ import annotations

from pipegen.common.faker_streams import FakerStream, hosted_streams
from pipegen.generators.terraform.hcl import quote
from pipegen.generators.terraform.model import Infra, Var
from pipegen.plan.idents import dns_name
from pipegen.plan.stream_generators import GeneratorHost
from pipegen.spec.model import Cloud

IMAGE_RE = "^[a-z0-9][a-z0-9._/:@-]{0,254}$"  # a lowercase image reference, no whitespace
COMMAND = ("python", "-m", "pipeline.stream_generator", "--table")  # then the stream's config table
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"  # what pipeline/stream_generator.py reads


def streams_on(inf: Infra, cloud: Cloud) -> tuple[FakerStream, ...]:
    """The Faker streams the root of `cloud` runs a generator for (plan/stream_generators.py `generator_host`: the
    cloud's, without `deploy.kubernetes`): their topics are on this root's managed cluster."""
    if not inf.stream or inf.ctx.spec.cloud != cloud:
        return ()
    return hosted_streams(inf.ctx, GeneratorHost.CLOUD)


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
