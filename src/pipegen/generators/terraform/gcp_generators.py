"""The data generators' runtime on GCP (issue 21): where a Faker source streams into the project's Managed Kafka
cluster (common/faker_streams.py; the synthetic family writes `pipeline/stream_generator.py`), `generators.tf` runs
them in one Cloud Run worker pool (`<prefix>-generators`; google 6.50's `google_cloud_run_v2_worker_pool`: an
always-on instance with no request to serve, no port, no URL, the cheapest Cloud Run shape for a long-lived
producer), scaled manually to one instance, one container per streamed table (1 vCPU, the least an always-on
Cloud Run container takes, and 512 MiB each), from the image `generator_image` (stream_generators.py). The pool
reaches the cluster by Direct VPC egress into the cluster's subnet (`kafka_subnet`, private ranges only) and runs
as its own service account (`<prefix>-generator`, the naming layer's identity), which is a Managed Kafka client
(`roles/managedkafka.client`: Managed Kafka authorizes its data plane per cluster in IAM, as for the other
clients, so the account may connect to the cluster's topics; google 6.50 has no IAM resource on one topic) and
nothing else (no bucket, no key, no secret). The containers' environment names the bootstrap address only: the
generator signs in with Google's access token of that account (pipeline/kafka_sign_in.py); no secret is read."""

from __future__ import annotations

from pipegen.common.faker_streams import FakerStream
from pipegen.generators.terraform.hcl import Attr, Block, Item, Ref, block
from pipegen.generators.terraform.model import Cost, Infra, Var
from pipegen.generators.terraform.stream_generators import (
    BOOTSTRAP_ENV,
    command,
    image_values,
    image_variables,
    streams_on,
)
from pipegen.plan.cloudnames import CloudNames
from pipegen.plan.idents import dns_name
from pipegen.spec.model import Cloud

CPU, MEMORY = "1", "512Mi"  # per generator container
CPU_N, MEMORY_GIB = 1.0, 0.5
ACCOUNT = "generator"  # the naming layer's workload (plan/cloudnames.py WORKLOADS)
BOOTSTRAP = '"bootstrap.${var.kafka_cluster_id}.${var.region}.managedkafka.${var.project}.cloud.goog:9092"'
# Cloud Run instance-based billing, tier 1 list prices: per vCPU-second and GiB-second
SECONDS_PER_MONTH = 730 * 3600
PRICES = {"vcpu": 0.000018 * SECONDS_PER_MONTH, "gib": 0.000002 * SECONDS_PER_MONTH}


def generators(inf: Infra) -> tuple[FakerStream, ...]:
    return streams_on(inf, Cloud.GCP)


def variables(inf: Infra) -> tuple[Var, ...]:
    if not generators(inf):
        return ()
    cond = 'can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.generator_account))'
    account = Var(
        "generator_account",
        "string",
        "Service account id of the stream generators.",
        ((cond, "generator_account: a service account id of 6-30 lowercase letters, digits and -."),),
    )
    return (*image_variables(generators(inf), "europe-docker.pkg.dev/acme/images/shop-generator:dev"), account)


def values(inf: Infra, names: CloudNames) -> list[tuple[str, str]]:
    if not generators(inf):
        return []
    return [*image_values(inf, generators(inf), str(names.environment)),
            ("generator_account", str(names.identity(ACCOUNT)))]  # fmt: skip


def _container(stream: FakerStream) -> Block:
    return block("containers", body=[
        Attr("name", str(dns_name(stream.name))), Attr("image", Ref("var.generator_image")),
        Attr("command", command(stream)),
        block("env", body=[Attr("name", BOOTSTRAP_ENV), Attr("value", Ref(BOOTSTRAP))]),
        block("resources", body=[Attr("limits", {"cpu": CPU, "memory": MEMORY})]),
    ])  # fmt: skip


def blocks(inf: Infra) -> tuple[Block, ...]:
    """generators.tf: the service account, its Managed Kafka client role, the worker pool."""
    streams = generators(inf)
    if not streams:
        return ()
    template: list[Item] = [
        Attr("service_account", Ref("google_service_account.generator.email")),
        Attr("labels", Ref("var.tags")),
        *(_container(s) for s in streams),
        block("vpc_access", body=[
            Attr("egress", "PRIVATE_RANGES_ONLY"),
            block("network_interfaces", body=[Attr("subnetwork", Ref("var.kafka_subnet"))])]),
    ]  # fmt: skip
    return (
        block("resource", "google_service_account", "generator", body=[
            Attr("account_id", Ref("var.generator_account")),
            Attr("display_name", Ref('"${var.name_prefix} stream generators"'))]),
        block("resource", "google_project_iam_member", "generator_kafka_client", body=[
            Attr("project", Ref("var.project")), Attr("role", "roles/managedkafka.client"),
            Attr("member", Ref('"serviceAccount:${google_service_account.generator.email}"'))]),
        block("resource", "google_cloud_run_v2_worker_pool", "generators", body=[
            Attr("name", Ref('"${var.name_prefix}-generators"')), Attr("location", Ref("var.region")),
            Attr("project", Ref("var.project")), Attr("launch_stage", "GA"), Attr("deletion_protection", False),
            Attr("labels", Ref("var.tags")),
            block("scaling", body=[Attr("scaling_mode", "MANUAL"), Attr("manual_instance_count", 1)]),
            block("template", body=template),
            Attr("depends_on", [Ref("google_project_iam_member.generator_kafka_client")])]),
    )  # fmt: skip


def costs(inf: Infra) -> list[Cost]:
    n = len(generators(inf))
    if not n:
        return []
    return [
        Cost("Cloud Run worker pool, stream generators (always on)", n * CPU_N, "vCPU-month", PRICES["vcpu"]),
        Cost("Cloud Run worker pool, stream generators' memory", n * MEMORY_GIB, "GiB-month", PRICES["gib"]),
    ]


__all__ = ["blocks", "costs", "generators", "values", "variables"]
