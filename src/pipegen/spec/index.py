"""Name resolution over a validated spec: which tables, columns and marts exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from pipegen.spec.diagnostics import Path
from pipegen.spec.model import Column, Dataset, Mart, Source, Spec


@dataclass(frozen=True)
class TableRef:
    source_index: int
    kind: str  # "tables" or "topics"
    index: int
    source: Source
    dataset: Dataset

    @property
    def path(self) -> Path:
        return ("sources", self.source_index, self.kind, self.index)

    @property
    def qualified(self) -> str:
        return f"{self.source.name}.{self.dataset.name}"

    def column(self, name: str) -> Column | None:
        lowered = name.lower()
        return next((c for c in self.dataset.columns if c.name.lower() == lowered), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.dataset.columns]

    @property
    def staged_columns(self) -> dict[str, str]:
        """What transforms see, in order: the columns under their staged names (a derived column
        named like one replaces it in place), then the other derived columns."""
        derived = {d.name.lower(): d for d in self.dataset.derived}
        out: dict[str, str] = {}
        for c in self.dataset.columns:
            d = derived.pop(c.staged_name.lower(), None)
            out[d.name if d else c.staged_name] = d.type if d else c.type
        out.update({d.name: d.type for d in derived.values()})
        return out


class Resolved(NamedTuple):
    """A reference resolved to a table, or to a mart (whose columns are its outputs)."""

    table: TableRef | None = None
    mart: Mart | None = None
    error: str | None = None

    @property
    def columns(self) -> list[str]:
        if self.table:
            return list(self.table.staged_columns)
        if self.mart:
            return mart_outputs(self.mart)
        return []

    @property
    def name(self) -> str:
        if self.table:
            return self.table.dataset.name
        return self.mart.name if self.mart else ""


def mart_outputs(mart: Mart) -> list[str]:
    """A mart's output columns, in order: its `columns`, or its group keys then measures."""
    if mart.columns:
        return [c.output_name for c in mart.columns]
    return [*(g.output_name for g in mart.group_by), *(m.name for m in mart.measures)]


class SpecIndex:
    """Every lookup by name over one spec, each map built once: make it with index_of(spec), which
    returns the same index for the same spec object (rules, planner and families share it)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    @cached_property
    def tables(self) -> list[TableRef]:
        return list(self._iter_tables())

    def _iter_tables(self) -> Iterator[TableRef]:
        for si, source in enumerate(self.spec.sources):
            for kind in ("tables", "topics"):
                for di, dataset in enumerate(getattr(source, kind)):
                    yield TableRef(si, kind, di, source, dataset)

    @cached_property
    def _by_qualified(self) -> dict[str, TableRef]:
        return {t.qualified.lower(): t for t in self.tables}

    @cached_property
    def _by_name(self) -> dict[str, list[TableRef]]:
        out: dict[str, list[TableRef]] = {}
        for t in self.tables:
            out.setdefault(t.dataset.name.lower(), []).append(t)
        return out

    @cached_property
    def json_text(self) -> str:
        """The spec as pydantic's JSON, dumped once: what a family searches for a reference
        (`${secret:NAME}`) asks this instead of dumping the whole spec per name it looks up."""
        return self.spec.model_dump_json()

    @cached_property
    def marts(self) -> dict[str, Mart]:
        return {m.name.lower(): m for m in self.spec.transforms.marts}

    def known_names(self) -> list[str]:
        names = {t.dataset.name for t in self.tables} | {t.qualified for t in self.tables}
        return sorted(names | {m.name for m in self.spec.transforms.marts})

    def resolve(self, ref: str, *, allow_marts: bool = True) -> Resolved:
        """'table', 'source.table' or a mart name -> what it names, or why not."""
        key = ref.strip().lower()
        if "." in key:
            table = self._by_qualified.get(key)
            return Resolved(table=table) if table else Resolved(error=f"no table '{ref}'")
        candidates = self._by_name.get(key, [])
        if len(candidates) > 1:
            names = ", ".join(sorted(c.qualified for c in candidates))
            return Resolved(error=f"'{ref}' is ambiguous: it could be {names}")
        if candidates:
            return Resolved(table=candidates[0])
        if allow_marts and key in self.marts:
            return Resolved(mart=self.marts[key])
        return Resolved(error=f"no table or mart named '{ref}'")

    def resolve_column(self, ref: str) -> tuple[TableRef | None, Column | None, str | None]:
        """'table.column' or 'source.table.column' -> (table, column, error)."""
        parts = ref.strip().split(".")
        if len(parts) not in (2, 3) or not all(parts):
            return None, None, f"'{ref}' is not 'table.column' or 'source.table.column'"
        table_ref, column = ".".join(parts[:-1]), parts[-1]
        resolved = self.resolve(table_ref, allow_marts=False)
        if resolved.table is None:
            return None, None, resolved.error
        found = resolved.table.column(column)
        if found is None:
            return resolved.table, None, f"table '{resolved.table.qualified}' has no column '{column}'"
        return resolved.table, found, None


# The indexes of the last few specs, by identity (a spec is frozen, so its index never goes
# stale). Rules, planner and families each used to build their own index, some once per element
# (a table, a rule), which made generation quadratic in the tables (docs/benchmarks.md). Bounded,
# so a process that checks many specs (tests, the corpus) keeps only the latest alive.
_RECENT: dict[int, SpecIndex] = {}
_KEEP = 4


def index_of(spec: Spec) -> SpecIndex:
    """The one SpecIndex of this spec object (built on first use)."""
    found = _RECENT.get(id(spec))
    if found is not None and found.spec is spec:
        return found
    if len(_RECENT) >= _KEEP:
        del _RECENT[next(iter(_RECENT))]
    made = _RECENT[id(spec)] = SpecIndex(spec)
    return made


def forget(spec: Spec) -> None:
    """Drop this spec's index: its user is done with the spec (generate, after rendering, so the
    spec's models are freed before the write stage; docs/benchmarks.md)."""
    found = _RECENT.get(id(spec))
    if found is not None and found.spec is spec:
        del _RECENT[id(spec)]
