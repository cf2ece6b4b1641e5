"""Expressions everywhere in the spec, each checked in its scope (see spec/expr.py for kinds).

Scopes: a table's `filter` sees the source's column names (it runs at extraction); its
`derived` columns see the staged names (renames applied); a mart or stream job sees its
inputs (the `from` table and every join, each table with its renamed and derived columns, each
mart with its outputs) plus, for stream jobs, the `history` statistics by name; a join's
`filter` sees only the joined table; a mart's `order_by` sees the mart's own outputs.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import Resolved, SpecIndex, TableRef, mart_outputs
from pipegen.spec.model import Aggregation, ColumnRules, Mart, Measure, Spec, StreamJob
from pipegen.spec.quickexpr import clean
from pipegen.spec.reach import FLINK_DIALECT, dbt_dialects, table_dialects
from pipegen.spec.rules.tables import rule_fits_type
from pipegen.spec.scope import MISPLACED, SQL_VALUE_WORDS, WRONG_KIND, Input, Kind, Problem, Scope, plain_ref, resolve
from pipegen.spec.types import NUMERIC_TYPES

HISTORY_TYPES = {Aggregation.COUNT: "bigint", Aggregation.COUNT_DISTINCT: "bigint", Aggregation.AVG: "double"}


def table_input(t: TableRef) -> Input:
    return Input(t.dataset.name, t.staged_columns, (t.qualified,), _rename_notes(t))


def _rename_notes(t: TableRef) -> dict[str, str]:
    return {
        c.name.lower(): f"'{c.name}' is renamed to '{c.rename}' in staging: use '{c.rename}'"
        for c in t.dataset.columns
        if c.rename and c.rename.lower() != c.name.lower()
    }


def resolved_input(r: Resolved) -> Input:
    if r.table is not None:
        return table_input(r.table)
    return Input(r.name, dict.fromkeys(r.columns))


def check_text(text: str, kind: Kind, scope: Scope, path: Path) -> Iterator[Finding]:
    """Plain column references are resolved without sqlglot; anything else is parsed."""
    label = next((str(p) for p in reversed(path) if isinstance(p, str)), "expression")
    for problem in problems_of(text, kind, scope):
        yield Finding(path, problem.code, f"{label}: {problem.message}", problem.hint)


def problems_of(text: str, kind: Kind, scope: Scope) -> list[Problem]:
    ref = plain_ref(text)
    if ref is not None and kind != Kind.AGGREGATE and ref[1].lower() not in SQL_VALUE_WORDS:
        qualifier, name = ref
        problem = resolve(name, qualifier, scope)
        if problem:
            return [problem]
        kind_type = scope.type_of(qualifier, name)
        if kind == Kind.CONDITION and kind_type is not None and not kind_type.startswith("boolean"):
            return [
                Problem(
                    WRONG_KIND,
                    f"`{text.strip()}` is not a condition: it is a {kind_type} column",
                    f"compare it, e.g. `{name} = ...` or `{name} IS NOT NULL`",
                )
            ]
        return []
    if clean(text, kind, scope):  # proven without sqlglot (spec/quickexpr.py)
        return []
    from pipegen.spec.expr import check  # sqlglot only when an expression needs it

    return check(text, kind, scope)


def expressions(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    streamed = _read_by_streams(spec, index)
    for t in index.tables:
        yield from _table(t, table_dialects(t.source, spec.targets, t.qualified.lower() in streamed))
    marts = dbt_dialects(spec.targets)
    for mi, mart in enumerate(spec.transforms.marts):
        yield from _job(index, mart, ("transforms", "marts", mi), allow_marts=True, dialects=marts)
    for ji, job in enumerate(spec.transforms.streams):
        path = ("transforms", "streams", ji)
        yield from _job(index, job, path, allow_marts=False, dialects=frozenset({FLINK_DIALECT}))


def _read_by_streams(spec: Spec, index: SpecIndex) -> set[str]:
    """Qualified names (lowercase) of the tables some stream job reads."""
    refs = [r for job in spec.transforms.streams for r in (job.from_, *(j.table for j in job.joins))]
    tables = [index.resolve(r, allow_marts=False).table for r in refs]
    return {t.qualified.lower() for t in tables if t is not None}


def _table(t: TableRef, dialects: frozenset[str]) -> Iterator[Finding]:
    d = t.dataset
    if d.filter:
        renamed = {
            c.rename.lower(): f"the filter runs at extraction, before renames: use '{c.name}'"
            for c in d.columns
            if c.rename and c.rename.lower() != c.name.lower()
        }
        raw = Input(d.name, {c.name: c.type for c in d.columns}, (t.qualified,), renamed)
        yield from check_text(d.filter, Kind.CONDITION, Scope((raw,)), (*t.path, "filter"))
    notes = _rename_notes(t) | {
        x.name.lower(): f"'{x.name}' is a derived column: derived columns read the table's columns only"
        for x in d.derived
        if all(x.name.lower() != c.staged_name.lower() for c in d.columns)
    }
    staged = Input(d.name, {c.staged_name: c.type for c in d.columns}, (t.qualified,), notes)
    for di, derived in enumerate(d.derived):
        scope = Scope((staged,), dialects=dialects)
        yield from check_text(derived.expr, Kind.SCALAR, scope, (*t.path, "derived", di, "expr"))


def job_inputs(index: SpecIndex, job: Mart | StreamJob, allow_marts: bool) -> list[Resolved] | None:
    refs = [job.from_, *(j.table for j in job.joins)]
    resolved = [index.resolve(r, allow_marts=allow_marts) for r in refs]
    return None if any(r.error for r in resolved) else resolved


def job_scope(
    index: SpecIndex, job: Mart | StreamJob, allow_marts: bool, dialects: frozenset[str] = frozenset()
) -> Scope | None:
    resolved = job_inputs(index, job, allow_marts)
    if resolved is None:
        return None
    free: dict[str, str | None] = {}
    inputs = tuple(resolved_input(r) for r in resolved)
    if isinstance(job, StreamJob):
        lookups = [i + 1 for i, j in enumerate(job.joins) if j.type.value == "lookup"]
        inputs = tuple(
            lookup_input(r) if i in lookups else x for i, (r, x) in enumerate(zip(resolved, inputs, strict=True))
        )
        for h in job.history:
            source_type = Scope(inputs).type_of(*(plain_ref(h.column) or ("", ""))) if h.column else None
            free[h.name] = HISTORY_TYPES.get(h.agg, source_type)
    merged = frozenset(left.lower() for j in job.joins for left, right in j.on if left == right and "." not in left)
    return Scope(inputs, free, merged=merged, dialects=dialects)


def lookup_input(r: Resolved) -> Input:
    """A dimension a stream job looks up: its table as the database holds it, so without the
    record metadata (`metadata:` columns exist on the change stream, not in the table)."""
    base = resolved_input(r)
    if r.table is None:
        return base
    meta = {c.staged_name.lower() for c in r.table.dataset.columns if c.metadata is not None}
    columns = {name: kind for name, kind in base.columns.items() if name.lower() not in meta}
    notes = dict(base.notes)
    for name in sorted(meta):
        notes[name] = (
            f"'{name}' is record metadata of '{r.table.dataset.name}': a lookup reads the table from the "
            "database, which has no record metadata"
        )
    return Input(base.name, columns, base.aliases, notes)


def _job(
    index: SpecIndex, job: Mart | StreamJob, base: Path, allow_marts: bool, dialects: frozenset[str]
) -> Iterator[Finding]:
    resolved = job_inputs(index, job, allow_marts)
    if resolved is None:
        return  # unknown inputs are reported by the transforms rules
    scope = job_scope(index, job, allow_marts, dialects)
    assert scope is not None
    for ji, join in enumerate(job.joins):
        if join.filter:
            joined = Scope((resolved_input(resolved[ji + 1]),), dialects=dialects)
            yield from check_text(join.filter, Kind.CONDITION, joined, (*base, "joins", ji, "filter"))
    if job.filter:
        yield from check_text(job.filter, Kind.CONDITION, scope, (*base, "filter"))
    dedup = job.deduplicate if isinstance(job, Mart) else None
    if dedup is not None:
        for ki, key in enumerate(dedup.key):
            path = (*base, "deduplicate", "key", ki) if len(dedup.key) > 1 else (*base, "deduplicate", "key")
            yield from check_text(key, Kind.SCALAR, scope, path)
        yield from check_text(dedup.order_by, Kind.SCALAR, scope, (*base, "deduplicate", "order_by"))
    yield from _outputs(job, scope, base)
    yield from _measures(job, scope, base)
    if isinstance(job, Mart):
        yield from _order_by(job, scope, base)
    if isinstance(job, StreamJob):
        plain = Scope((history_input(scope),), dialects=dialects)
        for hi, h in enumerate(job.history):
            path = (*base, "history", hi)
            if h.column:
                yield from check_text(h.column, Kind.SCALAR, plain, (*path, "column"))
            if h.expr:
                yield from check_text(h.expr, Kind.SCALAR, plain, (*path, "expr"))
            for ki, key in enumerate(h.per):
                yield from check_text(key, Kind.SCALAR, plain, (*path, "per", ki) if len(h.per) > 1 else (*path, "per"))


def history_input(scope: Scope) -> Input:
    """What a stream job's `history` reads: its source's events only. The statistic is an OVER
    window on the source, computed before the joins, so a joined table's column is not there."""
    source, joined = scope.inputs[0], scope.inputs[1:]
    notes = dict(source.notes)
    for other in joined:
        for name in other.columns:
            if source.lookup(name) is None:
                notes.setdefault(
                    name.lower(),
                    f"'{name}' is a column of the joined table '{other.name}': a history statistic is computed "
                    "over the job's source events before its joins; use a column of the source",
                )
    return Input(source.name, source.columns, source.aliases, notes)


def _outputs(job: Mart | StreamJob, scope: Scope, base: Path) -> Iterator[Finding]:
    groups = job.group_by
    for gi, g in enumerate(groups):
        path = (*base, "group_by", gi) if len(groups) > 1 or g.name else (*base, "group_by")
        if g.name:
            path = (*path, "expr")
        yield from check_text(g.expr, Kind.SCALAR, scope, path)
        yield from _output_rules(g.output_name, g, _plain_type(g.expr, scope), (*base, "group_by", gi))
        if g.name is None and plain_ref(g.expr) is None:
            yield Finding(
                (*base, "group_by", gi),
                "R254",
                f"the group key `{g.expr.strip()[:60]}` needs a name",
                "write it as `{name: ..., expr: ...}`",
            )
    yield from _duplicate_outputs(job, base)
    for ci, c in enumerate(job.columns):
        path = (*base, "columns", ci, "expr") if c.name else (*base, "columns", ci)
        yield from check_text(c.expr, Kind.SCALAR, scope, path)
        yield from _output_rules(c.output_name, c, _plain_type(c.expr, scope), (*base, "columns", ci))
        if c.name is None and plain_ref(c.expr) is None:
            yield Finding(
                (*base, "columns", ci),
                "R254",
                f"the output `{c.expr.strip()[:60]}` needs a name",
                "write it as `{name: ..., expr: ...}`",
            )


def _measures(job: Mart | StreamJob, scope: Scope, base: Path) -> Iterator[Finding]:
    keys = frozenset(g.output_name.lower() for g in job.group_by)
    aggregate_scope = Scope(scope.inputs, scope.free, keys, scope.merged, scope.dialects)
    for mi, m in enumerate(job.measures):
        path = (*base, "measures", mi)
        if m.column and m.expr:
            yield Finding((*path, "expr"), "R254", f"measure '{m.name}' has both column and expr", "keep one")
            continue
        if m.column:
            if plain_ref(m.column) is None:
                yield Finding(
                    (*path, "column"), "R254", f"`{m.column}` is not a column name", "put expressions in `expr:`"
                )
            else:
                yield from check_text(m.column, Kind.SCALAR, scope, (*path, "column"))
                yield from _numeric(m.agg, m.column, scope, (*path, "column"))
        if m.expr:
            kind = Kind.AGGREGATE if m.agg is None else Kind.SCALAR
            yield from check_text(m.expr, kind, aggregate_scope if kind == Kind.AGGREGATE else scope, (*path, "expr"))
        if m.where:
            yield from check_text(m.where, Kind.CONDITION, scope, (*path, "where"))
        yield from _measure_shape(m, path)
        yield from _output_rules(m.name, m, _measure_type(m, scope), path)


def _plain_type(text: str, scope: Scope) -> str | None:
    ref = plain_ref(text)
    return scope.type_of(*ref) if ref else None


def _measure_type(m: Measure, scope: Scope) -> str | None:
    """The measure's type where its shape says it: counts are whole numbers, min/max of a column
    keep its type; None otherwise (sum/avg are held numeric by R221, an `expr` is not typed here)."""
    if m.agg in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT):
        return "bigint"
    if m.agg in (Aggregation.MIN, Aggregation.MAX) and m.column:
        return _plain_type(m.column, scope)
    return None


def _output_rules(name: str, out: ColumnRules, type_text: str | None, path: Path) -> Iterator[Finding]:
    """A rule on an output (range, regex) fits the output's type, as on a source column: DuckDB and
    Flink refuse to compare a boolean or a text with a number."""
    if out.range is None and out.regex is None:
        return
    yield from rule_fits_type(out, name, type_text, path)


def _numeric(agg: Aggregation | None, column: str, scope: Scope, path: Path) -> Iterator[Finding]:
    if agg not in (Aggregation.SUM, Aggregation.AVG):
        return
    ref = plain_ref(column)
    kind = scope.type_of(*ref) if ref else None
    base = kind.split("(", 1)[0].split("<", 1)[0] if kind else None
    if base is not None and base not in NUMERIC_TYPES:
        yield Finding(
            path,
            "R221",
            f"{agg.value} needs a numeric column; '{column}' is {kind}",
            "use count or count_distinct, or a numeric column",
        )


def _measure_shape(m: Measure, path: Path) -> Iterator[Finding]:
    if m.agg is None:
        if not m.expr:
            yield Finding(
                path,
                "R221",
                f"measure '{m.name}' needs `agg` (count, sum, ...) or an aggregate `expr`",
                "e.g. `{agg: sum, column: amount}` or `{expr: sum(amount) / count(*)}`",
            )
        if m.where:
            yield Finding(
                (*path, "where"),
                MISPLACED,
                "`where` needs `agg`: an aggregate expression filters inside its own aggregates",
                "use `agg:` with `column`/`expr`, or write `sum(case when ... then amount end)`",
            )
        return
    if m.agg != Aggregation.COUNT and m.column is None and m.expr is None:
        yield Finding(path, "R221", f"measure '{m.name}' ({m.agg.value}) needs a column", "add `column:`")
    numeric = m.agg in (Aggregation.SUM, Aggregation.AVG, Aggregation.COUNT)
    if m.default is not None and numeric and (isinstance(m.default, bool) or not isinstance(m.default, int | float)):
        yield Finding(
            (*path, "default"),
            "R221",
            f"the default of a {m.agg.value} must be a number, not {m.default!r}",
            "e.g. `default: 0`",
        )


def _duplicate_outputs(job: Mart | StreamJob, base: Path) -> Iterator[Finding]:
    """Group keys and selected columns against each other and the measures (measure pairs: rules/names.py)."""
    seen: dict[str, str] = {m.name.lower(): "measure" for m in job.measures}
    named = [("group_by", i, g.output_name) for i, g in enumerate(job.group_by)]
    named += [("columns", i, c.output_name) for i, c in enumerate(job.columns)]
    for field, i, name in named:
        if name.lower() in seen:
            yield Finding(
                (*base, field, i),
                "R201",
                f"output '{name}' of '{job.name}' is defined twice (also a {seen[name.lower()]})",
                "give it another name with `{name: ..., expr: ...}`",
            )
        seen[name.lower()] = "group key" if field == "group_by" else "column"


def _order_by(mart: Mart, inputs: Scope, base: Path) -> Iterator[Finding]:
    """`order_by` reads the mart's outputs (the rows are ordered after they are computed)."""
    outputs = mart_outputs(mart)
    notes = {
        c.lower(): f"'{c}' is an input column, not an output of the mart: add it to the outputs to order by it"
        for c in (c for i in inputs.inputs for c in i.columns)
        if c.lower() not in {o.lower() for o in outputs}
    }
    scope = Scope((Input(mart.name, dict.fromkeys(outputs), (), notes),))
    for ki, key in enumerate(mart.order_by):
        path = (*base, "order_by", ki) if len(mart.order_by) > 1 else (*base, "order_by")
        yield from check_text(key.expr, Kind.SCALAR, scope, path)
