"""The SQL of the dbt family's models, computed as data for the templates: staging models
(rename, cast, derived columns, latest row per key) and marts (inputs, joins, filters,
deduplication, grouping, measures, outputs), following docs/transforms.md. Part of the dbt
family (generators/dbt/generator.py); expressions go through render/sqlexpr.py per adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipegen.plan.names import Names, snake
from pipegen.render.sqlexpr import Resolver, ident, measure_expr, order_key_sql, per_adapter, to_sql
from pipegen.safe import Ident, trusted
from pipegen.spec.index import SpecIndex, TableRef, mart_outputs
from pipegen.spec.model import Keep, Mart, Materialization, NullsOrder, PiiAction, SortDirection
from pipegen.spec.pii import landed_column

META_COLUMNS = ("_extracted_at", "_source", "_batch_id")


@dataclass(frozen=True)
class Dialects:
    """The dbt adapters in play (DuckDB first: the local run) and each one's sqlglot dialect."""

    adapters: tuple[str, ...]
    dialect: dict[str, str] = field(hash=False)
    # q's answers by (name, its type): a column's name is quoted for every adapter each time a model,
    # a test or a document names it (a str subclass keeps its own answer: sql_ident returns the name)
    quoted: dict[tuple[str, type], str] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def sql(self, text: str, resolve: Resolver) -> str:
        return per_adapter(lambda d: to_sql(text, d, resolve), self.adapters, self.dialect)

    def each(self, render: Callable[[str], str]) -> str:
        """Text rendered per sqlglot dialect: one text when the adapters agree, else a Jinja chain."""
        return per_adapter(render, self.adapters, self.dialect)


def q(name: str, dialects: Dialects) -> str:
    """A column or alias name (snake case already) in dbt SQL, quoted where any adapter needs it."""
    key = (name, type(name))
    text = dialects.quoted.get(key)
    if text is None:
        text = dialects.quoted[key] = ident(name, dialects.adapters, dialects.dialect)
    return text


# ---------------------------------------------------------------- staging


def staging_model(
    t: TableRef, names: Names, dialects: Dialects, masked: bool = False, silver: str | None = None
) -> dict[str, Any]:
    """Context of one staging model: renamed + cast columns, derived columns, latest per key.
    With `masked` (etl), columns as they land: protected ones as text, a dropped one null. With
    `silver` (a schema, common/lake_catalog.silver_schema), the source is the lake's silver table
    published there (the landed column names, typed, gated and merged) instead of the raw table."""
    ds = names.dataset(t.source.name, t.dataset.name)
    staged = {c.name: snake(c.staged_name) for c in t.dataset.columns}
    renamed = [
        {"landed": trusted("null" if masked and c.pii == PiiAction.DROP else q(ds.column(c.name), dialects)),
         "type": trusted(landed_column(c).type if masked else c.type), "name": trusted(q(staged[c.name], dialects))}
        for c in t.dataset.columns
    ]  # fmt: skip
    by_staged = {c.staged_name.lower(): staged[c.name] for c in t.dataset.columns}

    def own(_qualifier: str, column: str) -> tuple[str | None, str]:
        return None, by_staged.get(column.lower(), snake(column))

    derived_sql = {d.name.lower(): (dialects.sql(d.expr, own), d.type) for d in t.dataset.derived}
    outputs: list[dict[str, Any]] = []
    for column_name in t.staged_columns:
        out = snake(column_name)
        if column_name.lower() in derived_sql:
            expr, type_ = derived_sql[column_name.lower()]
            outputs.append({"expr": trusted(expr), "type": trusted(type_), "name": trusted(q(out, dialects))})
        else:
            outputs.append({"expr": None, "type": None, "name": trusted(q(out, dialects))})
    key = [trusted(q(staged[k], dialects)) for k in t.dataset.primary_key if k in staged]
    order = [trusted(q(staged[t.dataset.watermark], dialects))] if t.dataset.watermark in staged else []
    return {
        "name": ds.staging_model,
        "source": trusted(silver) if silver else ds.raw_schema,
        "table": ds.lake_table if silver else ds.raw_table,
        "renamed": renamed,
        "derived": outputs if t.dataset.derived else [],
        "key": key,
        "order": order,
        "meta": [trusted(m) for m in META_COLUMNS],
    }


# ---------------------------------------------------------------- marts


@dataclass(frozen=True)
class Input:
    """One relation a mart reads: a staged table or another mart."""

    alias: str
    refs: frozenset[str]  # how the spec may name it (lowercase): table, source.table, mart
    model: str  # the dbt model it refs
    columns: dict[str, str]  # spec column name (lowercase) -> SQL column name


def input_of(ref: str, index: SpecIndex, names: Names) -> Input:
    resolved = index.resolve(ref)
    if resolved.table is not None:
        t = resolved.table
        ds = names.dataset(t.source.name, t.dataset.name)
        refs = frozenset({t.dataset.name.lower(), t.qualified.lower()})
        cols = {c.lower(): snake(c) for c in t.staged_columns}
        return Input(snake(t.dataset.name), refs, ds.staging_model, cols)
    if resolved.mart is not None:
        m = resolved.mart
        cols = {c.lower(): snake(c) for c in mart_outputs(m)}
        return Input(snake(m.name), frozenset({m.name.lower()}), names.mart(m.name).model, cols)
    raise ValueError(f"unresolved mart input {ref!r}: {resolved.error}")  # validation refuses this


def _unique_aliases(inputs: list[Input]) -> list[Input]:
    seen: dict[str, int] = {}
    out = []
    for inp in inputs:
        n = seen.get(inp.alias, 0)
        seen[inp.alias] = n + 1
        out.append(inp if n == 0 else Input(f"{inp.alias}_{n + 1}", inp.refs, inp.model, inp.columns))
    return out


def resolver(inputs: list[Input]) -> Resolver:
    """Columns as the spec writes them ('col', 'table.col', 'source.table.col') -> alias.column."""

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        key = column.lower()
        if qualifier:
            for inp in inputs:
                if qualifier.lower() in inp.refs or any(r.endswith("." + qualifier.lower()) for r in inp.refs):
                    return inp.alias, inp.columns.get(key, snake(column))
        for inp in inputs:
            if key in inp.columns:
                return inp.alias, inp.columns[key]
        return None, snake(column)  # validation guarantees a match; keep the name rather than fail

    return resolve


def _column_ref(text: str) -> tuple[str, str]:
    """'orders.user_id' -> ('orders', 'user_id'); 'user_id' -> ('', 'user_id')."""
    qualifier, _, column = text.strip().rpartition(".")
    return qualifier, column


def mart_model(mart: Mart, index: SpecIndex, names: Names, dialects: Dialects) -> dict[str, Any]:
    """Context of one mart model."""
    inputs = _unique_aliases(
        [input_of(mart.from_, index, names)] + [input_of(j.table, index, names) for j in mart.joins]
    )
    base, joined = inputs[0], inputs[1:]
    resolve_all = resolver(inputs)
    joins = []
    for i, (join, inp) in enumerate(zip(mart.joins, joined, strict=True)):
        left_scope = resolver(inputs[: i + 1])
        conditions = []
        for left, right in join.on:
            lq, lc = _column_ref(left)
            la, ln = left_scope(lq, lc)
            rn = inp.columns.get(right.lower(), snake(right))
            left_sql = f"{q(la or base.alias, dialects)}.{q(ln, dialects)}"
            conditions.append(f"{left_sql} = {q(inp.alias, dialects)}.{q(rn, dialects)}")
        filt = dialects.sql(join.filter, resolver([inp])) if join.filter else None
        joins.append(
            {
                "kind": trusted("inner join" if join.type.value == "inner" else "left join"),
                "model": Ident(inp.model),
                "alias": trusted(q(inp.alias, dialects)),
                "filter": trusted(filt) if filt else None,
                "on": [trusted(c) for c in conditions],
            }
        )
    where = dialects.sql(mart.filter, resolve_all) if mart.filter else None
    dedupe = _deduplicate(mart, inputs, resolve_all, dialects)
    out_resolve = _flattened(inputs) if dedupe else resolve_all
    grouped = bool(mart.measures) or bool(mart.group_by)
    outputs: list[dict[str, Any]] = []
    if mart.columns:
        for c in mart.columns:
            outputs.append(_output(dialects.sql(c.expr, out_resolve), snake(c.output_name), dialects))
    else:
        for g in mart.group_by:
            outputs.append(_output(dialects.sql(g.expr, out_resolve), snake(g.output_name), dialects))
        for m in mart.measures:
            outputs.append(_output(dialects.sql(measure_expr(m), out_resolve), snake(m.name), dialects))
    return {
        "name": names.mart(mart.name).model,
        "description": mart.description or "",
        "materialized": trusted(mart.materialized.value),
        "unique_key": [trusted(snake(k)) for k in mart.unique_key],
        "incremental": mart.materialized == Materialization.INCREMENTAL,
        "from_lines": _from_lines(base, q(base.alias, dialects), joins, where),
        "dedupe": dedupe,
        "outputs": outputs,
        "group_by": [trusted(str(i + 1)) for i in range(len(mart.group_by))] if grouped and not mart.columns else [],
        "order": _ordering(mart, dialects),
    }


# Dialects that refuse ORDER BY in a view or CTAS body (T-SQL: Synapse): a model's rows keep no order there.
NO_MODEL_ORDER = frozenset({"tsql"})


def _ordering(mart: Mart, dialects: Dialects) -> dict[str, Any] | None:
    """`order_by`, `limit` and `limit_per` over the mart's rows (docs/transforms.md): keys over
    the outputs by name; a limit as row_number() (per `limit_per` group) so every adapter
    keeps the same rows, Synapse included (no LIMIT there); the final ORDER BY per dialect."""
    if not mart.order_by:
        return None

    def own(_qualifier: str, column: str) -> tuple[str | None, str]:
        return None, snake(column)

    def keys(dialect: str) -> str:
        return ", ".join(
            order_key_sql(k.expr, dialect, own, desc=k.direction == SortDirection.DESC,
                          nulls_first=k.nulls == NullsOrder.FIRST)
            for k in mart.order_by
        )  # fmt: skip

    return {
        "rank": trusted(dialects.each(keys)),
        "final": trusted(dialects.each(lambda d: "" if d in NO_MODEL_ORDER else "order by " + keys(d))),
        "limit": trusted(str(mart.limit)) if mart.limit is not None else None,
        "per": [trusted(q(snake(p), dialects)) for p in mart.limit_per],
    }


def _ref(model: str) -> str:
    return "{{ ref('" + Ident(model) + "') }}"


def _from_lines(base: Input, base_alias: str, joins: list[dict[str, Any]], where: str | None) -> list[Any]:
    """FROM, JOIN ... ON and WHERE lines (dbt refs by model name, aliases quoted)."""
    lines = [f"from {_ref(base.model)} as {base_alias}"]
    for j in joins:
        model = _ref(j["model"])  # aliased inside too: the filter may name the joined table (`customer.segment`)
        relation = f"(select * from {model} as {j['alias']} where {j['filter']})" if j["filter"] else model
        lines.append(f"{j['kind']} {relation} as {j['alias']}")
        lines.append("    on " + " and ".join(j["on"]))
    if where:
        lines.append(f"where {where}")
    return [trusted(line) for line in lines]


def _flat(alias: str, column: str) -> str:
    return f"{alias}__{column}"


def _flattened(inputs: list[Input]) -> Resolver:
    """After deduplication every input column is `<alias>__<column>` of one relation."""
    inner = resolver(inputs)

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        alias, name = inner(qualifier, column)
        return None, _flat(alias, name) if alias else name

    return resolve


def _output(expr: str, name: str, dialects: Dialects) -> dict[str, Any]:
    return {"expr": trusted(expr), "name": trusted(q(name, dialects))}


def _deduplicate(mart: Mart, inputs: list[Input], resolve: Resolver, dialects: Dialects) -> dict[str, Any] | None:
    """`deduplicate`, after `filter` and before grouping: every input column carried as
    `<alias>__<column>`, a row number over the key ordered by order_by, kept rows only."""
    d = mart.deduplicate
    if d is None:
        return None
    keys = [dialects.sql(k, resolve) for k in d.key]
    order = dialects.sql(d.order_by, resolve) + (" desc" if d.keep == Keep.LAST else " asc")
    carried = [
        trusted(f"{q(inp.alias, dialects)}.{q(col, dialects)} as {q(_flat(inp.alias, col), dialects)}")
        for inp in inputs
        for col in inp.columns.values()
    ]
    return {"partition": [trusted(k) for k in keys], "order": trusted(order), "carried": carried}
