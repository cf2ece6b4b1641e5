"""The gold layer of the Spark job, as Spark SQL: one view per silver table as transforms see
it (staged names, derived columns computed), then every mart over those views, following
docs/transforms.md like the dbt family's marts: inputs, joins (with their filters), `filter`,
grouping, measures, row-level outputs. A mart the Spark job does not build (it reads another
mart, deduplicates, or orders / limits its rows) is listed with the reason, and the planner
warns about it (R403, pipegen.plan.layers.spark_gold_gap); dbt still builds it."""

from __future__ import annotations

from typing import Any

from pipegen.plan.capacity import Capacity
from pipegen.plan.lake_gold import gold_choices, gold_data
from pipegen.plan.layers import spark_gold_gap
from pipegen.plan.names import Names, snake
from pipegen.render.sqlexpr import Resolver, measure_expr, to_sql
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import Mart, Materialization, Spec

DIALECT = "spark"


def bq(name: str) -> str:
    """A Spark SQL identifier, always quoted."""
    return "`" + name.replace("`", "``") + "`"


def view_name(ref: TableRef) -> str:
    return f"{snake(ref.source.name)}__{snake(ref.dataset.name)}"


def table_view(ref: TableRef, names: Names) -> dict[str, Any]:
    """`SELECT` of one silver table as transforms see it: staged names, then derived columns."""
    ds = names.dataset(ref.source.name, ref.dataset.name)
    landed = {c.name.lower(): str(ds.column(c.name)) for c in ref.dataset.columns}
    landed |= {c.staged_name.lower(): landed[c.name.lower()] for c in ref.dataset.columns}

    def own(_qualifier: str, column: str) -> tuple[str | None, str]:
        return None, landed.get(column.lower(), snake(column))

    derived = {d.name.lower(): d for d in ref.dataset.derived}
    outputs = []
    for c in ref.dataset.columns:
        d = derived.pop(c.staged_name.lower(), None)
        staged = snake(d.name if d else c.staged_name)
        # a landed column (record metadata columns too: silver carries them as they landed)
        expr = to_sql(d.expr, DIALECT, own) if d is not None else bq(landed[c.name.lower()])
        outputs.append(f"{expr} AS {bq(staged)}")
    outputs += [f"{to_sql(d.expr, DIALECT, own)} AS {bq(snake(d.name))}" for d in derived.values()]
    return {"view": view_name(ref), "table": str(ds.lake_table), "select": ", ".join(outputs)}


def resolver(inputs: list[tuple[str, TableRef]]) -> Resolver:
    """Columns as the spec writes them ('col', 'table.col', 'source.table.col') -> alias.column."""

    def resolve(qualifier: str, column: str) -> tuple[str | None, str]:
        lowered = qualifier.lower()
        for alias, ref in inputs:
            if qualifier and lowered in (ref.dataset.name.lower(), ref.qualified.lower()):
                return alias, snake(column)
        for alias, ref in inputs:
            if column.lower() in {c.lower() for c in ref.staged_columns}:
                return alias, snake(column)
        return None, snake(column)

    return resolve


def mart_sql(mart: Mart, index: SpecIndex) -> str:
    """The mart's SELECT over the table views (a mart spark_gold_gap accepts)."""
    refs = [index.resolve(mart.from_).table, *(index.resolve(j.table).table for j in mart.joins)]
    inputs: list[tuple[str, TableRef]] = []
    for i, ref in enumerate(refs):
        assert ref is not None  # spark_gold_gap: every input is a table
        inputs.append((f"t{i}", ref))
    resolve = resolver(inputs)
    lines = [f"FROM {bq(view_name(inputs[0][1]))} AS t0"]
    for i, join in enumerate(mart.joins, start=1):
        alias, ref = inputs[i]
        left_scope = resolver(inputs[:i])
        relation = bq(view_name(ref))
        if join.filter:
            filt = to_sql(join.filter, DIALECT, resolver([(alias, ref)]))
            relation = f"(SELECT * FROM {relation} AS {alias} WHERE {filt})"
        conditions = []
        for left, right in join.on:
            lq, _, lc = left.strip().rpartition(".")
            la, ln = left_scope(lq, lc)
            conditions.append(f"{la or 't0'}.{bq(ln)} = {alias}.{bq(snake(right))}")
        kind = "INNER JOIN" if join.type.value == "inner" else "LEFT JOIN"
        lines.append(f"{kind} {relation} AS {alias} ON {' AND '.join(conditions)}")
    if mart.filter:
        lines.append(f"WHERE {to_sql(mart.filter, DIALECT, resolve)}")
    if mart.columns:
        outputs = [f"{to_sql(c.expr, DIALECT, resolve)} AS {bq(snake(c.output_name))}" for c in mart.columns]
    else:
        outputs = [f"{to_sql(g.expr, DIALECT, resolve)} AS {bq(snake(g.output_name))}" for g in mart.group_by]
        outputs += [f"{to_sql(measure_expr(m), DIALECT, resolve)} AS {bq(snake(m.name))}" for m in mart.measures]
        if mart.group_by:
            lines.append("GROUP BY " + ", ".join(str(i + 1) for i in range(len(mart.group_by))))
    return "SELECT " + ", ".join(outputs) + "\n" + "\n".join(lines)


def spark_marts(spec: Spec, index: SpecIndex, names: Names, capacity: Capacity) -> list[dict[str, Any]]:
    """Every mart the gold layer holds: its table, its partitioning and file size (the lake step's choice,
    plan/lake_gold.py), and its Spark SQL or why Spark leaves it to dbt."""
    out = []
    marts = [m for m in spec.transforms.marts if m.materialized != Materialization.EPHEMERAL]
    for mart, choice in zip(marts, gold_choices(spec, capacity), strict=True):
        gap = spark_gold_gap(mart, index)
        entry: dict[str, Any] = {"name": mart.name, "table": str(names.mart(mart.name).model),
                                 "partition": gold_data(choice)}  # fmt: skip
        entry.update({"sql": None, "skipped": gap} if gap else {"sql": mart_sql(mart, index)})
        out.append(entry)
    return out


def views(index: SpecIndex, names: Names) -> list[dict[str, Any]]:
    return [table_view(ref, names) for ref in index.tables if any(c.metadata is None for c in ref.dataset.columns)]
