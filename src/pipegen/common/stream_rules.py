"""The spec's per-event rules as Flink SQL predicates: what the flink family's quality jobs
check on every event of a streamed table (dead letters, validation events) and what the stream
jobs' input views exclude under `quality.on_failure: quarantine`.

A rule is checkable on one event when it reads only that event's value: not_null, range,
accepted_values, regex (the rule kinds with a Flink predicate, `RuleKind.flink` in
spec/rulekinds.py). Each becomes a NULL-safe "broken" predicate (TRUE or FALSE, never NULL: NULL
passes every rule but not_null, as in dbt and GX), written by the kind with this module's
literals. Severity and `mostly` follow the GX suites (gx.py): the rule's own, else
`quality.severity`, else 1 - fail_threshold. Expectation names and spec paths are the GX ones,
so a dead letter or a validation event points at the same line of pipegen.yaml as a GX failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipegen.plan.names import Names, snake
from pipegen.render.flinksql import quote
from pipegen.spec import rulekinds
from pipegen.spec.index import SpecIndex, TableRef, index_of
from pipegen.spec.model import ColumnRules, Ingestion, MessageFormat, Severity, Spec

SEVERITY = {Severity.ERROR: "critical", Severity.WARN: "warning"}  # as the GX suites say it
_RUNNER_VAR = "${"


def text_literal(value: str) -> str:
    """A Flink string literal in an expression; one holding `${` is split into a concatenation
    so the SQL runner's `${VAR}` substitution can never reach spec text."""
    if "\x00" in value:
        raise ValueError("a Flink string literal cannot contain NUL")
    pieces = value.split(_RUNNER_VAR)
    parts = ["'" + p.replace("'", "''") + "'" for p in [pieces[0], *("{" + p for p in pieces[1:])]]
    if len(parts) == 1:
        return parts[0]
    joined = [p[:-1] + "$'" if i < len(parts) - 1 else p for i, p in enumerate(parts)]
    return "(" + " || ".join(joined) + ")"


def value_literal(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return text_literal(value)


@dataclass(frozen=True)
class EventRule:
    """One per-event rule of a streamed table's column."""

    rule: str  # a per-event rule kind (spec/rulekinds.py): not_null, range, accepted_values, regex
    column: str  # the physical (or derived) column the Flink tables carry
    staged: str  # the column's name in GX suites and events (snake-case staged name)
    spec_path: str  # e.g. sources[0].tables[0].columns[4].range (as GX meta.spec_path)
    severity: str  # critical / warning
    mostly: float  # fraction of events that must pass in a window
    spec_rule: Any  # the spec's rule object (its bounds, values, pattern)

    @property
    def expectation(self) -> str:
        gx = rulekinds.kind(self.rule).gx
        assert gx is not None, f"per-event rule kind {self.rule} has no GX expectation"
        return gx.expectation

    @property
    def critical(self) -> bool:
        return self.severity == "critical"

    @property
    def threshold(self) -> float:
        """The failure ratio a window may reach: 1 - mostly."""
        return round(1.0 - self.mostly, 12)

    def gate(self, column: str) -> dict[str, Any]:
        """The rule as the lake and Spark jobs' configs hold it, on the column's landed name."""
        return {
            "rule": self.rule,
            "column": column,
            "args": rulekinds.kind(self.rule).arguments(self.spec_rule),
            "label": f"{column}: {self.rule} ({self.spec_path})",
        }

    def broken(self, column_sql: str | None = None) -> str:
        """TRUE when the event breaks the rule (never NULL)."""
        broken = rulekinds.kind(self.rule).flink
        assert broken is not None, f"rule kind {self.rule} is not decidable per event"
        return broken(self.spec_rule, column_sql or quote(self.column), value_literal)


def event_rules(spec: Spec, ref: TableRef) -> list[EventRule]:
    """The table's per-event rules, in column then rule order (the GX suite's order)."""
    where = f"sources[{ref.source_index}].{ref.kind}[{ref.index}]"
    derived = {d.name.lower() for d in ref.dataset.derived}
    found: list[tuple[str, str, ColumnRules, str]] = [
        (c.name, c.staged_name, c, f"{where}.columns[{i}]")
        for i, c in enumerate(ref.dataset.columns)
        if c.staged_name.lower() not in derived and c.metadata is None
    ]
    found += [(d.name, d.name, d, f"{where}.derived[{i}]") for i, d in enumerate(ref.dataset.derived)]
    out = []
    for column, staged, rules, path in found:
        for kind in rulekinds.stated(rules):
            if not kind.per_event:
                continue
            rule = kind.rule(rules)
            mostly = rule.mostly if rule.mostly is not None else 1.0 - spec.quality.fail_threshold
            severity = SEVERITY[rule.severity or spec.quality.severity]
            out.append(EventRule(kind.name, column, str(snake(staged)), f"{path}.{kind.field}", severity, mostly, rule))
    return out


def streamed_tables(spec: Spec, index: SpecIndex) -> list[TableRef]:
    """The tables a stream job reads (its source or a join) from a CDC or stream source, in spec
    order: the ones a Flink quality job checks when they have per-event rules."""
    read: set[str] = set()
    for job in spec.transforms.streams:
        for name in (job.from_, *(j.table for j in job.joins)):
            ref = index.resolve(name, allow_marts=False).table
            if ref is not None:
                read.add(ref.qualified)
    return [r for r in index.tables if r.qualified in read and r.source.ingestion != Ingestion.BATCH]


def checked_tables(spec: Spec, index: SpecIndex) -> list[TableRef]:
    """The streamed tables with per-event rules: each gets a Flink dead-letter job and a validation job
    (the flink family's quality jobs; compose's session cluster counts them: stream_landing.flink_job_count)."""
    return [ref for ref in streamed_tables(spec, index) if event_rules(spec, ref)]


def quarantine_predicate(rules: list[EventRule], column_sql: Callable[[str], str]) -> str | None:
    """`NOT (<any critical rule broken>)` over `column_sql(column)`, or None without critical rules."""
    critical = [r.broken(column_sql(r.column)) for r in rules if r.critical]
    if not critical:
        return None
    return "NOT (" + " OR ".join(critical) + ")"


def redrive_blocker(ref: TableRef, names: Names) -> str | None:
    """Why pipeline/redrive.py cannot send a streamed table's dead letters back to the topic it is
    read from (None: it can). The dead letters are the events as JSON; a redrive writes them to that
    topic on the pipeline's cluster, where the quality jobs check them again."""
    ds = names.dataset(ref.source.name, ref.dataset.name)
    if ref.source.ingestion == Ingestion.CDC:
        return "a CDC table's topic holds Debezium change events: re-capture the rows instead (an incremental snapshot)"
    if not ds.on_pipeline_cluster:
        return "its topic is on the source's own cluster or service, which the pipeline does not write to"
    if ref.dataset.format not in (None, MessageFormat.JSON):
        return f"its topic's records are {ref.dataset.format.value}, the dead letters JSON"
    return None


def dead_letter_tables(spec: Spec, names: Names) -> list[tuple[TableRef, str | None]]:
    """The streamed tables the flink family dead-letters (per-event rules), each with its
    `redrive_blocker`."""
    index = index_of(spec)
    return [(ref, redrive_blocker(ref, names)) for ref in checked_tables(spec, index)]
