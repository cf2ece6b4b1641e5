"""The data generators' runtime on AWS (issue 21): where a Faker source streams into the project's MSK cluster
(common/faker_streams.py; the synthetic family writes `pipeline/stream_generator.py`), `generators.tf` runs one
ECS Fargate service per streamed table (desired count 1, the smallest Fargate task: 0.25 vCPU and 0.5 GB;
restarted by ECS, the stream is endless) in one cluster (`<prefix>-generators`, Container Insights on), from the
image `generator_image` (stream_generators.py). The tasks sign in to MSK with IAM, as pipeline/kafka_sign_in.py
signs in today: their task role (`<prefix>-generator`) may connect, write idempotently and describe and write
exactly the topics of its streams (no read, no group, no other topic); the execution role (a separate one, for
pulling the image and writing the logs) holds the AWS-managed ECS task execution policy. Their environment names
the brokers (`bootstrap_brokers_sasl_iam`) and the region: no key, no password, so no secret is read. They run in
the brokers' subnets, with no public IP, in a security group of their own that may reach the brokers' IAM port
and HTTPS (the image registry, the logs) only; the brokers' group admits it on 9098. Logs go to a CloudWatch log
group of their own (a year's retention, encrypted with the module's key)."""

from __future__ import annotations

import json

from pipegen.common.faker_streams import FakerStream
from pipegen.generators.terraform.aws_policy import statement
from pipegen.generators.terraform.aws_spark import msk_arn
from pipegen.generators.terraform.hcl import Attr, Block, Ref, block, quote
from pipegen.generators.terraform.model import Cost, Infra, Var
from pipegen.generators.terraform.stream_generators import (
    BOOTSTRAP_ENV,
    command,
    image_values,
    image_variables,
    streams_on,
)
from pipegen.plan.idents import dns_name
from pipegen.spec.model import Cloud

CPU, MEMORY_MB = 256, 512  # per generator task (Fargate's smallest: 0.25 vCPU, 0.5 GB)
LOG_DAYS = 365
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
BOOTSTRAP = "${aws_msk_cluster.kafka.bootstrap_brokers_sasl_iam}"  # put into the task's JSON as an interpolation
# Fargate list prices assumed for eu-central-1 (Linux/x86): per vCPU-hour and GB-hour
PRICES = {"vcpu": 0.04656 * 730, "gb": 0.00511 * 730}


def generators(inf: Infra) -> tuple[FakerStream, ...]:
    return streams_on(inf, Cloud.AWS)


def variables(inf: Infra) -> tuple[Var, ...]:
    return image_variables(generators(inf), "123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop-generator:dev")


def values(inf: Infra, environment: str) -> list[tuple[str, str]]:
    return image_values(inf, generators(inf), environment)


def _tags() -> Attr:
    return Attr("tags", Ref("var.tags"))


def _containers(stream: FakerStream) -> Ref:
    """The task's container definitions, a JSON string (the brokers interpolated into it)."""
    marker = "@BOOTSTRAP@"
    definition = [{
        "name": str(dns_name(stream.name)), "image": "@IMAGE@", "essential": True, "command": command(stream),
        "user": "10001", "readonlyRootFilesystem": True, "privileged": False,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
        "environment": [{"name": BOOTSTRAP_ENV, "value": marker}, {"name": "AWS_REGION", "value": "@REGION@"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "@LOGS@", "awslogs-region": "@REGION@", "awslogs-stream-prefix": stream.table}},
    }]  # fmt: skip
    text = quote(json.dumps(definition, separators=(",", ":")))
    for key, ref in (("@BOOTSTRAP@", BOOTSTRAP), ("@IMAGE@", "${var.generator_image}"), ("@REGION@", "${var.region}"),
                     ("@LOGS@", "${aws_cloudwatch_log_group.generators.name}")):  # fmt: skip
        text = text.replace(key, ref)
    return Ref(text)


def _service(stream: FakerStream) -> tuple[Block, Block]:
    label = stream.table  # `<source>__<table>`: an identifier
    task = block("resource", "aws_ecs_task_definition", label, body=[
        Attr("family", Ref(f'"${{var.name_prefix}}-{dns_name(stream.name)}"')),
        Attr("requires_compatibilities", ["FARGATE"]), Attr("network_mode", "awsvpc"),
        Attr("cpu", str(CPU)), Attr("memory", str(MEMORY_MB)),
        Attr("task_role_arn", Ref("aws_iam_role.generator.arn")),
        Attr("execution_role_arn", Ref("aws_iam_role.generator_execution.arn")),
        Attr("container_definitions", _containers(stream)),
        block("runtime_platform", body=[Attr("operating_system_family", "LINUX"),
                                        Attr("cpu_architecture", "X86_64")]),
        _tags()])  # fmt: skip
    service = block("resource", "aws_ecs_service", label, body=[
        Attr("name", Ref(f'"${{var.name_prefix}}-{dns_name(stream.name)}"')),
        Attr("cluster", Ref("aws_ecs_cluster.generators.id")),
        Attr("task_definition", Ref(f"aws_ecs_task_definition.{label}.arn")),
        Attr("desired_count", 1), Attr("launch_type", "FARGATE"), Attr("platform_version", "LATEST"),
        block("network_configuration", body=[
            Attr("subnets", Ref("var.subnet_ids")), Attr("security_groups", [Ref("aws_security_group.generators.id")]),
            Attr("assign_public_ip", False)]),
        _tags()])  # fmt: skip
    return task, service


def _roles(streams: tuple[FakerStream, ...]) -> list[Block]:
    topics = tuple(dict.fromkeys(s.topic for s in streams))
    trust = block(
        "data",
        "aws_iam_policy_document",
        "generator_trust",
        body=[
            block(
                "statement",
                body=[
                    Attr("actions", ["sts:AssumeRole"]),
                    block(
                        "principals", body=[Attr("type", "Service"), Attr("identifiers", ["ecs-tasks.amazonaws.com"])]
                    ),
                ],
            )
        ],
    )
    cluster = Ref("aws_msk_cluster.kafka.arn")
    return [
        trust,
        block("resource", "aws_iam_role", "generator", body=[
            Attr("name", Ref('"${var.name_prefix}-generator"')),
            Attr("assume_role_policy", Ref("data.aws_iam_policy_document.generator_trust.json")), _tags()]),
        block("data", "aws_iam_policy_document", "generator", body=[
            statement("KafkaConnect", ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], [cluster]),
            statement("KafkaWriteTopics", ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                      [msk_arn("topic", t) for t in topics])]),
        block("resource", "aws_iam_role_policy", "generator", body=[
            Attr("name", "write-its-topics"), Attr("role", Ref("aws_iam_role.generator.id")),
            Attr("policy", Ref("data.aws_iam_policy_document.generator.json"))]),
        block("resource", "aws_iam_role", "generator_execution", body=[
            Attr("name", Ref('"${var.name_prefix}-generator-execution"')),
            Attr("assume_role_policy", Ref("data.aws_iam_policy_document.generator_trust.json")), _tags()]),
        block("resource", "aws_iam_role_policy_attachment", "generator_execution", body=[
            Attr("role", Ref("aws_iam_role.generator_execution.name")), Attr("policy_arn", EXECUTION_POLICY)]),
    ]  # fmt: skip


def _network() -> list[Block]:
    group = Ref("aws_security_group.generators.id")
    return [
        block("resource", "aws_security_group", "generators", body=[
            Attr("name", Ref('"${var.name_prefix}-generators"')),
            Attr("description", "Stream generators: send to the MSK brokers, pull their image, write their logs"),
            Attr("vpc_id", Ref("var.vpc_id")), _tags()]),
        block("resource", "aws_vpc_security_group_egress_rule", "generators_kafka", body=[
            Attr("security_group_id", group), Attr("description", "Kafka over TLS with IAM authentication"),
            Attr("referenced_security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("ip_protocol", "tcp"), Attr("from_port", 9098), Attr("to_port", 9098)]),
        block("resource", "aws_vpc_security_group_egress_rule", "generators_https", body=[
            Attr("security_group_id", group), Attr("description", "HTTPS: the image registry and CloudWatch Logs"),
            Attr("cidr_ipv4", "0.0.0.0/0"), Attr("ip_protocol", "tcp"), Attr("from_port", 443),
            Attr("to_port", 443)]),
        block("resource", "aws_vpc_security_group_ingress_rule", "kafka_generators", body=[
            Attr("security_group_id", Ref("aws_security_group.kafka.id")),
            Attr("description", "Kafka over TLS with IAM authentication, from the stream generators"),
            Attr("referenced_security_group_id", group),
            Attr("ip_protocol", "tcp"), Attr("from_port", 9098), Attr("to_port", 9098)]),
    ]  # fmt: skip


def blocks(inf: Infra) -> tuple[Block, ...]:
    """generators.tf: the roles, the network, the log group, the cluster, a task definition and service per stream."""
    streams = generators(inf)
    if not streams:
        return ()
    services = [b for s in streams for b in _service(s)]
    return (
        *_roles(streams),
        *_network(),
        block("resource", "aws_cloudwatch_log_group", "generators", body=[
            Attr("name", Ref('"/ecs/${var.name_prefix}-generators"')), Attr("retention_in_days", LOG_DAYS),
            Attr("kms_key_id", Ref("aws_kms_key.data.arn")), _tags()]),
        block("resource", "aws_ecs_cluster", "generators", body=[
            Attr("name", Ref('"${var.name_prefix}-generators"')),
            block("setting", body=[Attr("name", "containerInsights"), Attr("value", "enabled")]), _tags()]),
        *services,
    )  # fmt: skip


def costs(inf: Infra) -> list[Cost]:
    n = len(generators(inf))
    if not n:
        return []
    return [
        Cost("Fargate, stream generators (Linux/x86, always on)", n * CPU / 1024, "vCPU-month", PRICES["vcpu"]),
        Cost("Fargate, stream generators' memory", n * MEMORY_MB / 1024, "GB-month", PRICES["gb"]),
    ]


__all__ = ["blocks", "costs", "generators", "values", "variables"]
