"""Staging and table-level shapes: renames, derived columns, table quality, synthetic sources,
mart output rules."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path as FilePath

from pipegen.spec import rulekinds
from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex, TableRef, mart_outputs
from pipegen.spec.model import Notification, SourceType, Spec, SyntheticWrites
from pipegen.spec.rules._common import derived_replacing_columns, suggest
from pipegen.spec.rules.operations import _NOTIFY_NEEDS
from pipegen.spec.types import TIME_TYPES, parse_column_type

STAGING = "R257"
TABLE_QUALITY = "R258"
SYNTHETIC = "R259"

# Where a synthetic generator may write, per destination kind.
SYNTHETIC_SYSTEMS: dict[SyntheticWrites, frozenset[SourceType]] = {
    SyntheticWrites.FILES: frozenset({SourceType.FILES}),
    SyntheticWrites.DATABASE: frozenset({SourceType.POSTGRES, SourceType.MYSQL, SourceType.SQLSERVER}),
    SyntheticWrites.STREAM: frozenset({SourceType.KAFKA, SourceType.EVENTHUBS, SourceType.KINESIS, SourceType.PUBSUB}),
}


# What a `metadata:` column may read, per kind of dataset.
METADATA_KEYS: dict[str, frozenset[str]] = {
    "topic": frozenset({"timestamp", "timestamp_type", "partition", "offset", "key", "headers", "topic"}),
    "cdc": frozenset({"op", "ts_ms", "source.ts_ms", "source.db", "source.schema", "source.table", "source.lsn",
                      "source.file", "source.pos", "source.snapshot", "transaction.id"}),
}  # fmt: skip


def staging(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        yield from _renames(t)
        yield from _derived_names(t)
        yield from _streamed_replacements(t)
        yield from _replaced_rules(t)
        yield from _metadata(t)


def _metadata(t: TableRef) -> Iterator[Finding]:
    kind = "topic" if t.kind == "topics" else "cdc" if t.source.ingestion.value == "cdc" else None
    for ci, c in enumerate(t.dataset.columns):
        if c.metadata is None:
            continue
        path = (*t.path, "columns", ci, "metadata")
        if kind is None:
            yield Finding(
                path,
                "R212",
                f"`metadata` does not apply to {t.dataset.name} ({t.source.type.value}, {t.source.ingestion.value})",
                "record metadata exists for topics and cdc tables; remove it",
                on_key=True,
            )
        elif c.metadata not in METADATA_KEYS[kind]:
            yield Finding(
                path,
                "R212",
                f"'{c.metadata}' is not {'record' if kind == 'topic' else 'CDC'} metadata",
                suggest(c.metadata, METADATA_KEYS[kind]) or "one of: " + ", ".join(sorted(METADATA_KEYS[kind])),
            )


def _renames(t: TableRef) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for ci, c in enumerate(t.dataset.columns):
        staged = c.staged_name.lower()
        if staged in seen:
            yield Finding(
                (*t.path, "columns", ci, "rename" if c.rename else "name"),
                STAGING,
                f"two columns of '{t.dataset.name}' are called '{c.staged_name}' in staging "
                f"('{seen[staged]}' and '{c.name}')",
                "rename one of them",
            )
        seen[staged] = c.name


def _derived_names(t: TableRef) -> Iterator[Finding]:
    seen: set[str] = set()
    for di, d in enumerate(t.dataset.derived):
        if d.name.lower() in seen:
            yield Finding(
                (*t.path, "derived", di, "name"),
                "R201",
                f"duplicate derived column '{d.name}' in '{t.dataset.name}'",
                "give each derived column its own name",
            )
        seen.add(d.name.lower())


def _streamed_replacements(t: TableRef) -> Iterator[Finding]:
    """A derived column may replace a column in staging (dbt selects the expression under the
    column's name), but a streamed table is also read by Flink, whose CREATE TABLE cannot hold a
    computed column under the name of a column it reads (the planner refuses the duplicate)."""
    if t.source.ingestion.value in ("cdc", "stream"):
        yield from derived_replacing_columns(t, f"a {t.source.ingestion.value} table")


def _replaced_rules(t: TableRef) -> Iterator[Finding]:
    """The quality rules of a column a derived column replaces in staging: the checks run on the
    staging model, where the column holds the derived value, so the column's own rules reach no
    check (the derived column's rules do). Streamed tables cannot replace a column (R380)."""
    if t.source.ingestion.value in ("cdc", "stream"):
        return
    derived = {d.name.lower(): d.name for d in t.dataset.derived}
    for ci, c in enumerate(t.dataset.columns):
        replacing = derived.get(c.staged_name.lower()) or derived.get(c.name.lower())
        if replacing is None:
            continue
        for kind in rulekinds.stated(c):
            yield Finding(
                (*t.path, "columns", ci, kind.field), "R398",
                f"the `{kind.field}` rule of column '{c.name}' of '{t.dataset.name}' is checked nowhere: derived "
                f"column '{replacing}' replaces the column in staging, where the checks run",
                f"state the rule on the derived column '{replacing}' (it then holds for the derived value), or give "
                "the derived column its own name", severity="warning", on_key=True,
            )  # fmt: skip


def event_time_column(t: TableRef, name: str) -> tuple[str, str] | None:
    """(name, type) of the column or derived column `event_time` names (source or staged name)."""
    lowered = name.lower()
    for d in t.dataset.derived:
        if d.name.lower() == lowered:
            return d.name, d.type
    for c in t.dataset.columns:
        if lowered in (c.name.lower(), c.staged_name.lower()):
            return c.name, c.type
    return None


def table_quality(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for t in index.tables:
        q = t.dataset.quality
        if q is None:
            continue
        path = (*t.path, "quality")
        rows = q.row_count
        if rows and rows.min is not None and rows.max is not None and rows.min > rows.max:
            yield Finding((*path, "row_count"), TABLE_QUALITY, "row_count min is greater than max", "swap them")
        if q.freshness:
            yield from _freshness(t, path)
        if q.drift:
            for ci, col in enumerate(q.drift.columns):
                if t.column(col) is None:
                    yield Finding(
                        (*path, "drift", "columns", ci) if len(q.drift.columns) > 1 else (*path, "drift", "columns"),
                        TABLE_QUALITY,
                        f"drift column '{col}' is not a column of '{t.dataset.name}'",
                        suggest(col, t.column_names) or f"columns: {', '.join(t.column_names)}",
                    )


def _freshness(t: TableRef, path: Path) -> Iterator[Finding]:
    fresh = t.dataset.quality.freshness if t.dataset.quality else None
    assert fresh is not None
    column = fresh.column or t.dataset.watermark
    if fresh.warn_after is None and fresh.error_after is None:
        yield Finding(
            (*path, "freshness"),
            TABLE_QUALITY,
            "freshness needs warn_after, error_after or both",
            "e.g. `{warn_after: 2h, error_after: 6h}`",
        )
    if fresh.warn_after and fresh.error_after and fresh.warn_after > fresh.error_after:
        yield Finding(
            (*path, "freshness"),
            TABLE_QUALITY,
            "freshness warn_after is longer than error_after",
            "warn before failing: swap them",
        )
    if column is None:
        yield Finding(
            (*path, "freshness"),
            TABLE_QUALITY,
            "freshness needs a timestamp column",
            "add `column:` or set the table's `watermark:`",
        )
        return
    found = event_time_column(t, column)
    if found is None:
        yield Finding(
            (*path, "freshness", "column"),
            TABLE_QUALITY,
            f"freshness column '{column}' is not a column of '{t.dataset.name}'",
            suggest(column, t.column_names) or f"columns: {', '.join(t.column_names)}",
        )
    elif parse_column_type(found[1]).name not in TIME_TYPES:
        where = (*path, "freshness", "column") if fresh.column else (*path, "freshness")
        yield Finding(
            where,
            TABLE_QUALITY,
            f"freshness column '{found[0]}' is {found[1]}, not a timestamp",
            "measure freshness on a date or timestamp column",
        )


@lru_cache(maxsize=1)
def faker_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(providers, locales) from the checked-in list (scripts/faker-vocabulary.py); Faker is not imported."""
    text = (FilePath(__file__).resolve().parents[1] / "data" / "faker.txt").read_text(encoding="utf-8")
    providers, locales = set(), set()
    for line in text.splitlines():
        kind, _, name = line.partition(" ")
        if kind == "provider":
            providers.add(name)
        elif kind == "locale":
            locales.add(name)
    return frozenset(providers), frozenset(locales)


def synthetic(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for si, source in enumerate(spec.sources):
        is_faker = source.type == SourceType.FAKER
        if source.synthetic and not is_faker:
            yield Finding(
                ("sources", si, "synthetic"),
                SYNTHETIC,
                f"`synthetic` applies to faker sources, not {source.type.value}",
                "remove it, or use `type: faker`",
                on_key=True,
            )
        if source.synthetic and is_faker:
            _, locales = faker_vocabulary()
            if source.synthetic.locale not in locales:
                yield Finding(
                    ("sources", si, "synthetic", "locale"),
                    SYNTHETIC,
                    f"'{source.synthetic.locale}' is not a Faker locale",
                    suggest(source.synthetic.locale, locales) or "e.g. en_US, cs_CZ, de_DE",
                )
    for t in index.tables:
        yield from _synthetic_table(t)


def _synthetic_table(t: TableRef) -> Iterator[Finding]:
    is_faker = t.source.type == SourceType.FAKER
    providers, _ = faker_vocabulary()
    for ci, c in enumerate(t.dataset.columns):
        if c.faker is None:
            continue
        if not is_faker:
            yield Finding(
                (*t.path, "columns", ci, "faker"),
                SYNTHETIC,
                "`faker` applies to faker sources",
                "remove it",
                on_key=True,
            )
        elif c.faker not in providers:
            yield Finding(
                (*t.path, "columns", ci, "faker"),
                SYNTHETIC,
                f"'{c.faker}' is not a Faker provider",
                suggest(c.faker, providers) or "see https://faker.readthedocs.io/en/master/providers.html",
            )
    syn = t.dataset.synthetic
    if syn is None:
        return
    path = (*t.path, "synthetic")
    if not is_faker:
        yield Finding(path, SYNTHETIC, "`synthetic` applies to tables of faker sources", "remove it", on_key=True)
        return
    if syn.system is not None and syn.system not in SYNTHETIC_SYSTEMS[syn.writes_to]:
        allowed = ", ".join(sorted(s.value for s in SYNTHETIC_SYSTEMS[syn.writes_to]))
        yield Finding(
            (*path, "system"),
            SYNTHETIC,
            f"a generator writing to a {syn.writes_to.value} cannot use {syn.system.value}",
            f"use one of: {allowed}",
        )
    if syn.stream is not None and syn.writes_to != SyntheticWrites.STREAM:
        yield Finding(
            (*path, "stream"),
            SYNTHETIC,
            "`stream` shapes generators that write to a stream",
            "set `writes_to: stream`, or remove `stream`",
            on_key=True,
        )
    # `stream` (rate, bursts) is optional: the local generator does not read it yet (R365 warns).
    if (syn.format is not None or syn.file_per_row) and syn.writes_to != SyntheticWrites.FILES:
        yield Finding(
            path,
            SYNTHETIC,
            "`format` and `file_per_row` apply to generators writing files",
            "set `writes_to: files`, or remove them",
        )
    if syn.stream and not syn.stream.endless and syn.rows is None:
        yield Finding(
            (*path, "stream", "endless"),
            SYNTHETIC,
            "a stream that ends needs `rows`",
            "add `rows:` (how many events), or `endless: true`",
        )


def mart_output_rules(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Foreign keys on mart outputs name a table column or another mart's output."""
    for mi, mart in enumerate(spec.transforms.marts):
        outputs = [
            *(("columns", i, c) for i, c in enumerate(mart.columns)),
            *(("group_by", i, g) for i, g in enumerate(mart.group_by)),
            *(("measures", i, m) for i, m in enumerate(mart.measures)),
        ]
        for field, i, out in outputs:
            if out.foreign_key is None:
                continue
            ref = out.foreign_key.references
            path = ("transforms", "marts", mi, field, i, "foreign_key")
            problem = _mart_reference_error(index, ref)
            if problem:
                yield Finding(path, "R206", f"foreign key: {problem[0]}", problem[1])


def _mart_reference_error(index: SpecIndex, ref: str) -> tuple[str, str] | None:
    parts = ref.strip().split(".")
    if len(parts) == 2 and parts[0].lower() in index.marts:
        outputs = mart_outputs(index.marts[parts[0].lower()])
        if parts[1].lower() not in {o.lower() for o in outputs}:
            hint = suggest(parts[1], outputs) or f"outputs of '{parts[0]}': {', '.join(outputs)}"
            return f"mart '{parts[0]}' has no output '{parts[1]}'", hint
        return None
    _, _, error = index.resolve_column(ref)
    if error is None:
        return None
    return error, suggest(parts[0], index.known_names()) or "write it as table.column or mart.column"


def notifications(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Channels outside `quality` (stream alerts, run alerts) need what quality's do."""
    groups: list[tuple[Path, tuple[Notification, ...]]] = [
        (("transforms", "streams", ji, "notify"), job.notify) for ji, job in enumerate(spec.transforms.streams)
    ]
    groups += [(("orchestration", key), getattr(spec.orchestration, key)) for key in ("on_failure", "on_success")]
    for base, notes in groups:
        for ni, note in enumerate(notes):
            for field in _NOTIFY_NEEDS[note.type]:
                if getattr(note, field) is None:
                    yield Finding(
                        (*base, ni), "R220", f"a {note.type.value} notification needs `{field}`", f"add `{field}:`"
                    )
