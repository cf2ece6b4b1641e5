"""The record formats of stream topics: what their readers need to decode them.

- R514: an `avro` topic whose source has no `connection.schema_registry`, or whose system Flink's `avro-confluent`
  format cannot read (it works with the Kafka SQL connector only: Kafka and Event Hubs' Kafka endpoint). Avro values
  on Kafka are Confluent's wire format (a schema id, then the Avro body); the writer schema is in the registry.
- R515: a `protobuf` topic: Flink's `protobuf` format needs `protobuf.message-class-name`, a class compiled from
  the topic's `.proto` on the job's classpath, which the spec does not carry (and Confluent's Protobuf serializer
  prefixes a schema id and message indexes that format does not read).
- R517: a `connection.schema_registry` on a source without an `avro` topic: no reader asks it for anything.
- R518: a `parquet` topic: Parquet is a file format (row groups and a footer), no message format; Flink's `parquet`
  format reads files only.
- R519: a schema registry's `user` without its `password`, or a `password` without a `user`: basic auth needs both.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import catalog
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import Spec

_SYSTEMS = ", ".join(sorted(s.value for s in catalog.SCHEMA_REGISTRY_SOURCES))


def topic_formats(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        if t.kind != "topics" or t.dataset.format is None:
            continue
        if t.dataset.format.value == "avro":
            yield from _avro(t)
        elif t.dataset.format.value == "parquet":
            yield Finding(
                (*t.path, "format"), "R518",
                f"topic {t.qualified} is parquet: Parquet is a file format (row groups and a footer), not the format "
                "of one message, and Flink's `parquet` format reads files only, so no stream job can decode it",
                "write the topic's format: json, csv or avro (with the source's `connection.schema_registry`)",
            )  # fmt: skip
        elif t.dataset.format.value == "protobuf":
            yield Finding(
                (*t.path, "format"), "R515",
                f"topic {t.qualified} is protobuf: Flink's `protobuf` format decodes it only with the class compiled "
                "from its .proto (`protobuf.message-class-name`) in a jar on the job's classpath, and the spec names "
                "neither, so the stream jobs reading it would fail when they start",
                "publish the topic as JSON (`format: json`), or as Avro with a schema registry (`format: avro` and "
                "the source's `connection.schema_registry`)",
            )  # fmt: skip
    for si, source in enumerate(spec.sources):
        registry = source.connection.schema_registry
        if registry is None or source.type not in catalog.SCHEMA_REGISTRY_SOURCES:
            continue  # elsewhere R225: a field the system does not use
        if (registry.user is None) != (registry.password is None):
            given, missing = ("user", "password") if registry.password is None else ("password", "user")
            yield Finding(
                ("sources", si, "connection", "schema_registry", given), "R519",
                f"the schema registry of source {source.name} has a {given} but no {missing}: the Flink jobs sign in "
                "with basic auth (`avro-confluent.basic-auth.user-info`, `<user>:<password>`), which needs both",
                f"add `{missing}:` under sources.{source.name}.connection.schema_registry"
                + (" as ${secret:NAME}" if missing == "password" else "") + f", or remove `{given}`",
                on_key=True,
            )  # fmt: skip
        if not any(d.format is not None and d.format.value == "avro" for d in source.topics):
            yield Finding(
                ("sources", si, "connection", "schema_registry"), "R517",
                f"source {source.name} has a schema registry but no `avro` topic: only the Flink jobs reading an Avro "
                "topic ask the registry for its schemas, so the setting reaches no generated file",
                "set `format: avro` on the topics whose values are Avro, or remove `schema_registry`",
                severity="warning", on_key=True,
            )  # fmt: skip


def _avro(t: TableRef) -> Iterator[Finding]:
    system = t.source.type.value
    if t.source.type not in catalog.SCHEMA_REGISTRY_SOURCES:
        yield Finding(
            (*t.path, "format"), "R514",
            f"topic {t.qualified} is avro on a {system} source: Flink reads Avro values through a schema registry "
            f"(the `avro-confluent` format), which works with the Kafka connector only ({_SYSTEMS}), so no stream "
            "job can decode it",
            "publish the stream as JSON (`format: json`), or read the Avro topic from a kafka source with "
            "`connection.schema_registry`",
        )  # fmt: skip
    elif t.source.connection.schema_registry is None:
        yield Finding(
            (*t.path, "format"), "R514",
            f"topic {t.qualified} is avro, and its source {t.source.name} names no schema registry: Avro values on "
            "Kafka carry the id of their writer schema (Confluent's wire format), which the Flink jobs fetch from "
            "the registry (`avro-confluent.url`); without one they fail when they start",
            f"add `schema_registry: ${{env:SCHEMA_REGISTRY_URL}}` (or `{{url, user, password}}`) under sources."
            f"{t.source.name}.connection",
        )  # fmt: skip
