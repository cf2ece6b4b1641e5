"""The production batch reader of Kafka sources (templates/ingestion/topics.py, copied as
pipeline/topics.py): which sources it reads and what sources.py passes it. It decodes JSON values
only; a topic in another format stays a --local stand-in (validate warns: R469)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipegen.generators.base import GenContext
from pipegen.plan.names import ENV
from pipegen.safe import Safe, trusted
from pipegen.spec.catalog import batch_reads_topics
from pipegen.spec.model import Connection, Source


def kafka_row(
    ctx: GenContext, source: Source, value: Callable[[str], Safe], options: Callable[[Connection], Safe]
) -> dict[str, Any] | None:
    """What sources.py passes the reader: the brokers (the spec's `bootstrap_servers`, else the project's
    cluster's variable), the spec's `connection.options` (librdkafka's names; None: the cluster's mutual TLS
    PEM files from the environment) and, per topic, the topic and the naming layer's consumer group.
    `value` and `options` write a connection value and the options as Python (generator.py's)."""
    from pipegen.render.filters import py_str

    if not batch_reads_topics(source):
        return None
    conn = source.connection
    own = f"env({py_str(ENV.kafka_bootstrap)})"
    reads = [ctx.plan.names.dataset(source.name, t.name) for t in source.topics]
    return {
        "bootstrap": value(conn.bootstrap_servers) if conn.bootstrap_servers else trusted(own),
        "options": options(conn) if conn.options else trusted("None"),
        "reads": [{"topic": n.read_topic, "group": str(n.ingest_group)} for n in reads],
    }
