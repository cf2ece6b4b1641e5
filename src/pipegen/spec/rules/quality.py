"""Rules no engine can check: pipegen says so at validate time instead of dropping them
(docs/quality.md of a generated project shows every rule x engine cell)."""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec import rulekinds
from pipegen.spec.diagnostics import Finding
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import ColumnRules, Ingestion, Materialization, OnFailure, Spec
from pipegen.spec.rulekinds import RuleKind

UNCHECKED = "R262"
BLOCKS = "R264"


def _rules(out: ColumnRules) -> list[RuleKind]:
    """The column rule kinds an output states (spec/rulekinds.py)."""
    return rulekinds.stated(out)


def unchecked_rules(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """Column rules on an ephemeral mart's outputs (no relation: neither dbt nor GX can test
    it) and foreign keys into an ephemeral mart (no relation to read the keys from)."""
    for mi, mart in enumerate(spec.transforms.marts):
        outputs = [
            *(("columns", i, c) for i, c in enumerate(mart.columns)),
            *(("group_by", i, g) for i, g in enumerate(mart.group_by)),
            *(("measures", i, m) for i, m in enumerate(mart.measures)),
        ]
        for field, i, out in outputs:
            path = ("transforms", "marts", mi, field, i)
            if mart.materialized == Materialization.EPHEMERAL:
                for kind in _rules(out):
                    yield Finding(
                        (*path, kind.field), UNCHECKED,
                        f"{kind.name} on an output of the ephemeral mart '{mart.name}' is checked by no engine: "
                        "dbt tests and GX expectations need a relation, and an ephemeral mart is inlined",
                        "materialize the mart as a view (`materialized: view`), or state the rule on the mart "
                        "that uses it", severity="warning", on_key=True,
                    )  # fmt: skip
            elif out.foreign_key:
                yield from _fk_into_ephemeral(index, out.foreign_key.references, (*path, "foreign_key"))
    for t in index.tables:
        for ci, c in enumerate(t.dataset.columns):
            if c.foreign_key:
                yield from _fk_into_ephemeral(index, c.foreign_key.references, (*t.path, "columns", ci, "foreign_key"))


def _fk_into_ephemeral(index: SpecIndex, ref: str, path: tuple[str | int, ...]) -> Iterator[Finding]:
    name, _, _ = ref.strip().rpartition(".")
    mart = index.marts.get(name.lower())
    if mart is not None and mart.materialized == Materialization.EPHEMERAL and index.resolve(name).mart is mart:
        yield Finding(
            path, UNCHECKED,
            f"foreign key into the ephemeral mart '{mart.name}' is checked by no engine: there is no relation "
            "to read its keys from (dbt relationships and the GX value-set check both need one)",
            f"materialize '{mart.name}' as a view or table, or refer to the table its keys come from",
            severity="warning",
        )  # fmt: skip


def quarantine_cannot_move(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """`on_failure: quarantine` with rules on a view mart (a view has no rows of its own to move)
    or on a table without a primary key (its rows cannot be matched, on the local warehouse or a
    warehouse target): a critical failure there blocks the run instead, and so does a row of it
    whose parent row was quarantined (the quality step says the same)."""
    if spec.quality.on_failure != OnFailure.QUARANTINE:
        return
    for t in index.tables:
        ruled = [k.name for c in (*t.dataset.columns, *t.dataset.derived) for k in _rules(c)]
        if t.dataset.primary_key or not (ruled or t.dataset.quality):
            continue
        rules = ", ".join(sorted(set(ruled))) or "table rules"
        yield Finding(
            (*t.path, "name"), BLOCKS,
            f"quarantine cannot move rows of '{t.dataset.name}' ({rules}): it has no primary key to match them by, "
            "so a failure of its rules (or a row whose parent row was quarantined) blocks the run instead",
            "declare its `primary_key` to quarantine its failing rows, or accept that it blocks", severity="warning",
        )  # fmt: skip
    for mi, mart in enumerate(spec.transforms.marts):
        if mart.materialized != Materialization.VIEW:
            continue
        ruled = [k.name for out in (*mart.columns, *mart.group_by, *mart.measures) for k in _rules(out)]
        if ruled:
            yield Finding(
                ("transforms", "marts", mi, "materialized"), BLOCKS,
                f"quarantine cannot move rows out of the view mart '{mart.name}' ({', '.join(sorted(set(ruled)))}): "
                "a failure of its rules blocks the run instead",
                "materialize it as a table (`materialized: table`) to quarantine its failing rows, or accept "
                "that it blocks", severity="warning",
            )  # fmt: skip


STREAM_CANNOT_BLOCK = "R267"


def _streamed_with_rules(spec: Spec, index: SpecIndex) -> list[str]:
    """Tables a stream job reads from a CDC or stream source that have per-event rules (the rule
    kinds one event decides, spec/rulekinds.py)."""
    found: dict[str, None] = {}
    for job in spec.transforms.streams:
        for name in (job.from_, *(j.table for j in job.joins)):
            ref = index.resolve(name, allow_marts=False).table
            if ref is None or ref.source.ingestion == Ingestion.BATCH:
                continue
            outputs = [*ref.dataset.columns, *ref.dataset.derived]
            if any(k.present(c) for c in outputs for k in rulekinds.per_event_kinds()):
                found[ref.qualified] = None
    return list(found)


def stream_cannot_block(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    """`quality.on_failure: block` stated for a spec whose stream jobs read tables with per-event
    rules: a stream has no run to stop; its quality jobs dead-letter and report the bad events."""
    if spec.quality.on_failure != OnFailure.BLOCK or "on_failure" not in spec.quality.model_fields_set:
        return
    tables = _streamed_with_rules(spec, index)
    if tables:
        yield Finding(
            ("quality", "on_failure"), STREAM_CANNOT_BLOCK,
            f"a stream cannot block on a bad event: the streamed table(s) {', '.join(tables)} keep flowing; "
            "their Flink quality jobs send bad events to the dead-letter topic and emit validation events, "
            "and the stream jobs still count them (`block` applies to the batch layer only)",
            "set `on_failure: quarantine` to keep events that break a critical rule out of the stream jobs' "
            "aggregates, or `warn` to state that they flow on", severity="warning",
        )  # fmt: skip
