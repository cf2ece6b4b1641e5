"""What each architecture is made of: components, the artifact family that generates
each, and the data-flow edges between them (for diagrams and `pipegen plan`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipegen.plan.families import ALWAYS, Family, ordered
from pipegen.spec.catalog import LOCAL_STAND_IN
from pipegen.spec.model import Architecture, Ingestion, Spec


@dataclass(frozen=True)
class Component:
    id: str
    label: str
    family: Family | None  # artifact family that generates it; None for spec entities (sources, targets)


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Component, ...]
    edges: tuple[tuple[str, str], ...]
    batch_sources: tuple[int, ...] = ()  # indexes of the sources the batch layer loads into the warehouse

    @property
    def families(self) -> tuple[Family, ...]:
        """The families this graph needs, ALWAYS-on ones included, in declaration order."""
        return ordered({*ALWAYS, *(n.family for n in self.nodes if n.family is not None)})

    def restricted_to(self, families: frozenset[Family]) -> Graph:
        """Only nodes whose family is generated; edges bridged across dropped nodes."""
        keep = {n.id for n in self.nodes if n.family is None or n.family in families}
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


def graph(spec: Spec, architecture: Architecture) -> Graph:
    """The logical data flow of the chosen architecture."""
    b = _Builder(spec)
    streaming = [i for i, s in enumerate(spec.sources) if s.ingestion != Ingestion.BATCH]
    batch = [i for i, s in enumerate(spec.sources) if s.ingestion == Ingestion.BATCH]
    if architecture in (Architecture.ELT, Architecture.ETL):
        b.batch_layer(batch + streaming, via_kafka=streaming, mask=architecture == Architecture.ETL)
    elif architecture == Architecture.KAPPA:
        b.speed_layer(streaming)
    else:  # lambda and lakehouse: the batch layer is the master dataset (every source, streams via
        # Kafka / the lake archive); streaming sources also feed the speed layer
        b.batch_layer(batch + streaming, via_kafka=streaming, mask=False)
        if streaming:
            b.speed_layer(streaming)
    return b.finish()


class _Builder:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.orch = spec.orchestrator.value
        self.orch_family = Family(spec.orchestrator.value)
        self.nodes: list[Component] = [
            *(Component(_src(i), f"{s.name} ({s.type.value})", None) for i, s in enumerate(spec.sources)),
            *(Component(_tgt(i), f"{t.name} ({t.type.value})", None) for i, t in enumerate(spec.targets)),
        ]
        self.edges: set[tuple[str, str]] = set()
        self.targets = [_tgt(i) for i in range(len(spec.targets))]
        self.batch_sources: list[int] = []

    def _add(self, node_id: str, label: str, family: Family) -> None:
        if all(n.id != node_id for n in self.nodes):
            self.nodes.append(Component(node_id, label, family))

    def _kafka_in(self, sources: list[int]) -> None:
        cdc = [i for i in sources if self.spec.sources[i].ingestion == Ingestion.CDC]
        self._add("kafka", "Kafka topics", Family.KAFKA)
        if cdc:
            self._add("debezium", "Debezium CDC connectors", Family.DEBEZIUM)
            self.edges |= {(_src(i), "debezium") for i in cdc}
            self.edges.add(("debezium", "kafka"))
        self.edges |= {(_src(i), "kafka") for i in sources if i not in cdc}

    def batch_layer(self, sources: list[int], via_kafka: list[int], mask: bool) -> None:
        self.batch_sources = sorted(sources)
        standing_in = [i for i in sources if LOCAL_STAND_IN[self.spec.sources[i].type] is not None]
        if standing_in:
            self._add("synthetic", "synthetic source data (local run)", Family.SYNTHETIC)
            self.edges |= {("synthetic", _src(i)) for i in standing_in}
        self._add("extract", f"batch extract ({self.orch})", Family.INGESTION)
        self.edges |= {(_src(i), "extract") for i in sources if i not in via_kafka}
        if via_kafka:
            self._kafka_in(via_kafka)
            self.edges.add(("kafka", "extract"))
        if mask:
            self._add("transform", "transform + mask before load", Family.INGESTION)
            self.edges.add(("extract", "transform"))
            self.edges |= {("transform", t) for t in self.targets}
        else:
            self._add("quality", "Great Expectations checkpoints", Family.GX)
            self._add("dbt", "dbt staging → marts", Family.DBT)
            self.edges |= {("extract", "quality"), ("quality", "dbt")}
            self.edges |= {("dbt", t) for t in self.targets}
        self._add("orchestrator", f"{self.orch} schedule", self.orch_family)
        self.edges.add(("orchestrator", "extract"))

    def speed_layer(self, sources: list[int]) -> None:
        self._kafka_in(sources)
        self._add("flink", "Flink SQL jobs", Family.FLINK)
        self.edges.add(("kafka", "flink"))
        self.edges |= {("flink", t) for t in self.targets}

    def finish(self) -> Graph:
        if self.spec.monitoring.prometheus:
            self._add("monitoring", "Prometheus alerts + Grafana", Family.MONITORING)
        if self.spec.deploy.kubernetes.enabled:
            self._add("kubernetes", "Kubernetes manifests", Family.KUBERNETES)
        if self.spec.deploy.terraform.enabled:
            self._add("terraform", "Terraform infrastructure", Family.TERRAFORM)
        return Graph(tuple(self.nodes), tuple(sorted(self.edges)), tuple(self.batch_sources))
