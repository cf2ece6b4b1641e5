"""A Flink job's input view (`StreamJobNames.input_view`): its source (or the source's history
view), every dimension joined (a lookup as of the source's processing time), the job's filter
and the quarantine condition applied, and the group keys computed.

Alongside the statement comes the map of spec column names (lowercase, also `table.column`) to
the view's columns, through which the job's query resolves its expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipegen.common.stream_rules import EventRule, quarantine_predicate
from pipegen.generators.flink.columns import not_null
from pipegen.generators.flink.relations import PROC_TIME, Relation, resolver, view_resolver
from pipegen.plan.names import snake
from pipegen.render.flinksql import flink_expr, flink_type, quote
from pipegen.spec.model import History, Join, JoinType, OutputColumn, StreamJob

DIMENSION_COLUMN = "{alias}__{column}"  # a dimension's column whose name the view already has


@dataclass
class InputView:
    """The input view being assembled: selected columns, joins, and the names already taken."""

    base: Relation
    columns: dict[str, str]  # spec column (lowercase, also 'table.column') -> view column
    selected: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    joins: list[str] = field(default_factory=list)
    rels: list[Relation] = field(default_factory=list)

    @classmethod
    def over(cls, base: Relation, history: tuple[History, ...]) -> InputView:
        """Every column of the source (qualified by its table too) and its history statistics."""
        columns = dict(base.columns)
        table = base.ref.dataset.name.lower()
        columns.update({f"{table}.{k}": v for k, v in base.columns.items()})
        columns.update({h.name.lower(): h.name for h in history})
        taken = {v.lower() for v in columns.values()} | {PROC_TIME}
        return cls(base, columns, [f"{quote(base.alias)}.*"], taken, [], [base])

    def join(self, rel: Relation, j: Join) -> None:
        self._select(rel)
        self.joins.append(join_clause(rel, j, self.base, self.rels))
        self.rels.append(rel)

    def _select(self, rel: Relation) -> None:
        """A dimension's physical and derived columns (computed columns of its table or view),
        under their names unless taken (then `<alias>__<column>`)."""
        table = rel.ref.dataset.name.lower()
        physical = [(c.name, c.staged_name, c.type) for c in rel.ref.dataset.columns if c.metadata is None]
        names = {name.lower() for name, _, _ in physical}
        derived = [(d.name, d.name, d.type) for d in rel.ref.dataset.derived if d.name.lower() not in names]
        for name, staged, type_text in physical + derived:
            free = name.lower() not in self.taken
            out = name if free else DIMENSION_COLUMN.format(alias=rel.alias, column=name)
            column = f"{quote(rel.alias)}.{quote(name)}"
            value = _plain_time(rel, name, staged, type_text, column)
            if free:
                self._take(column if value == column else f"{value} AS {quote(name)}", name)
                self.columns.setdefault(staged.lower(), out)
            elif out.lower() not in self.taken:
                self._take(f"{value} AS {quote(out)}", out)
            self.columns[f"{table}.{staged.lower()}"] = out

    def _take(self, selected: str, name: str) -> None:
        self.selected.append(selected)
        self.taken.add(name.lower())

    def filter(self, job: StreamJob) -> str | None:
        return flink_expr(job.filter, view_resolver(self.rels, self.columns, job.history)) if job.filter else None

    def group_keys(self, job: StreamJob) -> None:
        """The group keys as view columns (snake-case names), unless a column has the name."""
        for g in job.group_by:
            self._group_key(g, job.history)

    def _group_key(self, g: OutputColumn, history: tuple[History, ...]) -> None:
        name = snake(g.output_name)
        expr = flink_expr(g.expr, view_resolver(self.rels, self.columns, history))
        if name.lower() not in self.taken:
            self._take(f"{expr} AS {quote(name)}", name)
        else:  # a column of the view has the name, maybe spelled otherwise (`Drop`): Flink's names are exact
            existing = self.columns.get(name.lower(), name)
            name = existing if existing.lower() == name.lower() else name
        self.columns[g.output_name.lower()] = name

    def statement(self, view: str, view_from: str, where: str) -> str:
        body = ",\n  ".join(self.selected)
        joins = "\n" + "\n".join(self.joins) if self.joins else ""
        head = f"CREATE TEMPORARY VIEW {quote(view)} AS\nSELECT\n  {body}\nFROM {view_from} AS {quote(self.base.alias)}"
        return head + joins + where + ";"


def _plain_time(rel: Relation, name: str, staged: str, type_text: str, selected: str) -> str:
    """A joined table's column as the view selects it: its event time cast to a plain timestamp,
    since a sink takes at most one time attribute (the job's source keeps its own)."""
    event_time = rel.ref.dataset.event_time
    if event_time and event_time.lower() in (name.lower(), staged.lower()):
        return f"CAST({selected} AS {flink_type(type_text)})"
    return selected


def join_clause(rel: Relation, j: Join, base: Relation, left: list[Relation]) -> str:
    """`[LEFT] JOIN dimension [FOR SYSTEM_TIME AS OF proc_time] AS alias ON ...`."""
    resolve_left = resolver(left)
    conditions = []
    for column_left, column_right in j.on:
        qualifier, _, column = column_left.rpartition(".")
        alias, physical = resolve_left(qualifier, column)
        right = quote(rel.column(column_right))
        conditions.append(f"{quote(alias or base.alias)}.{quote(physical)} = {quote(rel.alias)}.{right}")
    if j.filter:
        conditions.append(flink_expr(j.filter, resolver([rel])))
    if rel.ref.dataset.filter:  # the dimension's own extraction filter
        conditions.append(flink_expr(rel.ref.dataset.filter, resolver([rel])))
    kind = "LEFT JOIN" if j.type == JoinType.LEFT else "JOIN"  # a lookup enriches: no match, no row
    temporal = f" FOR SYSTEM_TIME AS OF {quote(base.alias)}.{quote(PROC_TIME)}" if j.type == JoinType.LOOKUP else ""
    return f"{kind} {quote(rel.names.flink_table)}{temporal} AS {quote(rel.alias)}\n  ON " + " AND ".join(conditions)


def extract_filter(base: Relation, job: StreamJob) -> str | None:
    """The source table's own `filter` (rows that never leave the source), over its columns; a
    history job's CDC source applies it in its append-only view, before the statistics."""
    text = base.ref.dataset.filter
    if not text or (job.history and base.cdc):
        return None
    return flink_expr(text, resolver([base]))


def where_clause(conditions: list[str]) -> str:
    shown = [f"({c})" for c in conditions] if len(conditions) > 1 else conditions
    return "\nWHERE " + "\n  AND ".join(shown) if shown else ""


def quarantine_condition(base: Relation, rules: list[EventRule]) -> str | None:
    """`NOT (a critical rule broken)` over the base table's columns. A not_null rule on a column
    declared NOT NULL (keys, strict not_null) is left out: the planner folds `x IS NULL` to FALSE
    there; the quality job, which reads `after` as nullable, dead-letters such events."""
    ds = base.ref.dataset
    declared = {c.name for c in ds.columns if not_null(c, ds.primary_key)}
    kept = [r for r in rules if not (r.rule == "not_null" and r.column in declared)]
    return quarantine_predicate(kept, lambda c: f"{quote(base.alias)}.{quote(c)}")


def input_view(
    view: str, view_from: str, base: Relation, dims: list[tuple[Relation, Join]], job: StreamJob, quarantine: str | None
) -> tuple[str, dict[str, str]]:
    """The input view `view` over `view_from` (quoted), and the spec column -> view column map."""
    iv = InputView.over(base, job.history)
    for rel, j in dims:
        iv.join(rel, j)
    where = where_clause([c for c in (extract_filter(base, job), iv.filter(job), quarantine) if c])
    iv.group_keys(job)
    return iv.statement(view, view_from, where), iv.columns
