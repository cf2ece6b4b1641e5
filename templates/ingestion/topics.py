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
Google's access token on Managed Kafka, a Microsoft Entra ID token on Event Hubs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import dlt

from pipeline.runtime import IngestError, RunContext, Table, finish

PAGE = 10_000  # records handed to dlt at a time (one Arrow table each after conform)
TIMEOUT = 30.0  # seconds to wait for the broker's metadata, offsets and each fetch
TLS_ENV = {"ssl.ca.location": "KAFKA_SSL_CA_LOCATION", "ssl.certificate.location": "KAFKA_SSL_CERTIFICATE_LOCATION",
           "ssl.key.location": "KAFKA_SSL_KEY_LOCATION"}  # fmt: skip


def tls_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """librdkafka's mutual TLS settings when the environment names the PEM files (the CronJob mounts
    Strimzi's Secrets there), else none (a local plaintext broker)."""
    env = os.environ if env is None else env
    found = {key: env[name] for key, name in TLS_ENV.items() if env.get(name)}
    return {"security.protocol": "SSL", **found} if found else {}


# a token callback: librdkafka's config string -> (token, its expiry in seconds since the epoch)
TokenCallback = Callable[[str], tuple[str, float]]
MSK_REGION = re.compile(r"\.kafka\.([a-z0-9-]+)\.amazonaws\.com$")  # an MSK broker's host names its region
GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
GOOGLE_HEADER = {"typ": "JWT", "alg": "GOOG_OAUTH2_TOKEN"}  # Managed Kafka's token: this header, claims, access token


def msk_token(region: str, signer: Callable[[str], tuple[str, int]] | None = None) -> tuple[str, float]:
    """MSK IAM (AWS's documented confluent-kafka callback): aws-msk-iam-sasl-signer-python's signed URL from
    the default credentials chain (EKS Pod Identity's role) and its expiry, milliseconds made seconds."""
    if signer is None:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

        signer = MSKAuthTokenProvider.generate_auth_token
    token, expiry_ms = signer(region)
    return token, expiry_ms / 1000


def _b64(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")


def google_token(credentials: Any, request: Any = None) -> tuple[str, float]:
    """Managed Kafka's OAUTHBEARER token as Google documents it for confluent-kafka: Application Default
    Credentials (refreshed when no longer valid), their access token wrapped JWT-style (GOOGLE_HEADER; claims
    exp, iat, iss, scope `kafka` and the principal `sub`, the service account's email) and its expiry."""
    if not credentials.valid:
        if request is None:
            from google.auth.transport.requests import Request

            request = Request()
        credentials.refresh(request)
    expiry = credentials.expiry.replace(tzinfo=UTC).timestamp()
    claims = {"exp": expiry, "iss": "Google", "iat": time.time(), "scope": "kafka",
              "sub": credentials.service_account_email}  # fmt: skip
    return ".".join((_b64(json.dumps(GOOGLE_HEADER)), _b64(json.dumps(claims)), _b64(credentials.token))), expiry


def entra_token(host: str, credential: Any) -> tuple[str, float]:
    """Event Hubs' OAUTHBEARER token: a Microsoft Entra ID token of the workload's identity for the namespace
    (`https://<namespace host>/.default`) and its expiry."""
    token = credential.get_token(f"https://{host}/.default")
    return token.token, float(token.expires_on)


def msk_callback(host: str, signer: Callable[[str], tuple[str, int]] | None = None) -> TokenCallback:
    found = MSK_REGION.search(host)
    region = found.group(1) if found else os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise IngestError(f"{host}: not an MSK broker's host name and no AWS_REGION set: no region to sign in to")
    return lambda _config: msk_token(region, signer)


def google_callback(host: str, credentials: Any = None, request: Any = None) -> TokenCallback:
    if credentials is None:
        import google.auth

        credentials, _ = google.auth.default(scopes=[GOOGLE_SCOPE])
    return lambda _config: google_token(credentials, request)


def entra_callback(host: str, credential: Any = None) -> TokenCallback:
    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return lambda _config: entra_token(host, credential)


# cloud -> its token callback's maker (given the first broker's host): the managed cluster the project's
# Terraform creates there (MSK with IAM authentication, Managed Service for Apache Kafka, Event Hubs)
SIGN_INS: dict[str, Callable[..., TokenCallback]] = {"aws": msk_callback, "gcp": google_callback,
                                                     "azure": entra_callback}  # fmt: skip


def sign_in(cloud: str, bootstrap: str, **provider: Any) -> dict[str, Any]:
    """librdkafka's settings for the project's cluster on a managed cloud: SASL over TLS, OAUTHBEARER, and the
    cloud's token callback (`provider`: the signer, credentials or credential the callback uses instead of the
    cloud's default chain; tests pass fakes)."""
    host = bootstrap.split(",", 1)[0].strip().rsplit(":", 1)[0]
    return {"security.protocol": "SASL_SSL", "sasl.mechanisms": "OAUTHBEARER",
            "oauth_cb": SIGN_INS[cloud](host, **provider)}  # fmt: skip


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
        idle = 0.0  # seconds without a record (consume returns what arrived within its second)
        while left:
            messages = consumer.consume(num_messages=1000, timeout=1.0)
            idle = 0.0 if messages else idle + 1.0
            for message in messages:
                if message.error() is not None:
                    raise IngestError(f"{self.topic}: {message.error()}")
                partition, offset = message.partition(), message.offset()
                if partition in left and offset < ends[partition]:  # later ones: the next run's
                    self.reached[partition] = offset + 1
                    if message.value() is not None:  # a tombstone carries no row
                        page.append(decode(self.topic, partition, offset, message.value()))
            left -= self.done(consumer, left, ends)
            if left and idle >= TIMEOUT:
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
