"""The quality rule kinds: one entry per kind, holding what every engine needs.

A kind names its spec field (a column rule of `ColumnRules`, or a table rule of `TableQuality`)
and says how each consumer checks it: the GX expectation(s) and their arguments, the dbt data
test (or the reason code dbt has none), the Flink "broken" predicate when one event decides it,
the strategy the runtimes use to break it on purpose (synthetic bad rows, bad change events),
the `pipegen diff` classification of a change to it, its cells in the generated docs/quality.md
matrix and the validation events a failure of it causes. Every family, validate and diff read
these entries; nothing else lists the kinds. Generated projects get them as data,
`pipeline/rules.json` (`rules_json()`; the copy `templates/runtime/rules.json` lets the runtime
templates run in place: `python -m pipegen.spec.rulekinds > templates/runtime/rules.json`).

Adding a kind: its field in the spec model (unless it reads an existing one), one `RuleKind`
below, and its tests. Order matters: `KINDS` is the order of a GX suite's expectations per
column (then the table kinds), of the matrix rows, of the Flink checks and of the synthetic
generator's rules; dbt orders a column's tests by `Dbt.order`.

Pure data and small pure functions: the Flink renderer, names and the families are the callers'
(a Flink predicate gets the caller's literal function; GX parameter names come from the caller's
`GxSite.parameter`, i.e. the naming layer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from pipegen.spec.model import ExpectedColumns
from pipegen.spec.types import parse_column_type

Scope = Literal["column", "table"]
ChangeKind = Literal["added", "removed", "changed"]  # as spec/diff.py's Kind
Category = Literal["breaking", "non-breaking", "metadata"]  # as spec/diff.py's Category
RULES_VERSION = 1


# ---------------------------------------------------------------- what an entry holds


class Cell(NamedTuple):
    """One cell of the docs/quality.md matrix: what checks the rule, or "—" and a REASONS code."""

    text: str
    why: str = ""


class Matrix(NamedTuple):
    """A kind's batch cells in docs/quality.md (the Flink cell follows from `RuleKind.per_event`)."""

    dbt: Cell
    gx: Cell
    ingestion: Cell
    ingestion_off_key: Cell | None = None  # the ingestion cell for a source column outside the primary key


class GxSite(NamedTuple):
    """Where a rule sits, as the gx family knows it: what a kind's GX function may use."""

    suite: str
    path: str  # the rule's spec path, e.g. sources[0].tables[1].columns[2].range
    column: str | None  # column rules: the column in the validated relation
    columns: tuple[str, ...]  # the relation's columns, in order
    types: Mapping[str, str]  # column -> portable type (staged tables)
    watermark: str | None  # the table's watermark column (spec name)
    column_named: Callable[[str | None], str | None]  # a spec column name -> the relation's column, None: none
    parent: Callable[[str], dict[str, Any] | None]  # a foreign key's parent {schema, table, column}, None: unreadable
    parameter: Callable[[str], str]  # qualifier -> the run-time suite parameter's name (plan.names)


class GxCheck(NamedTuple):
    """One expectation a rule makes."""

    expectation: str
    kwargs: dict[str, Any]
    column: str | None = None  # put first in kwargs as `column`
    path: str = ""  # below the rule's spec path (".warn_after")
    severity: str | None = None  # a fixed GX severity (freshness levels); else the rule's
    parameter: tuple[str, dict[str, Any]] | None = None  # a suite parameter the quality runner fills at run time


class Gx(NamedTuple):
    expectations: tuple[str, ...]  # every expectation type the kind can make; the first names it in events
    checks: Callable[[Any, GxSite], list[GxCheck]]
    row_level: bool = False  # unexpected rows are counted: ThresholdBreached, quarantine moves them

    @property
    def expectation(self) -> str:
        return self.expectations[0]


class DbtSite(NamedTuple):
    mostly: float  # the rule's, else 1 - quality.fail_threshold
    relation: Callable[[str], tuple[str, str] | None]  # a foreign key's reference -> (dbt model, column)


class Dbt(NamedTuple):
    test: Callable[[Any, DbtSite], tuple[str, dict[str, Any]] | None]  # (test name, arguments), None: no test
    order: int  # position among a column's tests in the models' YAML (accepted_values before range)


DiffTest = Callable[[Any, Any], bool]  # (old value, new value) -> the rule applies


class DiffRule(NamedTuple):
    """A `pipegen diff` classification of a change under `pattern` (spec/diff.py's Rule, as data)."""

    pattern: str
    kinds: frozenset[ChangeKind]
    category: Category
    reason: str
    downstream: str
    test: DiffTest | None = None


# (spec rule, the column as SQL, the caller's literal function) -> TRUE when the event breaks the rule, never NULL
FlinkBroken = Callable[[Any, str, Callable[[Any], str]], str]


def _no_arguments(rule: Any) -> dict[str, Any]:
    return {}


def _is_not_none(value: Any) -> bool:
    return value is not None


class RuleKind(NamedTuple):
    name: str
    scope: Scope
    field: str  # the spec field holding the rule: on ColumnRules (column) or TableQuality (table)
    matrix: Matrix
    gx: Gx | None = None  # None: no GX expectation (matrix.gx says why)
    dbt: Dbt | None = None  # None: no dbt test (matrix.dbt says why)
    flink: FlinkBroken | None = None  # set: decidable per event (Flink quality jobs, validate's R267)
    bad_value: str | None = None  # how the runtimes break it on purpose (their BAD_VALUES/STRATEGIES keys)
    arguments: Callable[[Any], dict[str, Any]] = _no_arguments  # the rule's parameters as JSON, for runtimes
    # `pipegen diff` of a change to it, first match wins; a table kind's change (under `quality:`)
    # is diff.py's general "table check settings"; a change no rule covers counts as breaking
    diff: tuple[DiffRule, ...] = ()
    events: tuple[str, ...] = ("ValidationFailed",)  # validation events a failure of it causes (and notifies)
    is_set: Callable[[Any], bool] = _is_not_none  # whether the field's value states the rule

    @property
    def per_event(self) -> bool:
        return self.flink is not None

    def rule(self, holder: Any) -> Any:
        """The spec's rule object on a column (ColumnRules) or a table's `quality:` (TableQuality)."""
        return getattr(holder, self.field, None) if holder is not None else None

    def present(self, holder: Any) -> bool:
        return self.is_set(self.rule(holder))


# ---------------------------------------------------------------- small pure helpers the entries use

ANY: frozenset[ChangeKind] = frozenset({"added", "removed", "changed"})
ADDED: frozenset[ChangeKind] = frozenset({"added"})
REMOVED: frozenset[ChangeKind] = frozenset({"removed"})


def _on(value: Any) -> bool:
    return value not in (None, False)


def _num(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _values(rule: Any) -> set[str]:
    items = rule.get("values", []) if isinstance(rule, dict) else rule if isinstance(rule, list) else []
    return {json.dumps(v, sort_keys=True) for v in items}


def switched_on(old: Any, new: Any) -> bool:
    return _on(new) and not _on(old)


def raised(default: float) -> DiffTest:
    return lambda old, new: _num(new, default) > _num(old, default)


def lowered(default: float) -> DiffTest:
    return lambda old, new: _num(new, default) < _num(old, default)


def values_removed(old: Any, new: Any) -> bool:
    return bool(_values(old) - _values(new))


def sql_number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _bounds(rule: Any) -> dict[str, Any]:
    return {k: v for k, v in (("min_value", rule.min), ("max_value", rule.max)) if v is not None}


def _column(expectation: str, kwargs: Callable[[Any], dict[str, Any]]) -> Gx:
    """A row-level expectation on the rule's column."""
    return Gx((expectation,), lambda r, s: [GxCheck(expectation, kwargs(r), column=s.column)], row_level=True)


def _mostly_test(exact: str, threshold: str, order: int) -> Dbt:
    """dbt's builtin test where every row must pass, pipegen's generic test with a `mostly`."""
    return Dbt(lambda r, s: (exact, {}) if s.mostly >= 1 else (threshold, {"mostly": s.mostly}), order)


def _range_broken(rule: Any, col: str, literal: Callable[[Any], str]) -> str:
    past = [f"{col} < {sql_number(rule.min)}" if rule.min is not None else "",
            f"{col} > {sql_number(rule.max)}" if rule.max is not None else ""]  # fmt: skip
    return f"({col} IS NOT NULL AND (" + " OR ".join(p for p in past if p) + "))"


def _fk_checks(rule: Any, site: GxSite) -> list[GxCheck]:
    """A value-set check whose set is a suite parameter: the parent's keys, read at run time."""
    parent = site.parent(rule.references)
    if parent is None or site.column is None:
        return []
    name = site.parameter(site.column)
    spec = {"kind": "foreign_key", **parent, "fk_column": site.column, "spec_path": site.path}
    return [GxCheck("expect_column_values_to_be_in_set", {"value_set": {"$PARAMETER": name}}, column=site.column,
                    parameter=(name, spec))]  # fmt: skip


def _fk_test(rule: Any, site: DbtSite) -> tuple[str, dict[str, Any]] | None:
    found = site.relation(rule.references)
    return None if found is None else ("relationships", {"to": f"ref('{found[0]}')", "field": found[1]})


def _columns_checks(rule: Any, site: GxSite) -> list[GxCheck]:
    if rule == ExpectedColumns.ORDERED:
        return [GxCheck("expect_table_columns_to_match_ordered_list", {"column_list": list(site.columns)})]
    if rule == ExpectedColumns.UNORDERED:
        return [GxCheck("expect_table_columns_to_match_set", {"column_set": list(site.columns), "exact_match": True})]
    return []


def _row_count_checks(rule: Any, site: GxSite) -> list[GxCheck]:
    bounds = _bounds(rule)
    return [GxCheck("expect_table_row_count_to_be_between", bounds)] if bounds else []


def _freshness_checks(rule: Any, site: GxSite) -> list[GxCheck]:
    """Newest row no older than warn_after (warning) / error_after (critical): the bound is a
    parameter the runner computes from the clock (`now - age`)."""
    column = site.column_named(rule.column or site.watermark)
    if column is None:
        return []
    tz = parse_column_type(site.types.get(column, "timestamp")).name == "timestamp_tz"
    out = []
    for level, age, severity in (("warn", rule.warn_after, "warning"), ("error", rule.error_after, "critical")):
        if age is None:
            continue
        name = site.parameter(level)
        out.append(GxCheck("expect_column_max_to_be_between", {"min_value": {"$PARAMETER": name}}, column=column,
                           path=f".{level}_after", severity=severity,
                           parameter=(name, {"kind": "freshness", "max_age_seconds": age, "tz": tz})))  # fmt: skip
    return out


_ROW_EVENTS = ("ValidationFailed", "ThresholdBreached")
_INGEST_ROWS = Cell("—", "ingest-rows")


# ---------------------------------------------------------------- the kinds

# fmt: off
KINDS: tuple[RuleKind, ...] = (
    RuleKind(
        "not_null", "column", "not_null",
        Matrix(Cell("`not_null` / `pipegen_not_null`"), Cell("`expect_column_values_to_not_be_null`"),
               Cell("primary-key columns only: null key → dead letter", "ingest-keys"), ingestion_off_key=_INGEST_ROWS),
        gx=_column("expect_column_values_to_not_be_null", lambda r: {}),
        dbt=_mostly_test("not_null", "pipegen_not_null", 10),
        flink=lambda r, col, lit: f"{col} IS NULL",
        bad_value="null",
        diff=(DiffRule("*.not_null", ANY, "breaking", "not-null rule added", "existing rows with nulls now fail",
                       switched_on),
              DiffRule("*.not_null", ANY, "non-breaking", "not-null rule relaxed", "fewer rows fail")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "unique", "column", "unique",
        Matrix(Cell("`unique` / `pipegen_unique`"), Cell("`expect_column_values_to_be_unique`"), _INGEST_ROWS),
        gx=_column("expect_column_values_to_be_unique", lambda r: {}),
        dbt=_mostly_test("unique", "pipegen_unique", 20),
        bad_value="duplicate",
        diff=(DiffRule("*.unique", ANY, "breaking", "unique rule added", "existing duplicate rows now fail",
                       switched_on),
              DiffRule("*.unique", ANY, "non-breaking", "unique rule relaxed", "fewer rows fail")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "range", "column", "range",
        Matrix(Cell("`pipegen_range`"), Cell("`expect_column_values_to_be_between`"), _INGEST_ROWS),
        gx=_column("expect_column_values_to_be_between", _bounds),
        dbt=Dbt(lambda r, s: ("pipegen_range", {**_bounds(r), "mostly": s.mostly}), order=40),
        flink=_range_broken,
        bad_value="out_of_range",
        arguments=lambda r: {k: v for k, v in (("min", r.min), ("max", r.max)) if v is not None},
        diff=(DiffRule("*.range", ADDED, "breaking", "range rule added", "existing values outside the range now fail"),
              DiffRule("*.range.min", ANY, "breaking", "range tightened", "values below {new} now fail",
                       raised(float("-inf"))),
              DiffRule("*.range.max", ANY, "breaking", "range tightened", "values above {new} now fail",
                       lowered(float("inf"))),
              DiffRule("*.range*", ANY, "non-breaking", "range relaxed", "fewer rows fail")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "accepted_values", "column", "accepted_values",
        Matrix(Cell("`pipegen_accepted_values`"), Cell("`expect_column_values_to_be_in_set`"), _INGEST_ROWS),
        gx=_column("expect_column_values_to_be_in_set", lambda r: {"value_set": list(r.values)}),
        # pipegen's generic test, not dbt's accepted_values: dbt's writes '{{ value }}' unescaped, so a
        # value holding a quote breaks the test SQL or (`x') and 1=0 and ('a' = 'a`) switches it off
        dbt=Dbt(lambda r, s: ("pipegen_accepted_values", {"values": list(r.values)}), order=30),
        flink=lambda r, col, lit: f"({col} IS NOT NULL AND {col} NOT IN (" + ", ".join(lit(v) for v in r.values) + "))",
        bad_value="outside_values",
        arguments=lambda r: {"values": list(r.values)},
        diff=(DiffRule("*.accepted_values*", ANY, "breaking", "accepted value removed",
                       "rows holding a removed value now fail the check", values_removed),
              DiffRule("*.accepted_values*", ANY, "non-breaking", "accepted values widened",
                       "the check accepts more values")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "regex", "column", "regex",
        Matrix(Cell("`pipegen_regex`"), Cell("`expect_column_values_to_match_regex`"), _INGEST_ROWS),
        gx=_column("expect_column_values_to_match_regex", lambda r: {"regex": r.pattern}),
        dbt=Dbt(lambda r, s: ("pipegen_regex", {"pattern": r.pattern, "mostly": s.mostly}), order=50),
        flink=lambda r, col, lit: f"({col} IS NOT NULL AND NOT REGEXP({col}, {lit(r.pattern)}))",
        bad_value="regex_miss",
        arguments=lambda r: {"pattern": r.pattern},
        diff=(DiffRule("*.regex*", REMOVED, "non-breaking", "regex rule removed", "fewer rows fail"),
              DiffRule("*.regex*", ANY, "breaking", "regex rule added or changed",
                       "existing values may no longer match")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "foreign_key", "column", "foreign_key",
        Matrix(Cell("`relationships`"), Cell("`expect_column_values_to_be_in_set` (parent keys read at run time)"),
               Cell("—", "ingest-fk")),
        gx=Gx(("expect_column_values_to_be_in_set",), _fk_checks, row_level=True),
        dbt=Dbt(_fk_test, order=60),
        bad_value="dangling",
        arguments=lambda r: {"references": r.references},
        diff=(DiffRule("*.foreign_key*", REMOVED, "non-breaking", "foreign key rule removed", "fewer rows fail"),
              DiffRule("*.foreign_key*", ANY, "breaking", "foreign key rule added or changed",
                       "orphan rows now fail")),
        events=_ROW_EVENTS,
    ),
    RuleKind(
        "expected_columns", "table", "expected_columns",
        Matrix(Cell("—", "dbt-columns"), Cell("`expect_table_columns_to_match_ordered_list` / `_set`"),
               Cell("contract: a dropped column or changed type stops the load")),
        gx=Gx(("expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set"), _columns_checks),
        is_set=lambda v: v is not None and v != ExpectedColumns.NONE,
    ),
    RuleKind(
        "row_count", "table", "row_count",
        Matrix(Cell("—", "dbt-rowcount"), Cell("`expect_table_row_count_to_be_between`"), _INGEST_ROWS),
        gx=Gx(("expect_table_row_count_to_be_between",), _row_count_checks),
    ),
    RuleKind(
        "freshness", "table", "freshness",
        Matrix(Cell("source freshness (`monitoring.freshness_sla`, not per table)", "dbt-freshness"),
               Cell("`expect_column_max_to_be_between` (bound = now − age)"), _INGEST_ROWS),
        gx=Gx(("expect_column_max_to_be_between",), _freshness_checks),
    ),
    RuleKind(
        "drift", "table", "drift",
        Matrix(Cell("—", "dbt-drift"), Cell("quality runner beside GX: `DataDriftDetected`", "gx-drift"),
               _INGEST_ROWS),
        events=("DataDriftDetected",),
    ),
)
# fmt: on

# Why a matrix cell is empty (docs/quality.md prints them in this order).
REASONS: dict[str, str] = {
    "ingest-keys": "The extract routes rows it cannot land (null keys, uncastable values) to the dead-letter "
    "table; every other rule is checked after landing, so a bad row stays visible and traceable.",
    "ingest-rows": "A load sees one page of one table at a time: rules over the whole table (uniqueness, row "
    "count, freshness, drift) cannot be decided there, and value rules are left to dbt and GX so bad rows are "
    "kept, reported and (with `quarantine`) moved rather than silently dropped.",
    "ingest-fk": "The parent table may not be loaded yet when a child page arrives: referential checks need "
    "both tables landed.",
    "dbt-columns": "A staging model selects the declared columns itself, so a column-set test on it could "
    "never fail; GX checks the staged relation's columns instead (and the ingestion contract the source's).",
    "dbt-rowcount": "dbt-core has no row-count test and dbt_utils cannot be installed offline (`dbt deps`).",
    "dbt-freshness": "dbt source freshness is set per source from `monitoring.freshness_sla`; the per-table "
    "bound is checked by GX.",
    "dbt-drift": "A data test is stateless: it cannot compare this run with the previous one.",
    "gx-drift": "GX has no expectation that compares two runs; the generated runner keeps the previous "
    "statistics and emits the event.",
    "flink-table": "A stream filter sees one event at a time: uniqueness, foreign keys and rules over the whole "
    "table (row count, columns, freshness, drift) cannot be decided per event; dbt and GX check them on the "
    "landed table where there is one.",
    "batch-only": "The table is not streamed: no Flink stream job reads it from a CDC or stream source.",
    "not-batch": "The table is streamed only: dbt and GX check the batch layer's tables.",
}


# ---------------------------------------------------------------- reading the registry (always through KINDS)


def kinds() -> tuple[RuleKind, ...]:
    return KINDS


def column_kinds() -> tuple[RuleKind, ...]:
    return tuple(k for k in KINDS if k.scope == "column")


def table_kinds() -> tuple[RuleKind, ...]:
    return tuple(k for k in KINDS if k.scope == "table")


def per_event_kinds() -> tuple[RuleKind, ...]:
    return tuple(k for k in KINDS if k.per_event)


def kind(name: str) -> RuleKind:
    for k in KINDS:
        if k.name == name:
            return k
    raise KeyError(f"no rule kind {name!r} (one of: {', '.join(k.name for k in KINDS)})")


def stated(holder: Any, scope: Scope = "column") -> list[RuleKind]:
    """The kinds a column (ColumnRules) or a table's `quality:` (TableQuality) states, in order."""
    if holder is None:
        return []
    return [k for k, field, is_set in _scoped(scope) if is_set(getattr(holder, field, None))]  # k.present


Scoped = tuple[tuple[RuleKind, str, Callable[[Any], bool]], ...]
_SCOPED: list[tuple[tuple[RuleKind, ...], dict[str, Scoped]]] = []  # (KINDS, its kinds per scope), once


def _scoped(scope: str) -> Scoped:
    """stated()'s kinds of `scope`, in KINDS order, with what it reads of each (it runs per column and
    family): worked out once per KINDS tuple (a test adds a kind by replacing the tuple)."""
    if not _SCOPED or _SCOPED[0][0] is not KINDS:
        scopes = {k.scope for k in KINDS}
        _SCOPED[:] = [(KINDS, {s: tuple((k, k.field, k.is_set) for k in KINDS if k.scope == s) for s in scopes})]
    return _SCOPED[0][1].get(scope, ())


def rules_document() -> dict[str, Any]:
    """What generated projects read (`pipeline/rules.json`): per kind its field and scope, whether
    one event decides it, the runtimes' bad-value strategy, GX's expectation types and whether
    they count rows, and the validation events a failure causes."""
    return {
        "version": RULES_VERSION,
        "generated_by": "pipegen (src/pipegen/spec/rulekinds.py)",
        "kinds": [
            {
                "name": k.name,
                "scope": k.scope,
                "field": k.field,
                "per_event": k.per_event,
                "bad_value": k.bad_value,
                "gx_expectations": list(k.gx.expectations) if k.gx else [],
                "row_level": bool(k.gx and k.gx.row_level),
                "events": list(k.events),
            }
            for k in KINDS
        ],
    }


def rules_json() -> str:
    return json.dumps(rules_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m pipegen.spec.rulekinds > templates/runtime/rules.json
    print(rules_json(), end="")
