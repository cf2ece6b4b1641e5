"""What each architecture is made of: components, each of a `Kind`, and the data-flow edges
between them (for diagrams and `pipegen plan`). The plan says WHAT a spec needs; which artifact
family makes a kind of component is said by the family itself (its declaration's `needs`,
src/pipegen/generators/<family>/__init__.py), so the plan never names a family."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import NamedTuple

from pipegen.plan.engines import EngineChoice
from pipegen.spec.catalog import LAKE_TARGETS, LOCAL_STAND_IN, TARGET_SYSTEMS, generated_stream
from pipegen.spec.model import Architecture, Ingestion, Spec


class Kind(StrEnum):
    """The kinds of component a plan can have (what is made, not who makes it)."""

    SYNTHETIC_DATA = "synthetic_data"
    STREAM_GENERATORS = "stream_generators"
    BATCH_EXTRACT = "batch_extract"
    MASKED_LOAD = "masked_load"
    QUALITY_CHECKS = "quality_checks"
    SQL_MODELS = "sql_models"
    AIRFLOW_SCHEDULE = "airflow_schedule"
    PREFECT_SCHEDULE = "prefect_schedule"
    KAFKA_TOPICS = "kafka_topics"
    CDC_CONNECTORS = "cdc_connectors"
    FLINK_JOBS = "flink_jobs"
    SPARK_BATCH = "spark_batch"
    SPARK_STREAMING = "spark_streaming"
    DATABRICKS_JOBS = "databricks_jobs"
    LAKE_TABLES = "lake_tables"
    SERVING_VIEWS = "serving_views"
    METRICS_ALERTS = "metrics_alerts"
    KUBERNETES_MANIFESTS = "kubernetes_manifests"
    CLOUD_INFRASTRUCTURE = "cloud_infrastructure"


class Component(NamedTuple):
    id: str
    label: str
    kind: Kind | None  # what it is; None for spec entities (sources, targets)


class Graph(NamedTuple):
    nodes: tuple[Component, ...]
    edges: tuple[tuple[str, str], ...]
    batch_sources: tuple[int, ...] = ()  # indexes of the sources the batch layer loads into the warehouse

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of component this graph has."""
        return frozenset(n.kind for n in self.nodes if n.kind is not None)

    def restricted_to(self, kinds: frozenset[str]) -> Graph:
        """Only entities and nodes of these kinds (the generated ones); edges bridged across
        dropped nodes."""
        keep = {n.id for n in self.nodes if n.kind is None or n.kind in kinds}
        edges = set()
        for a, b in self.edges:
            if a not in keep:
                continue
            for c in self._reach(b, keep):
                edges.add((a, c))
        nodes = tuple(n for n in self.nodes if n.id in keep)
        return Graph(nodes, tuple(sorted(edges)), self.batch_sources)

    def _reach(self, start: str, keep: set[str]) -> Iterator[str]:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in keep:
                yield node
            else:
                stack.extend(b for a, b in self.edges if a == node)


def _src(i: int) -> str:
    return f"source_{i}"


def _tgt(i: int) -> str:
    return f"target_{i}"


def graph(spec: Spec, architecture: Architecture, engines: tuple[EngineChoice, ...] = ()) -> Graph:
    """The logical data flow of the chosen architecture, and the engines the plan chose."""
    b = _Builder(spec)
    streaming = [i for i, s in enumerate(spec.sources) if s.ingestion != Ingestion.BATCH]
    batch = [i for i, s in enumerate(spec.sources) if s.ingestion == Ingestion.BATCH]
    if architecture in (Architecture.ELT, Architecture.ETL):
        b.batch_layer(batch + streaming, via_kafka=streaming, mask=architecture == Architecture.ETL)
    elif architecture == Architecture.KAPPA:
        b.speed_layer(streaming, stream_engine(engines))
        if spec.transforms.marts:  # marts still need a batch layer: dbt over the tables landed from Kafka
            b.batch_layer(streaming, via_kafka=streaming, mask=False)
    else:  # lambda and lakehouse: the batch layer is the master dataset (every source, streams via
        # Kafka / the lake archive); streaming sources also feed the speed layer
        b.batch_layer(batch + streaming, via_kafka=streaming, mask=False)
        if streaming:
            b.speed_layer(streaming, stream_engine(engines))
            if architecture == Architecture.LAMBDA and any(j.window for j in spec.transforms.streams):
                b.serving()
    b.engines(engines, architecture)
    return b.finish()


def stream_engine(engines: tuple[EngineChoice, ...]) -> str:
    """The one engine of the plan's speed layer (pipegen.plan.engines; Flink when none was chosen)."""
    return next((e.engine for e in engines if e.layer == "stream" and e.engine != "none"), "flink")


# The speed layer's component per stream engine: Flink SQL jobs, or the Spark job's Structured
# Streaming layer; never both (one engine per plan stream layer)
SPEED = {"flink": ("flink", "Flink SQL jobs", Kind.FLINK_JOBS),
         "spark": ("spark_streaming", "Spark Structured Streaming jobs", Kind.SPARK_STREAMING)}  # fmt: skip


class _Builder:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.orch = spec.orchestrator.value
        self.orch_kind = Kind(f"{spec.orchestrator.value}_schedule")
        self.nodes: list[Component] = [
            *(Component(_src(i), f"{s.name} ({s.type.value})", None) for i, s in enumerate(spec.sources)),
            *(Component(_tgt(i), f"{t.name} ({t.type.value})", None) for i, t in enumerate(spec.targets)),
        ]
        self.edges: set[tuple[str, str]] = set()
        self.targets = [_tgt(i) for i in range(len(spec.targets))]
        self.batch_sources: list[int] = []
        self.speed = "flink"  # the speed layer's component id (speed_layer)

    def _add(self, node_id: str, label: str, kind: Kind) -> None:
        if all(n.id != node_id for n in self.nodes):
            self.nodes.append(Component(node_id, label, kind))

    def _kafka_in(self, sources: list[int]) -> None:
        cdc = [i for i in sources if self.spec.sources[i].ingestion == Ingestion.CDC]
        self._add("kafka", "Kafka topics", Kind.KAFKA_TOPICS)
        if cdc:
            self._add("debezium", "Debezium CDC connectors", Kind.CDC_CONNECTORS)
            self.edges |= {(_src(i), "debezium") for i in cdc}
            self.edges.add(("debezium", "kafka"))
        self.edges |= {(_src(i), "kafka") for i in sources if i not in cdc}
        generated = [i for i in sources if generated_stream(self.spec.sources[i])]
        if generated:  # a Faker stream's topics: nothing but a generator writes them (plan/stream_generators.py)
            self._add("generators", "stream generators (Faker events)", Kind.STREAM_GENERATORS)
            self.edges |= {("generators", _src(i)) for i in generated}

    def batch_layer(self, sources: list[int], via_kafka: list[int], mask: bool) -> None:
        self.batch_sources = sorted(sources)
        standing_in = [i for i in sources if LOCAL_STAND_IN[self.spec.sources[i].type] is not None]
        if standing_in:
            self._add("synthetic", "synthetic source data (local run)", Kind.SYNTHETIC_DATA)
            self.edges |= {("synthetic", _src(i)) for i in standing_in}
        self._add("extract", f"batch extract ({self.orch})", Kind.BATCH_EXTRACT)
        self.edges |= {(_src(i), "extract") for i in sources if i not in via_kafka}
        if via_kafka:
            self._kafka_in(via_kafka)
            self.edges.add(("kafka", "extract"))
        landed = "extract"
        if mask:  # etl: PII is masked before anything lands; rules and marts then run on the masked rows
            self._add("transform", "transform + mask before load", Kind.MASKED_LOAD)
            self.edges.add(("extract", "transform"))
            self.edges |= {("transform", t) for t in self.targets}
            landed = "transform"
        self._add("quality", "Great Expectations checkpoints", Kind.QUALITY_CHECKS)
        self._add("dbt", "dbt staging → marts" if self.spec.transforms.marts else "dbt staging", Kind.SQL_MODELS)
        # dbt builds on what landed and the checkpoints read what dbt built (staged tables, marts);
        # dbt writes only to the targets it has an adapter for (the others get no dbt model)
        self.edges |= {(landed, "dbt"), ("dbt", "quality")}
        self.edges |= {("dbt", _tgt(i)) for i, t in enumerate(self.spec.targets) if TARGET_SYSTEMS[t.type].dbt_adapter}
        self._add("orchestrator", f"{self.orch} schedule", self.orch_kind)
        self.edges.add(("orchestrator", "extract"))

    def speed_layer(self, sources: list[int], engine: str) -> None:
        self._kafka_in(sources)
        self.speed, label, kind = SPEED[engine]
        self._add(self.speed, label, kind)
        self.edges.add(("kafka", self.speed))
        self.edges |= {(self.speed, t) for t in self._stream_sinks()}

    def _stream_sinks(self) -> list[str]:
        """The targets the stream jobs write to (every target when a job names none)."""
        jobs = self.spec.transforms.streams
        if not jobs or any(job.sink is None for job in jobs):
            return self.targets
        names = {job.sink.target for job in jobs if job.sink is not None}
        return [_tgt(i) for i, t in enumerate(self.spec.targets) if t.name in names]

    def serving(self) -> None:
        """Lambda: views serving the batch layer's windows up to its high-water mark, the speed layer's past it."""
        self._add("serving", "serving views: batch + speed, no double counting", Kind.SERVING_VIEWS)
        self.edges |= {("dbt", "serving"), (self.speed, "serving")}

    def engines(self, engines: tuple[EngineChoice, ...], architecture: Architecture) -> None:
        """Components of the engines the plan chose beyond the batch and speed layers' own,
        and the lake tables of a lake target (listed; their edges come with their families)."""
        chosen = {(e.layer, e.engine) for e in engines}
        if ("batch", "spark") in chosen:
            self._add("spark_batch", "Spark batch jobs", Kind.SPARK_BATCH)
        if ("stream", "spark") in chosen:
            self._add("spark_streaming", "Spark Structured Streaming jobs", Kind.SPARK_STREAMING)
        if ("compute", "databricks") in chosen:
            self._add("databricks", "Databricks jobs (Asset Bundles)", Kind.DATABRICKS_JOBS)
        if architecture == Architecture.LAKEHOUSE or any(t.type in LAKE_TARGETS for t in self.spec.targets):
            self._add("lake_tables", "lake tables: bronze/silver/gold and their maintenance", Kind.LAKE_TABLES)

    def finish(self) -> Graph:
        if self.spec.monitoring.prometheus:
            self._add("monitoring", "Prometheus alerts + Grafana", Kind.METRICS_ALERTS)
        if self.spec.deploy.kubernetes.enabled:
            self._add("kubernetes", "Kubernetes manifests", Kind.KUBERNETES_MANIFESTS)
        if self.spec.deploy.terraform.enabled:
            self._add("terraform", "Terraform infrastructure", Kind.CLOUD_INFRASTRUCTURE)
        return Graph(tuple(self.nodes), tuple(sorted(self.edges)), tuple(self.batch_sources))
