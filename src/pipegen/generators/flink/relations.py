"""The relations a Flink job reads (its source, its dimensions) and how spec column references
resolve against them: `render.flinksql.flink_expr` asks a resolver for each `qualifier.column`
and gets back the relation alias and the physical column.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipegen.plan.names import DatasetNames, Names, snake
from pipegen.render.sqlexpr import Resolver
from pipegen.spec.index import TableRef
from pipegen.spec.model import History, Ingestion

PROC_TIME = "proc_time"  # the processing-time column of a source a lookup join reads


@dataclass(frozen=True)
class Relation:
    """One relation of a job's input view: the job's source or a dimension."""

    alias: str
    ref: TableRef
    names: DatasetNames
    columns: dict[str, str]  # spec column name (lowercase, staged or derived) -> physical column

    @property
    def cdc(self) -> bool:
        return self.ref.source.ingestion == Ingestion.CDC

    def column(self, name: str) -> str:
        """The physical column of a spec column name (as written when unknown)."""
        return self.columns.get(name.lower(), name)

    def event_time(self) -> str | None:
        et = self.ref.dataset.event_time
        return self.column(et) if et else None


def relation(ref: TableRef, names: Names, alias: str | None = None) -> Relation:
    """A table as a relation, aliased by its snake-case name unless told otherwise."""
    ds = names.dataset(ref.source.name, ref.dataset.name)
    cols = {c.staged_name.lower(): c.name for c in ref.dataset.columns}
    cols.update({c.name.lower(): c.name for c in ref.dataset.columns})
    cols.update({d.name.lower(): d.name for d in ref.dataset.derived})
    return Relation(alias or snake(ref.dataset.name), ref, ds, cols)


def own(rel: Relation) -> Resolver:
    """Columns of the relation itself, unqualified (computed columns of its own table)."""

    def resolve(_qualifier: str, column: str) -> tuple[str | None, str]:
        return None, rel.column(column)

    return resolve


def resolver(rels: list[Relation]) -> Resolver:
    """A column of the first relation (of the qualifier's, when qualified) that has it."""

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        key = column.lower()
        for rel in rels:
            if qualifier and qualifier.lower() not in (
                rel.ref.dataset.name.lower(),
                rel.ref.qualified.lower(),
                rel.alias,
            ):
                continue
            if key in rel.columns:
                return rel.alias, rel.columns[key]
        return (qualifier if qualifier else rels[0].alias), column

    return resolve


def view_resolver(rels: list[Relation], columns: dict[str, str], history: tuple[History, ...]) -> Resolver:
    """Columns in the input view's body: relation-qualified; history statistics by name."""
    inner = resolver(rels)
    statistics = {h.name.lower() for h in history}

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        if not qualifier and column.lower() in statistics:
            return rels[0].alias, columns[column.lower()]
        return inner(qualifier, column)

    return resolve


def output_resolver(columns: dict[str, str]) -> Resolver:
    """Columns of the input view, as the job's query reads them (`table.column` or `column`)."""

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        key = f"{qualifier.lower()}.{column.lower()}" if qualifier else column.lower()
        return None, columns.get(key, columns.get(column.lower(), column))

    return resolve
