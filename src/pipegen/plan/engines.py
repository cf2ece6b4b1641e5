"""Which engine runs each layer: explicit in `engines:`, or picked from cloud and architecture.

A pure rule table like the architecture selector: each choice carries the reason `pipegen plan`
prints. docs/architecture.md documents it.
"""

from __future__ import annotations

from typing import NamedTuple

from pipegen.spec.model import Architecture, Cloud, Compute, Ingestion, Spec, TargetType


class EngineChoice(NamedTuple):
    layer: str  # compute, stream, batch
    engine: str  # local, kubernetes, databricks, flink, spark, dbt, none
    explicit: bool
    reason: str


def choose(spec: Spec, architecture: Architecture) -> tuple[EngineChoice, ...]:
    compute = _compute(spec)
    return compute, _stream(spec, architecture, compute.engine), _batch(spec, architecture, compute.engine)


def _compute(spec: Spec) -> EngineChoice:
    if spec.engines.compute != Compute.AUTO:
        return EngineChoice("compute", spec.engines.compute.value, True, "set in engines.compute")
    databricks = [t.name for t in spec.targets if t.type == TargetType.DATABRICKS]
    if databricks and spec.cloud != Cloud.LOCAL:
        return EngineChoice("compute", "databricks", False, f"target {databricks[0]} is Databricks: jobs run there")
    if spec.deploy.kubernetes.enabled:
        return EngineChoice("compute", "kubernetes", False, "deploy.kubernetes is enabled: jobs run as pods")
    return EngineChoice("compute", "local", False, "no managed compute named: jobs run in the orchestrator's workers")


def _has_speed_layer(spec: Spec, architecture: Architecture) -> bool:
    streaming = any(s.ingestion != Ingestion.BATCH for s in spec.sources) or bool(spec.transforms.streams)
    return architecture in (Architecture.KAPPA, Architecture.LAMBDA) or (
        architecture == Architecture.LAKEHOUSE and streaming
    )


def _stream(spec: Spec, architecture: Architecture, compute: str) -> EngineChoice:
    if not _has_speed_layer(spec, architecture):
        return EngineChoice("stream", "none", False, f"{architecture.value} has no speed layer")
    if spec.engines.stream.value != "auto":
        return EngineChoice("stream", spec.engines.stream.value, True, "set in engines.stream")
    if compute == "databricks":
        return EngineChoice("stream", "spark", False, "Databricks runs Spark Structured Streaming, not Flink")
    return EngineChoice(
        "stream", "flink", False, "Flink SQL: event-time windows, lookup joins and exactly-once sinks in SQL"
    )


def _batch(spec: Spec, architecture: Architecture, compute: str) -> EngineChoice:
    if architecture == Architecture.KAPPA and not spec.transforms.marts:
        return EngineChoice("batch", "none", False, "kappa has no batch layer")
    if architecture == Architecture.KAPPA and spec.engines.batch.value == "auto":
        marts = ", ".join(m.name for m in spec.transforms.marts)
        return EngineChoice(
            "batch", "dbt", False, f"marts ({marts}) are built by dbt over the tables landed from Kafka"
        )
    if spec.engines.batch.value != "auto":
        return EngineChoice("batch", spec.engines.batch.value, True, "set in engines.batch")
    if architecture == Architecture.ETL:
        return EngineChoice("batch", "spark", False, "etl transforms before loading; dbt only transforms in a target")
    if compute == "databricks" and architecture == Architecture.LAKEHOUSE:
        return EngineChoice("batch", "spark", False, "a Delta medallion on Databricks runs as Spark jobs")
    return EngineChoice("batch", "dbt", False, "dbt builds staging and marts in SQL inside the target")
