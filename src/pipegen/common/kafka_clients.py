"""The batch run's clients of the project's Kafka cluster (Strimzi), as data both the kafka family
(their KafkaUser and ACLs) and the kubernetes family (the batch workload's sign-in) read, so the two
never disagree:

- the production batch reader of Kafka topics (the ingestion family's pipeline/topics.py): the JSON
  topics on the project's cluster of every Kafka source a batch layer lands, each read with the naming
  layer's consumer group `<topic>.ingest` (`topic_reads`);
- the quality step's event producer (the gx family's publisher, `quality.events.sink: kafka`:
  `publishes_events`).

Both run in the batch workload's one process environment and read the same `KAFKA_SSL_*_LOCATION`
PEM files, so the workload signs in as one KafkaUser (`batch_user`). On a managed cloud's cluster (aws, gcp,
azure without `deploy.kubernetes`) both sign in with their workload's own cloud identity instead
(pipeline/kafka_sign_in.py `sign_in`): the reader as the ingest workload (`managed_topic_reads`), the publisher
as the workload that runs the quality step, the transform workload (`managed_events_publisher`); the terraform
family grants each exactly that."""

from __future__ import annotations

from pipegen.generators.base import GenContext
from pipegen.plan.components import Kind
from pipegen.plan.names import ENV, DatasetNames
from pipegen.spec.catalog import batch_reads_topics, managed_kafka_cloud, on_project_cluster
from pipegen.spec.model import Cloud, EventSink

# the package each managed cloud's token callback imports (pipeline/kafka_sign_in.py `SIGN_INS`), pinned in the
# generated project's requirements where a client signs in there (pip download checked each on PyPI)
SIGN_IN_PINS: dict[Cloud, str] = {
    Cloud.AWS: "aws-msk-iam-sasl-signer-python==1.0.2",
    Cloud.GCP: "google-auth==2.63.1",
    Cloud.AZURE: "azure-identity==1.27.0",
}
# the cloud workload (terraform's identity) that runs the quality step and so publishes its validation events:
# the transform step's, which already reads the quality step's notification secrets (terraform common.py)
EVENTS_PUBLISHER = "transform"


def topic_reads(ctx: GenContext) -> tuple[DatasetNames, ...]:
    """The datasets whose topic (`read_topic`) and consumer group (`ingest_group`) the generated batch
    reader uses on the project's cluster, in spec order; none without the ingestion family."""
    if "ingestion" not in ctx.families or ctx.plan.names.kafka is None:
        return ()
    out: list[DatasetNames] = []
    for i in ctx.plan.graph.batch_sources:
        source = ctx.spec.sources[i]
        if batch_reads_topics(source) and on_project_cluster(source):
            out += [ctx.plan.names.dataset(source.name, t.name) for t in source.topics]
    return tuple(out)


def managed_topic_reads(ctx: GenContext) -> tuple[DatasetNames, ...]:
    """The batch reader's topic reads where it signs in to the cloud's managed cluster as the ingest workload's
    own identity (aws, gcp, azure without `deploy.kubernetes`): what the terraform family grants that identity
    (on AWS exactly these topics and groups); none elsewhere."""
    spec = ctx.spec
    return topic_reads(ctx) if managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled) else ()


def publishes_events(ctx: GenContext) -> bool:
    """The quality step produces its validation events to the project's cluster."""
    return ctx.plan.names.kafka is not None and "gx" in ctx.families and ctx.spec.quality.events.sink == EventSink.KAFKA


def managed_events_publisher(ctx: GenContext) -> Cloud | None:
    """The managed cloud whose cluster the quality step's publisher signs in to with the transform workload's
    own identity (`EVENTS_PUBLISHER`): where it publishes to the project's cluster on aws, gcp or azure
    without `deploy.kubernetes` and the plan has Kafka topics (the terraform family creates the managed cluster
    for them); else none (without topics no cluster exists: validate warns, R474)."""
    spec = ctx.spec
    if not publishes_events(ctx) or Kind.KAFKA_TOPICS not in ctx.plan.graph.kinds:
        return None
    return managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled)


def batch_user(ctx: GenContext) -> str | None:
    """The KafkaUser the batch workload signs in as: the ingest user where the batch reader reads the
    project's cluster (its ACLs then also hold the event producer's), else the quality user where the
    quality step publishes there, else none."""
    kafka = ctx.plan.names.kafka
    if kafka is None:
        return None
    if topic_reads(ctx):
        return str(kafka.ingest_user)
    return str(kafka.quality_user) if publishes_events(ctx) else None


def sign_in_env() -> tuple[tuple[str, str], ...]:
    """(variable, use) of what pipeline/kafka_sign_in.py reads itself: MSK IAM's region when the broker's
    host names none (the AWS SDK's names), for `.env.example`."""
    c, use = ENV.connectors, "pipeline/kafka_sign_in.py: MSK IAM's region when the broker's host names none"
    return (c.aws_region, use + " (the AWS SDK's name)"), (c.aws_default_region, use + ", when AWS_REGION is unset")
