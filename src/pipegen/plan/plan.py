"""Spec -> Plan: architecture with reasons, data-flow graph, capacity figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pipegen.plan.capacity import Capacity, capacity_findings, compute
from pipegen.plan.components import Graph, graph
from pipegen.plan.composefindings import compose_findings
from pipegen.plan.engines import EngineChoice, choose
from pipegen.plan.flink_changes import flink_changelog_findings
from pipegen.plan.flinkfindings import flink_findings
from pipegen.plan.freshness import freshness_findings
from pipegen.plan.infra_findings import infra_findings
from pipegen.plan.lake_findings import partition_findings
from pipegen.plan.layers import (
    engine_findings,
    layer_reasons,
    masked_rule_findings,
    spark_gold_findings,
    spark_submit_findings,
)
from pipegen.plan.monitoring import monitoring_findings
from pipegen.plan.reach import reach_findings
from pipegen.plan.select import Facts, Reason, Selection, facts_of, select
from pipegen.plan.spark_streams import spark_stream_findings
from pipegen.plan.stream_bronze import stream_bronze_findings
from pipegen.plan.unread_settings import unread_settings
from pipegen.spec.diagnostics import Finding
from pipegen.spec.model import Architecture, Spec

if TYPE_CHECKING:  # the naming layer is for generation: `validate` never imports it
    from pipegen.plan.names import Names


class Plan(NamedTuple):
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


class _Decided(NamedTuple):
    """What the findings are made from: the architecture, capacity, engines and data flow."""

    selection: Selection
    capacity: Capacity
    engines: tuple[EngineChoice, ...]
    flow: Graph


def _decide(spec: Spec) -> _Decided:
    selection = select(spec)
    capacity = compute(spec)
    engines = choose(spec, selection.architecture)
    return _Decided(selection, capacity, engines, graph(spec, selection.architecture, engines))


def _findings(spec: Spec, d: _Decided) -> tuple[Finding, ...]:
    return (
        *d.selection.findings,
        *capacity_findings(spec, d.capacity),
        *partition_findings(spec, d.capacity),
        *engine_findings(spec, d.engines),
        *spark_gold_findings(spec, d.engines),
        *spark_submit_findings(spec, d.engines),
        *spark_stream_findings(spec, d.engines),
        *flink_changelog_findings(spec, d.engines),
        *stream_bronze_findings(spec, d.selection.architecture, d.engines),
        *masked_rule_findings(spec, d.selection.architecture),
        *reach_findings(spec, d.flow, d.selection.architecture),
        *compose_findings(spec, d.flow, d.selection.architecture),
        *flink_findings(spec, d.flow, d.selection.architecture),
        *monitoring_findings(spec, d.flow),
        *infra_findings(spec, d.flow, d.capacity),
        *unread_settings(spec, d.flow, d.engines),
        *freshness_findings(spec, d.flow),
    )


def plan_findings(spec: Spec) -> tuple[Finding, ...]:
    """The plan's findings alone, exactly as `make_plan(spec).findings`: what `validate` reports,
    without the naming layer and reasons that only generation and `plan` use."""
    return _findings(spec, _decide(spec))


def make_plan(spec: Spec) -> Plan:
    from pipegen.plan.names import names

    d = _decide(spec)
    return Plan(
        architecture=d.selection.architecture,
        explicit=d.selection.explicit,
        reasons=(*d.selection.reasons, *layer_reasons(spec, d.selection.architecture)),
        facts=facts_of(spec),
        graph=d.flow,
        capacity=d.capacity,
        findings=_findings(spec, d),
        names=names(spec),
        engines=d.engines,
    )
