"""The spec's per-event rules as Flink SQL predicates: what the flink family's quality jobs
check on every event of a streamed table (dead letters, validation events) and what the stream
jobs' input views exclude under `quality.on_failure: quarantine`.

A rule is checkable on one event when it reads only that event's value: not_null, range,
accepted_values, regex (`FLINK_PER_EVENT`). Each becomes a NULL-safe "broken" predicate (TRUE or
FALSE, never NULL: NULL passes every rule but not_null, as in dbt and GX). Severity and `mostly`
follow the GX suites (gx.py): the rule's own, else `quality.severity`, else 1 - fail_threshold.
Expectation names and spec paths are the GX ones, so a dead letter or a validation event points
at the same line of pipegen.yaml as a GX failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipegen.plan.names import snake
from pipegen.render.flinksql import quote
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import ColumnRules, Ingestion, Severity, Spec

FLINK_PER_EVENT = ("not_null", "range", "accepted_values", "regex")
SEVERITY = {Severity.ERROR: "critical", Severity.WARN: "warning"}  # as the GX suites say it
EXPECTATIONS: dict[str, str] = {
    "not_null": "expect_column_values_to_not_be_null",
    "range": "expect_column_values_to_be_between",
    "accepted_values": "expect_column_values_to_be_in_set",
    "regex": "expect_column_values_to_match_regex",
}
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


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


# rule -> (its arguments from the spec rule, the broken predicate over a column expression)
BROKEN: dict[str, Callable[[Any, str], str]] = {
    "not_null": lambda r, col: f"{col} IS NULL",
    "range": lambda r, col: (
        f"({col} IS NOT NULL AND ("
        + " OR ".join(
            p
            for p in (
                f"{col} < {_number(r.min)}" if r.min is not None else "",
                f"{col} > {_number(r.max)}" if r.max is not None else "",
            )
            if p
        )
        + "))"
    ),
    "accepted_values": lambda r, col: (
        f"({col} IS NOT NULL AND {col} NOT IN (" + ", ".join(value_literal(v) for v in r.values) + "))"
    ),
    "regex": lambda r, col: f"({col} IS NOT NULL AND NOT REGEXP({col}, {text_literal(r.pattern)}))",
}


@dataclass(frozen=True)
class EventRule:
    """One per-event rule of a streamed table's column."""

    rule: str  # not_null, range, accepted_values, regex
    column: str  # the physical (or derived) column the Flink tables carry
    staged: str  # the column's name in GX suites and events (snake-case staged name)
    spec_path: str  # e.g. sources[0].tables[0].columns[4].range (as GX meta.spec_path)
    severity: str  # critical / warning
    mostly: float  # fraction of events that must pass in a window
    spec_rule: Any  # the spec's rule object (its bounds, values, pattern)

    @property
    def expectation(self) -> str:
        return EXPECTATIONS[self.rule]

    @property
    def critical(self) -> bool:
        return self.severity == "critical"

    @property
    def threshold(self) -> float:
        """The failure ratio a window may reach: 1 - mostly."""
        return round(1.0 - self.mostly, 12)

    def broken(self, column_sql: str | None = None) -> str:
        """TRUE when the event breaks the rule (never NULL)."""
        return BROKEN[self.rule](self.spec_rule, column_sql or quote(self.column))


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
        for name in FLINK_PER_EVENT:
            rule = getattr(rules, name)
            if not rule:
                continue
            mostly = rule.mostly if rule.mostly is not None else 1.0 - spec.quality.fail_threshold
            severity = SEVERITY[rule.severity or spec.quality.severity]
            out.append(EventRule(name, column, str(snake(staged)), f"{path}.{name}", severity, mostly, rule))
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


def quarantine_predicate(rules: list[EventRule], column_sql: Callable[[str], str]) -> str | None:
    """`NOT (<any critical rule broken>)` over `column_sql(column)`, or None without critical rules."""
    critical = [r.broken(column_sql(r.column)) for r in rules if r.critical]
    if not critical:
        return None
    return "NOT (" + " OR ".join(critical) + ")"
