"""The data generators' deployed runtime (issue 21, seed 003): where a Faker source streams (`type: faker`,
`ingestion: stream`), nothing but a generator writes its topic on the project's cluster, so the synthetic
family ships one: `pipeline/stream_generator.py` (templates/synthetic/stream_generator.py, copied verbatim)
produces one table's events to its topic (`<pipeline>.<source>.<table>`, the topic the stream jobs read), as
records in the jobs' JSON format, paced at the table's `rows_per_day`, signed in as the cloud workload's own
identity on a managed cluster (pipeline/kafka_sign_in.py). Its config `pipeline/stream_generator.json` holds
the table model (common/synthetic_tables.py: the Faker sources' tables, so a stream's foreign keys name the
parents the batch layer's generator writes with the same seed) and one entry per streamed table; its own
requirements (`requirements-generator.txt`) are the image's the Terraform root runs it from (terraform
family, {aws,gcp,azure}_generators.py: a container per streamed table). Which plans have generators, and where
they run, is one decision (plan/stream_generators.py `generator_host`): every plan with a streamed Faker source,
whatever its architecture (Kappa alone too). Shared by the synthetic family (the files) and the families that run
them (terraform, kubernetes and kafka, compose), one floor below them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pipegen.common.kafka_clients import SIGN_IN_PINS
from pipegen.common.synthetic_tables import START, config_name, seed_and_locale, table_config
from pipegen.generators.base import GenContext
from pipegen.plan.plan import Plan
from pipegen.plan.stream_generators import GeneratorHost, generator_host
from pipegen.spec.catalog import generated_stream, managed_kafka_cloud
from pipegen.spec.index import index_of
from pipegen.spec.model import SourceType, Spec

SECONDS_PER_DAY = 86400
MIN_STALE_S = 300  # a generator's heartbeat is stale when older (or than three of its events' spacing)
# the generator image's requirements: the value generator's, the Kafka client's (requirements/judges/kafka.txt)
REQUIREMENTS = ("Faker==40.63.0", "pyarrow==26.0.1", "confluent-kafka==2.16.1")


@dataclass(frozen=True)
class FakerStream:
    table: str  # the config table (`<source>__<table>`)
    source: str
    dataset: str
    topic: str  # the topic the stream jobs read (the naming layer's `read_topic`)
    rate: float  # events per second: rows_per_day / 86400

    @property
    def stale_after(self) -> int:
        """Seconds after which the generator's heartbeat (PIPEGEN_HEARTBEAT) says it is stuck: five minutes, or
        three events' spacing at the table's rate where events are rarer (the health checks that read its age)."""
        return max(MIN_STALE_S, math.ceil(3 / self.rate))

    @property
    def name(self) -> str:
        """A DNS label naming the generator (its container): `<source>-<table>`, lowercase."""
        return "-".join(p.replace("_", "-") for p in (self.source, self.dataset)).lower()


def faker_streams(spec: Spec, plan: Plan) -> tuple[FakerStream, ...]:
    """Every Faker stream table (its topic on the project's cluster), in spec order, where the plan has stream
    generators (`generator_host`: any architecture with a streamed Faker source)."""
    if generator_host(spec, plan.graph.kinds) is None:
        return ()
    out: list[FakerStream] = []
    for source in spec.sources:
        if not generated_stream(source):
            continue
        for dataset in (*source.tables, *source.topics):
            names = plan.names.dataset(source.name, dataset.name)
            per_day = dataset.rows_per_day or SECONDS_PER_DAY
            out.append(FakerStream(config_name(source, dataset), source.name, dataset.name, str(names.read_topic),
                                   per_day / SECONDS_PER_DAY))  # fmt: skip
    return tuple(out)


def hosted_streams(ctx: GenContext, host: GeneratorHost) -> tuple[FakerStream, ...]:
    """The Faker streams whose generators run on `host` (plan/stream_generators.py `generator_host`), else none."""
    if generator_host(ctx.spec, ctx.plan.graph.kinds) != host:
        return ()
    return faker_streams(ctx.spec, ctx.plan)


def cluster_streams(ctx: GenContext) -> tuple[FakerStream, ...]:
    """The Faker streams the kubernetes family runs a generator for, beside the project's Strimzi cluster (the
    kafka family's, under `deploy.kubernetes`): one Deployment each, signed in as the kafka family's generator
    KafkaUser, which may write exactly their topics. None where the generators run elsewhere."""
    if ctx.plan.names.kafka is None:
        return ()
    return hosted_streams(ctx, GeneratorHost.KUBERNETES)


def generator_config(spec: Spec, plan: Plan) -> dict[str, Any]:
    """pipeline/stream_generator.json: the Faker sources' table model and the streams to produce."""
    index = index_of(spec)
    sources = [s for s in spec.sources if s.type == SourceType.FAKER]
    included = {config_name(s, d) for s in sources for d in (*s.tables, *s.topics)}
    tables = [table_config(s, d, index, included, {}, fresh=False) for s in sources for d in (*s.tables, *s.topics)]
    seed, locale = seed_and_locale(sources)
    streams = [{"table": s.table, "topic": s.topic, "rate": s.rate} for s in faker_streams(spec, plan)]
    sign_in = managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled)
    return {"seed": seed, "locale": locale, "start": START, "bad_row_rate": 0.0, "tables": tables,
            "streams": streams, "sign_in": sign_in.value if sign_in else None}  # fmt: skip


def generator_requirements(spec: Spec) -> tuple[str, ...]:
    """The generator image's pins: the value generator, the Kafka client, the cloud's token package where the
    generator signs in to the cloud's managed cluster."""
    cloud = managed_kafka_cloud(spec.cloud, spec.deploy.kubernetes.enabled)
    return (*REQUIREMENTS, *((SIGN_IN_PINS[cloud],) if cloud else ()))


__all__ = [
    "FakerStream",
    "cluster_streams",
    "faker_streams",
    "generator_config",
    "generator_requirements",
    "hosted_streams",
]
