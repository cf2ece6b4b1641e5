"""The production batch reader of Kafka sources (templates/ingestion/topics.py, copied as
pipeline/topics.py): which sources it reads and what sources.py passes it. It decodes JSON values
only; a topic in another format stays a --local stand-in (validate warns: R469)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipegen.generators.base import GenContext
from pipegen.plan.names import ENV
from pipegen.safe import Safe, trusted
from pipegen.spec.catalog import batch_reads_topics, managed_kafka_cloud, on_project_cluster
from pipegen.spec.model import Cloud, Connection, Source


def signs_in(ctx: GenContext, source: Source) -> Cloud | None:
    """The managed cloud whose cluster the reader signs in to for this source with the workload's identity: a
    JSON Kafka source on the project's cluster with no `connection.options` of its own, deployed on aws, gcp or
    azure without `deploy.kubernetes`."""
    if not batch_reads_topics(source) or not on_project_cluster(source) or source.connection.options:
        return None
    return managed_kafka_cloud(ctx.spec.cloud, ctx.spec.deploy.kubernetes.enabled)


def kafka_row(
    ctx: GenContext, source: Source, value: Callable[[str], Safe], options: Callable[[Connection], Safe]
) -> dict[str, Any] | None:
    """What sources.py passes the reader: the brokers (the spec's `bootstrap_servers`, else the project's
    cluster's variable), the spec's `connection.options` (librdkafka's names; on a managed cloud's cluster its
    sign-in, `sign_in(<cloud>, bootstrap)`; None: the cluster's mutual TLS PEM files from the environment)
    and, per topic, the topic and the naming layer's consumer group.
    `value` and `options` write a connection value and the options as Python (generator.py's)."""
    from pipegen.render.filters import py_str

    if not batch_reads_topics(source):
        return None
    conn = source.connection
    own = f"env({py_str(ENV.kafka_bootstrap)})"
    reads = [ctx.plan.names.dataset(source.name, t.name) for t in source.topics]
    cloud = signs_in(ctx, source)
    managed = trusted(f"sign_in({py_str(cloud.value)}, bootstrap)") if cloud is not None else None
    return {
        "bootstrap": value(conn.bootstrap_servers) if conn.bootstrap_servers else trusted(own),
        "options": options(conn) if conn.options else managed or trusted("None"),
        "signs_in": cloud is not None,
        "reads": [{"topic": n.read_topic, "group": str(n.ingest_group)} for n in reads],
    }
