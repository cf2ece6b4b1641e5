"""Spec -> Plan: architecture with reasons, data-flow graph, capacity figures."""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.capacity import Capacity, capacity_findings, compute
from pipegen.plan.components import Graph, graph
from pipegen.plan.engines import EngineChoice, choose
from pipegen.plan.freshness import freshness_findings
from pipegen.plan.infra_findings import infra_findings
from pipegen.plan.layers import engine_findings, layer_reasons, masked_rule_findings, spark_gold_findings
from pipegen.plan.monitoring import monitoring_findings
from pipegen.plan.names import Names, names
from pipegen.plan.reach import reach_findings
from pipegen.plan.select import Facts, Reason, facts_of, select
from pipegen.plan.spark_streams import spark_stream_findings
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Architecture, Spec


@dataclass(frozen=True)
class Plan:
    architecture: Architecture
    explicit: bool
    reasons: tuple[Reason, ...]
    facts: Facts
    graph: Graph
    capacity: Capacity
    findings: tuple[Finding, ...]
    names: Names
    engines: tuple[EngineChoice, ...] = ()

    @property
    def masks_pii(self) -> bool:
        """ETL: personal data is masked, hashed or dropped in the extract step, before it lands."""
        return self.architecture == Architecture.ETL


def make_plan(spec: Spec) -> Plan:
    selection = select(spec)
    capacity = compute(spec)
    engines = choose(spec, selection.architecture)
    flow = graph(spec, selection.architecture, engines)
    return Plan(
        architecture=selection.architecture,
        explicit=selection.explicit,
        reasons=(*selection.reasons, *layer_reasons(spec, selection.architecture)),
        facts=facts_of(spec),
        graph=flow,
        capacity=capacity,
        findings=(
            *selection.findings,
            *capacity_findings(spec, capacity),
            *engine_findings(spec, engines),
            *spark_gold_findings(spec, engines),
            *spark_stream_findings(spec, engines),
            *masked_rule_findings(spec, selection.architecture),
            *reach_findings(spec, flow),
            *monitoring_findings(spec, flow),
            *infra_findings(spec, flow),
            *freshness_findings(spec, flow),
        ),
        names=names(spec),
        engines=engines,
    )
