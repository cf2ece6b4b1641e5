"""The component graph: which components each architecture is made of, which family makes
each, how data flows between them, and how a diagram bridges components not generated."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.generators.registry import REGISTRY
from pipegen.plan.components import Component, Graph, Kind, graph
from pipegen.spec.model import Architecture, Spec
from tests.conftest import spec_data

CDC_SOURCE = {
    "name": "app",
    "type": "mysql",
    "ingestion": "cdc",
    "tables": [{"name": "users", "primary_key": "id", "columns": [{"name": "id", "type": "bigint"}]}],
}
KAFKA_SOURCE = {
    "name": "clicks",
    "type": "kafka",
    "ingestion": "stream",
    "topics": [{"name": "click", "columns": [{"name": "id", "type": "bigint"}]}],
}


def build(arch: Architecture, **overrides: Any) -> Graph:
    return graph(Spec.model_validate(spec_data(**overrides)), arch)


def families(g: Graph) -> set[str]:
    """The families that make the graph's components (by their declarations' `needs`)."""
    owners = REGISTRY.owners()
    return {owners[k] for k in g.kinds}


def test_elt_is_extract_then_dbt_into_every_target_then_quality() -> None:
    g = build(Architecture.ELT, targets=[{"name": "wh", "type": "duckdb"}, {"name": "lake", "type": "delta"}])
    assert families(g) == {"synthetic", "ingestion", "gx", "dbt", "airflow", "monitoring", "lakehouse"}
    assert ("synthetic", "source_0") in g.edges  # a postgres source has a local stand-in
    assert ("source_0", "extract") in g.edges and ("extract", "dbt") in g.edges
    assert ("dbt", "quality") in g.edges  # the checkpoints read the staged tables and marts dbt built
    assert ("quality", "dbt") not in g.edges and ("extract", "quality") not in g.edges
    assert {("dbt", "target_0"), ("dbt", "target_1")} <= set(g.edges)
    assert ("orchestrator", "extract") in g.edges


def test_etl_masks_before_load_then_checks_and_models_the_masked_rows() -> None:
    g = build(Architecture.ETL)
    assert ("extract", "transform") in g.edges and ("transform", "target_0") in g.edges
    # rules and marts are never dropped: dbt and then GX run over the rows as they landed (masked)
    assert {("transform", "dbt"), ("dbt", "quality")} <= set(g.edges)
    assert {"dbt", "gx"} <= families(g)


def test_kappa_with_cdc_goes_through_debezium_and_kafka_to_flink() -> None:
    g = build(Architecture.KAPPA, sources=[CDC_SOURCE], latency="1m")
    assert {("source_0", "debezium"), ("debezium", "kafka"), ("kafka", "flink")} <= set(g.edges)
    assert ("source_0", "kafka") not in g.edges  # CDC goes through the connector
    assert "ingestion" not in families(g) and "dbt" not in families(g)


def test_lambda_splits_batch_and_streaming_sources_between_layers() -> None:
    g = build(Architecture.LAMBDA, sources=[spec_data()["sources"][0], KAFKA_SOURCE], latency="1m")
    assert ("source_0", "extract") in g.edges and ("source_1", "kafka") in g.edges
    assert ("source_1", "extract") not in g.edges
    assert {"ingestion", "dbt", "flink", "kafka"} <= families(g)
    assert "debezium" not in families(g)  # no CDC source, no connector


def test_orchestrator_family_follows_the_spec() -> None:
    assert "prefect" in families(build(Architecture.ELT, orchestrator="prefect"))
    assert "airflow" not in families(build(Architecture.ELT, orchestrator="prefect"))


@pytest.mark.parametrize(
    ("deploy", "expected"),
    [({}, set()), ({"kubernetes": {"enabled": True}}, {"kubernetes"}),
     ({"terraform": {"enabled": True}}, {"terraform"})],
)  # fmt: skip
def test_deploy_families_only_when_enabled(deploy: dict[str, Any], expected: set[str]) -> None:
    got = families(build(Architecture.ELT, deploy=deploy)) & {"kubernetes", "terraform"}
    assert got == expected


def test_monitoring_off_means_no_monitoring_family() -> None:
    assert "monitoring" not in families(build(Architecture.ELT, monitoring={"prometheus": False}))


def test_engines_the_plan_chooses_are_components() -> None:
    """Spark, Databricks and lake tables are components of the plan, so the families that make
    them are listed (planned) instead of silently missing."""
    lake = [{"name": "wh", "type": "duckdb"}, {"name": "lake", "type": "delta"}]
    assert Kind.LAKE_TABLES in build(Architecture.ELT, targets=lake).kinds
    assert Kind.LAKE_TABLES not in build(Architecture.ELT).kinds
    from pipegen.plan.engines import choose

    spec = Spec.model_validate(spec_data())
    etl = graph(spec, Architecture.ETL, choose(spec, Architecture.ETL))
    assert Kind.SPARK_BATCH in etl.kinds and "spark" in families(etl)


@pytest.mark.parametrize("arch", [Architecture.KAPPA, Architecture.LAMBDA, Architecture.LAKEHOUSE])
def test_one_stream_engine_per_speed_layer_spark_streams_without_flink(arch: Architecture) -> None:
    """Issue 20: with the stream engine Spark the planner also drew (and generated) Flink jobs."""
    from pipegen.plan.engines import choose

    window = {"type": "tumble", "size": "1m"}
    job = {"name": "per_minute", "from": "click", "window": window, "measures": [{"name": "n", "agg": "count"}]}
    targets = [{"name": "lake", "type": "delta"}]
    sources = [KAFKA_SOURCE] if arch == Architecture.KAPPA else [spec_data()["sources"][0], KAFKA_SOURCE]
    for engine, speed, other in (("spark", "spark_streaming", "flink"), ("flink", "flink", "spark_streaming")):
        spec = Spec.model_validate(spec_data(sources=sources, latency="1m", targets=targets,
                                             engines={"stream": engine}, transforms={"streams": [job]}))  # fmt: skip
        g = graph(spec, arch, choose(spec, arch))
        ids = {n.id for n in g.nodes}
        assert speed in ids and other not in ids, (engine, sorted(ids))
        assert ("kafka", speed) in g.edges and (speed, "target_0") in g.edges
        if arch == Architecture.LAMBDA:  # the serving views merge the batch layer and this speed layer
            assert (speed, "serving") in g.edges


def test_restricted_graph_bridges_edges_across_components_not_generated() -> None:
    g = Graph(
        nodes=(
            Component("s", "source", None),
            Component("a", "a", Kind.BATCH_EXTRACT),
            Component("b", "b", Kind.SQL_MODELS),
            Component("t", "target", None),
        ),
        edges=(("s", "a"), ("a", "b"), ("b", "t")),
    )
    shown = g.restricted_to(frozenset({Kind.SQL_MODELS}))
    assert [n.id for n in shown.nodes] == ["s", "b", "t"]
    assert shown.edges == (("b", "t"), ("s", "b"))
    assert g.restricted_to(frozenset()).edges == (("s", "t"),)


def test_batch_sources_are_the_sources_the_batch_layer_loads() -> None:
    batch, stream = spec_data()["sources"][0], KAFKA_SOURCE
    assert build(Architecture.ELT, sources=[batch, stream], latency="1m").batch_sources == (0, 1)
    # Lambda/Lakehouse: the batch layer is the master dataset, streams included (via Kafka)
    lam = build(Architecture.LAMBDA, sources=[batch, stream], latency="1m")
    assert lam.batch_sources == (0, 1)
    assert ("source_1", "kafka") in lam.edges and ("kafka", "extract") in lam.edges and ("kafka", "flink") in lam.edges
    assert build(Architecture.KAPPA, sources=[stream], latency="1m").batch_sources == ()


def test_flink_draws_edges_only_to_the_targets_its_jobs_sink_into() -> None:
    """Issue 23: a Flink -> warehouse edge was drawn where every sink was MySQL or Kafka."""
    from pathlib import Path

    from pipegen.pipeline import prepare

    ready = prepare(Path(__file__).parents[2] / "specs" / "ecommerce_realtime.yaml")
    names = {f"target_{i}": t.name for i, t in enumerate(ready.spec.targets)}
    sinks = {job.sink.target for job in ready.spec.transforms.streams if job.sink is not None}
    assert sinks == {"serving"}  # read from the example: every stream job writes to `serving`
    flink_to = {names[b] for a, b in ready.plan.graph.edges if a == "flink"}
    assert flink_to == sinks
    dbt_to = {names[b] for a, b in ready.plan.graph.edges if a == "dbt" and b in names}
    assert dbt_to == {"warehouse"}  # clickhouse has a dbt adapter; mysql (`serving`) has none


def test_dbt_node_says_marts_only_when_the_spec_has_marts() -> None:
    g = build(Architecture.ELT)
    assert Spec.model_validate(spec_data()).transforms.marts == ()
    assert [n.label for n in g.nodes if n.id == "dbt"] == ["dbt staging"]
