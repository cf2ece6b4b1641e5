"""Spec elements the plan leaves without a reader: located warnings, so nothing is dropped
silently (the ledger, pipegen.ledger, proves every other element reaches a generated file).

- R362: a table's `filter` that no generated reader applies. The extract query of the batch
  layer applies it (SQL databases and synthetic sources, pipeline/sources.py), and so do the
  Flink jobs that read the table (a job's source or a lookup dimension). Debezium captures every
  row: its only row filter is a scripting SMT (Groovy/GraalVM JavaScript) that pipegen does not
  install, so a CDC table's filter holds where its changes are consumed.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.plan.components import Graph, Kind
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import SourceType, Spec

# Sources whose batch extract runs a SQL query (the filter is its WHERE).
SQL_EXTRACTED = frozenset(
    {SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER, SourceType.ORACLE, SourceType.FAKER}
)


def reach_findings(spec: Spec, graph: Graph) -> tuple[Finding, ...]:
    return tuple(unapplied_filters(spec, graph))


def streamed_tables(spec: Spec, graph: Graph, index: SpecIndex) -> frozenset[str]:
    """Qualified names of the tables generated Flink jobs read (source or dimension)."""
    if Kind.FLINK_JOBS not in graph.kinds:
        return frozenset()
    names = set()
    for job in spec.transforms.streams:
        for ref in (job.from_, *(j.table for j in job.joins)):
            table = index.resolve(ref, allow_marts=False).table
            if table is not None:
                names.add(table.qualified.lower())
    return frozenset(names)


def unapplied_filters(spec: Spec, graph: Graph) -> Iterator[Finding]:
    index = SpecIndex(spec)
    streamed = streamed_tables(spec, graph, index)
    for ref in index.tables:
        if not ref.dataset.filter:
            continue
        extracted = ref.source_index in graph.batch_sources and ref.source.type in SQL_EXTRACTED
        if extracted or ref.qualified.lower() in streamed:
            continue
        yield Finding(
            (*ref.path, "filter"),
            "R362",
            f"the filter of {ref.qualified} is applied by no generated reader: {_why(ref)}",
            "filter in the marts or stream jobs that read it (their `filter`, or a join's `filter`), or remove it here",
            severity="warning",
        )


def _why(ref: TableRef) -> str:
    if ref.source.ingestion.value == "cdc":
        return (
            "Debezium captures every row (its row filter needs a scripting engine pipegen does not install) "
            "and no stream job of this plan reads the table"
        )
    if ref.source.ingestion.value == "stream":
        return "no stream job of this plan reads the topic"
    return f"the batch layer reads {ref.source.type.value} sources without a SQL query to add it to"
