"""Names: unique per scope, valid and short enough for every system they reach."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pipegen.spec import catalog, reach
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import (
    Mart,
    Spec,
    StreamJob,
)


def _duplicates(items: Iterable[tuple[Path, str]], scope: str) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for path, name in items:
        key = name.lower()
        if key in seen:
            yield Finding(
                path,
                "R201",
                f"duplicate {scope} name '{name}' (names are compared ignoring case)",
                f"rename it: '{seen[key]}' is already used in this scope",
            )
        else:
            seen[key] = name


def unique_names(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    yield from _duplicates(((("sources", i, "name"), s.name) for i, s in enumerate(spec.sources)), "source")
    yield from _duplicates(((("targets", i, "name"), t.name) for i, t in enumerate(spec.targets)), "target")
    for si, source in enumerate(spec.sources):
        datasets = [
            (("sources", si, kind, di, "name"), d.name)
            for kind in ("tables", "topics")
            for di, d in enumerate(getattr(source, kind))
        ]
        yield from _duplicates(datasets, "table/topic")
    for t in index.tables:
        cols = [((*t.path, "columns", ci, "name"), c.name) for ci, c in enumerate(t.dataset.columns)]
        yield from _duplicates(cols, "column")
    marts = [(("transforms", "marts", i, "name"), m.name) for i, m in enumerate(spec.transforms.marts)]
    yield from _duplicates(marts, "mart")
    streams = [(("transforms", "streams", i, "name"), j.name) for i, j in enumerate(spec.transforms.streams)]
    yield from _duplicates(streams, "stream job")
    jobs: list[tuple[str, Mart | StreamJob]] = [
        *(("marts", m) for m in spec.transforms.marts),
        *(("streams", j) for j in spec.transforms.streams),
    ]
    counters: dict[str, int] = {}
    for kind, job in jobs:
        i = counters[kind] = counters.get(kind, -1) + 1
        outputs = [(("transforms", kind, i, "measures", mi, "name"), m.name) for mi, m in enumerate(job.measures)]
        yield from _duplicates(outputs, f"output column of '{job.name}'")


def identifier_lengths(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Each name against the systems it reaches only (a Faker->DuckDB table is not held to an
    unrelated Postgres source's 63 bytes)."""
    for t in index.tables:
        named: list[tuple[Path, str]] = [((*t.path, "name"), t.dataset.name)]
        named += [((*t.path, "columns", ci, "name"), c.name) for ci, c in enumerate(t.dataset.columns)]
        yield from _too_long(named, reach.table_systems(t.source, spec.targets))
    for mi, mart in enumerate(spec.transforms.marts):
        outputs = [(("transforms", "marts", mi, "measures", i, "name"), m.name) for i, m in enumerate(mart.measures)]
        yield from _too_long(outputs, reach.mart_systems(mart, spec.targets))
    for ji, job in enumerate(spec.transforms.streams):
        outputs = [(("transforms", "streams", ji, "measures", i, "name"), m.name) for i, m in enumerate(job.measures)]
        yield from _too_long(outputs, reach.job_systems(job, spec.targets))


def _too_long(named: Sequence[tuple[Path, str]], systems: frozenset[str]) -> Iterator[Finding]:
    found = reach.tightest(systems)
    if found is None:
        return
    limit, system = found
    for path, name in named:
        size = len(name.encode())
        if size > limit:
            shown = name if len(name) <= 40 else f"{name[:40]}…"
            yield Finding(
                path,
                "R202",
                f"'{shown}' is {size} bytes long; {system} allows at most {limit}",
                f"shorten it to {limit} bytes or fewer ({system} is one of the systems this name reaches)",
            )


def metadata_columns(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    reserved = {c.lower() for c in catalog.METADATA_COLUMNS}
    for t in index.tables:
        for ci, c in enumerate(t.dataset.columns):
            if c.name.lower() in reserved:
                yield Finding(
                    (*t.path, "columns", ci, "name"),
                    "R224",
                    f"'{c.name}' is reserved for the metadata columns pipegen adds "
                    f"({', '.join(catalog.METADATA_COLUMNS)})",
                    "rename the column",
                )
