"""The production batch reader of Kafka topics (written by pipegen, the same in every project).

A batch, not an endless consumer: for each table's topic it takes, at the start of the run, the
end of every partition (the high watermark), reads from the consumer group's committed offsets
(the beginning of the partition the first time) up to those ends, and hands dlt pages of decoded
JSON records (`conform` casts each page into one Arrow table). Partitions are assigned, not
subscribed: a batch needs no rebalancing, and the group only keeps the offsets. The offsets are
committed after dlt's load of the source succeeded (`commit`, called by pipeline/ingest.py), never
before: a failed run reads the same records again (at least once; the merge on the primary key
keeps one row per key). Clients come from confluent-kafka (librdkafka); the connection settings are
the spec's `connection.options` (librdkafka's names) and, for the project's own cluster in
Kubernetes, the mutual TLS PEM files of the ingest KafkaUser (`KAFKA_SSL_*_LOCATION`); on a managed
cloud's cluster (`sign_in`) SASL over TLS with OAUTHBEARER, the token made from the workload's own cloud
identity by a callback librdkafka calls before each token expires (no key, no password): MSK IAM on AWS,
Google's access token on Managed Kafka, a Microsoft Entra ID token on Event Hubs. Both sign-ins are
pipeline/kafka_sign_in.py's, shared with the quality step's events publisher.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dlt

from pipeline import kafka_sign_in
from pipeline.kafka_sign_in import tls_settings
from pipeline.runtime import IngestError, RunContext, Table, finish

PAGE = 10_000  # records handed to dlt at a time (one Arrow table each after conform)
TIMEOUT = 30.0  # seconds to wait for the broker's metadata, offsets and each fetch
SLICE_S = 0.2  # a consume's wait: the read stops this soon after its partitions reached their ends (not a second)
def sign_in(cloud: str, bootstrap: str, **provider: Any) -> dict[str, Any]:
    """The managed cloud's sign-in (pipeline/kafka_sign_in.py `sign_in`); settings that cannot sign in stop the
    ingest as a contract violation (IngestError), not a retry."""
    try:
        return kafka_sign_in.sign_in(cloud, bootstrap, **provider)
    except kafka_sign_in.SignInError as exc:
        raise IngestError(str(exc)) from exc


def client_config(bootstrap: str, group: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A consumer's settings: the brokers, the group holding the offsets, no automatic commit (the
    reader commits after the load), the spec's connection options (or the TLS files) on top."""
    extra = dict(options) if options else tls_settings()
    return {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
            "enable.auto.offset.store": False, "auto.offset.reset": "earliest", **extra}  # fmt: skip


@dataclass
class TopicRead:
    """One table's topic read in this run: where each partition stopped, committed by `commit`."""

    table: Table
    topic: str
    config: dict[str, Any]
    consumer: Any = None
    reached: dict[int, int] = field(default_factory=dict)  # partition -> next offset to read

    def open(self) -> tuple[Any, list[Any], dict[int, int]]:
        """The consumer assigned to every partition at its committed offset, and each partition's end."""
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer(self.config)
        self.consumer = consumer
        meta = consumer.list_topics(self.topic, timeout=TIMEOUT).topics.get(self.topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise IngestError(f"{self.table.source}.{self.table.name}: topic {self.topic} not found "
                              f"({meta.error if meta is not None else 'no metadata'})")  # fmt: skip
        parts = [TopicPartition(self.topic, p) for p in sorted(meta.partitions)]
        committed = consumer.committed(parts, timeout=TIMEOUT)
        ends: dict[int, int] = {}
        for tp in committed:
            low, high = consumer.get_watermark_offsets(tp, timeout=TIMEOUT, cached=False)
            tp.offset = tp.offset if tp.offset >= 0 else low
            ends[tp.partition] = high
            self.reached[tp.partition] = tp.offset
        todo = [tp for tp in committed if tp.offset < ends[tp.partition]]
        if todo:
            consumer.assign(todo)
        return consumer, todo, ends

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """Pages of decoded records up to each partition's end at the start of the run."""
        consumer, todo, ends = self.open()
        left = {tp.partition for tp in todo}
        page: list[dict[str, Any]] = []
        heard = time.monotonic()  # when the last records came (consume returns what arrived within SLICE_S)
        while left:
            messages = consumer.consume(num_messages=1000, timeout=SLICE_S)
            now = time.monotonic()
            heard = now if messages else heard
            for message in messages:
                if message.error() is not None:
                    raise IngestError(f"{self.topic}: {message.error()}")
                partition, offset = message.partition(), message.offset()
                if partition in left and offset < ends[partition]:  # later ones: the next run's
                    self.reached[partition] = offset + 1
                    if message.value() is not None:  # a tombstone carries no row
                        page.append(decode(self.topic, partition, offset, message.value()))
            left -= self.done(consumer, left, ends)
            if left and now - heard >= TIMEOUT:
                raise IngestError(f"{self.table.source}.{self.table.name}: no record from topic {self.topic} in "
                                  f"{TIMEOUT:.0f} s before the end of partitions {sorted(left)}")  # fmt: skip
            if len(page) >= PAGE:
                yield page
                page = []
        if page:
            yield page

    def done(self, consumer: Any, left: set[int], ends: dict[int, int]) -> set[int]:
        """The partitions read to their end: the consumer's position there (past a transaction marker or a
        compacted gap too), each then reached at its end."""
        from confluent_kafka import TopicPartition

        positions = consumer.position([TopicPartition(self.topic, p) for p in sorted(left)])
        finished = {tp.partition for tp in positions if tp.offset >= ends[tp.partition]}
        self.reached.update({p: ends[p] for p in finished})
        return finished

    def commit(self) -> None:
        """Commit where every partition stopped (after the load succeeded), then close."""
        from confluent_kafka import TopicPartition

        if self.consumer is None:
            return
        offsets = [TopicPartition(self.topic, p, o) for p, o in sorted(self.reached.items())]
        try:
            if offsets:
                self.consumer.commit(offsets=offsets, asynchronous=False)
        finally:
            self.close()

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None


def decode(topic: str, partition: int, offset: int, value: bytes) -> dict[str, Any]:
    """A record's JSON object; anything else stops the run naming where it is (nothing is committed)."""
    try:
        record = json.loads(value)
    except ValueError as exc:
        raise IngestError(f"{topic}[{partition}]@{offset}: not a JSON value ({exc})") from exc
    if not isinstance(record, dict):
        raise IngestError(f"{topic}[{partition}]@{offset}: not a JSON object")
    return record


# source -> the topic reads of this run, committed by pipeline/ingest.py after the source's load
READS: dict[str, list[TopicRead]] = {}


def topic_resource(table: Table, config: dict[str, Any], topic: str, ctx: RunContext) -> Any:
    """One table's topic as a dlt resource of pages (conformed into Arrow tables)."""
    read = TopicRead(table, topic, config)
    READS.setdefault(table.source, []).append(read)

    @dlt.resource(name=table.landed)
    def pages() -> Iterator[list[dict[str, Any]]]:
        yield from read.pages()

    return finish(pages(), table, ctx)


def commit(source: str) -> None:
    """After the source's load succeeded: commit every topic's offsets."""
    for read in READS.pop(source, []):
        read.commit()


def discard(source: str) -> None:
    """After a failed load: close the consumers, committing nothing."""
    for read in READS.pop(source, []):
        read.close()
