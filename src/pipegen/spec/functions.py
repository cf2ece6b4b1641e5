"""The function catalogue: every function a spec expression may call, what it takes and
returns, and how each SQL dialect pipegen writes spells it (docs/transforms.md, "Functions").

Data first: `CATALOGUE` maps a function's name to a `Function` entry; validate
(spec/expr.py, codes R300-R302) refuses a call that is not here, has the wrong number of arguments,
a unit outside `units`, or reaches a dialect listed in `unsupported`; the renderers
(render/sqlexpr.py, render/flinksql.py) write every call through `translate`/`generator_for`,
so what validate accepts is exactly what is written. A spec generator draws calls from the
same entries (`args`, `result`, `units`, `deterministic`).

How a call becomes SQL in a dialect, in order:
1. `canonical`: a rewrite in generic SQL applied for every dialect before generation
   (`hour(x)` -> `EXTRACT(HOUR FROM x)`), so sqlglot then spells it per dialect;
2. `templates[dialect]`: the exact text for that dialect, `{0}`, `{1}`... being the
   arguments already written in the dialect and `{unit}`/`{unit_lower}` the unit;
3. otherwise sqlglot's own generator for the dialect (`SQLGLOT`).
Every translation is proven by executing it (tests/judges/test_function_catalogue.py) on DuckDB,
PostgreSQL, MariaDB (for MySQL) and PyFlink; the other dialects are checked to parse back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

from pipegen.spec.functiondata import DIALECTS, ENTRIES, EXECUTED, SQLGLOT, Arg, ArgKind, Category, Function

__all__ = [
    "ALIASES", "CATALOGUE", "DIALECTS", "EXECUTED", "SQLGLOT", "Arg", "ArgKind", "Category", "Function",
    "SpecDialect", "arguments", "called_name", "canonical", "entry_of", "functions_markdown", "generate",
    "generator_for", "is_call", "lookup", "supported", "translate", "unit_of",
]  # fmt: skip

CATALOGUE: Mapping[str, Function] = {f.name: f for f in ENTRIES}
ALIASES: Mapping[str, str] = {alias: f.name for f in ENTRIES for alias in f.aliases}
_BY_NODE: dict[type[exp.Expr], str] = {f.node: f.name for f in ENTRIES if f.node is not None}
_TRIMS = {"LEADING": "ltrim", "TRAILING": "rtrim"}


def lookup(name: str) -> Function | None:
    """The entry for a name or alias (any case), or None."""
    key = name.lower()
    return CATALOGUE.get(ALIASES.get(key, key))


def supported(name: str, dialect: str) -> bool:
    entry = lookup(name)
    return entry is not None and entry.supported(dialect)


# Operators sqlglot models as functions that every dialect spells alike: not calls.
_OPERATORS = (exp.And, exp.Or)


def is_call(node: exp.Expr) -> bool:
    """A node validate checks against the catalogue: a function call or a catalogued operator."""
    return (isinstance(node, exp.Func) and not isinstance(node, _OPERATORS)) or type(node) in _BY_NODE


def called_name(node: exp.Expr) -> str:
    """The name a call goes by: its catalogue name, or the name as written for others."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Trim):
        return _TRIMS.get(str(node.args.get("position") or "").upper(), "trim")
    known = _BY_NODE.get(type(node))
    return known or (node.sql_name() if isinstance(node, exp.Func) else node.key).lower()


def entry_of(node: exp.Expr) -> Function | None:
    if isinstance(node, exp.Anonymous):  # by name; a catalogued node's name here had the wrong arguments
        return lookup(node.name)
    return CATALOGUE.get(called_name(node)) if type(node) in _BY_NODE else None


def arguments(node: exp.Expr, entry: Function) -> tuple[list[exp.Expr], list[str]]:
    """(the call's arguments in the spec's order, argument names sqlglot holds that the entry has no place for)."""
    if isinstance(node, exp.Anonymous):
        return list(node.expressions), []
    args: list[exp.Expr] = []
    for name in entry.fields:
        value = node.args.get(name.rstrip("*"))
        args += value if isinstance(value, list) else [value] if isinstance(value, exp.Expression) else []
    known = {f.rstrip("*") for f in entry.fields} | {"to"}
    extra = [k for k, v in node.args.items() if k not in known and isinstance(v, exp.Expression | list) and v]
    return args, extra


def unit_of(node: exp.Expr) -> str | None:
    """A unit argument as a lowercase word ('month'), or None when it is not a plain word."""
    if isinstance(node, exp.Literal | exp.Var):
        return str(node.this).lower()
    if isinstance(node, exp.Column) and not node.table:
        return node.name.lower()
    return None


# ---------------------------------------------------------------- parsing: the spec's own dialect


def _unit_call(kind: type[exp.Func], name: str) -> Callable[[list[exp.Expr]], exp.Expr]:
    """DATE_ADD(unit, n, t) / DATE_DIFF(unit, start, end), the spec's spelling (sqlglot's generic
    parser reads other argument orders, losing the unit)."""

    def build(args: list[exp.Expr]) -> exp.Expr:
        if len(args) != 3:
            return exp.Anonymous(this=name, expressions=args)
        unit = unit_of(args[0])
        return kind(this=args[2], expression=args[1], unit=exp.var(unit.upper()) if unit else args[0])

    return build


_BaseParser = Dialect.parser_class


class SpecDialect(Dialect):
    """sqlglot's generic dialect with the catalogue's spelling of date_add/date_diff."""

    class Parser(_BaseParser):  # type: ignore[valid-type,misc]
        FUNCTIONS = {  # noqa: RUF012 - sqlglot's own idiom
            **_BaseParser.FUNCTIONS,
            **{n: _unit_call(exp.DateAdd, n) for n in ("DATE_ADD", "DATEADD")},
            **{n: _unit_call(exp.DateDiff, n) for n in ("DATE_DIFF", "DATEDIFF")},
        }


# ---------------------------------------------------------------- translation


def _fill(template: str, args: list[str], unit: str | None) -> str:
    return template.format(*args, unit=(unit or "").upper(), unit_lower=(unit or "").lower())


_DIVISIONS = (exp.Div, exp.Mod, exp.IntDiv)


def _guard_divisors(tree: exp.Expr) -> exp.Expr:
    """Every `/`, `%`/`mod` and integer division whose divisor may be zero gets `NULLIF(divisor, 0)`:
    engines disagree on a zero divisor (DuckDB 2.0: error for `%`, infinity for `/`; PostgreSQL
    and Flink: an error that stops the run), so the spec's meaning is NULL in every one. A
    non-zero number literal is left as written."""
    for node in list(tree.find_all(*_DIVISIONS)):
        divisor = node.expression
        if _nonzero_number(divisor) or isinstance(divisor.unnest(), exp.Nullif):
            continue
        if isinstance(node, exp.Div) and constant_zero(node):
            # a constant divided by a constant zero: Flink's planner folds it and fails (a division
            # by zero, or by the NULL of NULLIF(0, 0)); its value is NULL, a double as `/` gives
            null = exp.Cast(this=exp.Null(), to=exp.DataType.build("double"))
            if node is tree:
                return null
            node.replace(null)
            continue
        divisor.replace(exp.Nullif(this=divisor.unnest().copy(), expression=exp.Literal.number(0)))
    return tree


def constant_zero(node: exp.Div) -> bool:
    """A division with no column in it whose divisor folds to zero (`7 / (2 - 2)`)."""
    if any(True for _ in node.find_all(exp.Column)):
        return False
    from sqlglot.optimizer.simplify import simplify  # only for a constant divisor: rare

    return number(simplify(node.expression.copy())) == 0


def number(node: exp.Expr) -> float | None:
    """The value of a number literal (`3`, `-2.5`, `(100)`), else None."""
    node = node.unnest()
    if isinstance(node, exp.Neg):
        node = node.this.unnest()
    return float(node.this) if isinstance(node, exp.Literal) and not node.is_string else None


def _nonzero_number(node: exp.Expr) -> bool:
    return number(node) not in (None, 0)


def canonical(tree: exp.Expr) -> exp.Expr:
    """`tree` with every call that has a `canonical` form rewritten to it (children first), and
    every divisor that may be zero guarded (`_guard_divisors`)."""
    return _guard_divisors(_canonical_calls(tree))


def _canonical_calls(tree: exp.Expr) -> exp.Expr:
    for node in reversed(list(tree.walk())):
        entry = entry_of(node) if is_call(node) else None
        if entry is None or entry.canonical is None:
            continue
        args, _ = arguments(node, entry)
        holders = [f"__pipegen_arg{i}" for i in range(len(args))]
        new = sqlglot.parse_one(_fill(entry.canonical, holders, None))
        for col in list(new.find_all(exp.Column)):
            if col.name in holders:
                col.replace(args[holders.index(col.name)].copy())
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def _template_sql(gen: Generator, node: exp.Expr, dialect: str, fallback: Callable[..., str] | None) -> str:
    entry = entry_of(node)
    template = entry.templates.get(dialect, SQLGLOT) if entry else SQLGLOT
    if entry is None or template == SQLGLOT:
        return fallback(gen, node) if fallback else gen.function_fallback_sql(node)  # type: ignore[arg-type]
    args, _ = arguments(node, entry)
    units = [i for i, a in enumerate(entry.args) if a.kind == ArgKind.UNIT]
    unit = unit_of(args[units[0]]) if units else None
    return _fill(template, [gen.sql(a) for a in args], unit)


@cache
def generator_for(dialect: str) -> type[Generator]:
    """The dialect's sqlglot Generator with the catalogue's templates for that dialect."""
    base: type[Generator] = Dialect.get_or_raise(dialect).generator_class
    dispatch: dict[type[exp.Expr], Callable[..., str]] = {}
    for entry in ENTRIES:
        if entry.templates.get(dialect, SQLGLOT) == SQLGLOT:
            continue
        kind = entry.node or exp.Anonymous
        fallback = base.TRANSFORMS.get(kind) or getattr(base, f"{kind.key}_sql", None)
        dispatch[kind] = lambda gen, node, fb=fallback: _template_sql(gen, node, dialect, fb)
    transforms: dict[type[exp.Expr], Callable[..., str]] = {**base.TRANSFORMS, **dispatch}
    return type(f"Catalogue{base.__name__}", (base,), {"TRANSFORMS": transforms})


# Dialects that give a bare integer literal the type of the integer it meets: DuckDB 1.5 types
# `269 * kind` with a SMALLINT `kind` as SMALLINT and stops on an overflow ("Overflow in multiplication
# of INT16 (269 * 200)"), where PostgreSQL, Flink, Spark and MySQL compute in at least a 32-bit
# INTEGER (the literal's own type). There the literal is written as that INTEGER (BIGINT past it).
LITERAL_TAKES_OPERAND_TYPE = frozenset({"duckdb"})
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul)
INT32_MAX = 2**31 - 1


def _typed_integer_literals(tree: exp.Expr) -> exp.Expr:
    """`tree` (a copy where anything changes) with every integer literal that is an operand of `+`,
    `-` or `*` beside a value that is not a number literal cast to INTEGER (BIGINT past 2**31 - 1)."""
    if not any(_bare_integer_side(n) is not None for n in tree.find_all(*_ARITHMETIC)):
        return tree
    tree = tree.copy()
    for node in list(tree.find_all(*_ARITHMETIC)):
        side = _bare_integer_side(node)
        if side is None:
            continue
        literal = node.args[side]
        size = abs(int(number(literal) or 0))
        kind = "int" if size <= INT32_MAX else "bigint"
        literal.replace(exp.Cast(this=literal.copy(), to=exp.DataType.build(kind)))
    return tree


def _bare_integer_side(node: exp.Expr) -> str | None:
    """Which side of an arithmetic node ("this" or "expression") is a bare integer literal beside
    a value that is not a number literal, if one is."""
    for side, other in (("this", "expression"), ("expression", "this")):
        value, beside = node.args.get(side), node.args.get(other)
        if value is None or beside is None or not integer_literal(value) or number(beside) is not None:
            continue
        return side
    return None


def integer_literal(node: exp.Expr) -> bool:
    """A literal whole number, negated or parenthesized or not (`269`, `-5`, `(7)`; not `269.0`, `2e3`)."""
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit()


def generate(tree: exp.Expr, dialect: str, *, identify: bool = False) -> str:
    """`tree` (already canonical) as SQL in `dialect`, every catalogue call as the catalogue spells it."""
    if dialect in LITERAL_TAKES_OPERAND_TYPE:
        tree = _typed_integer_literals(tree)
    return generator_for(dialect)(dialect=Dialect.get_or_raise(dialect), identify=identify).generate(tree)


def translate(node: exp.Expr, dialect: str) -> str:
    """One expression tree (generic SQL) as SQL in `dialect`, through the catalogue."""
    return generate(canonical(node.copy()), dialect)


# ---------------------------------------------------------------- documentation (docs/transforms.md)


def _cell(entry: Function, dialect: str) -> str:
    if not entry.supported(dialect):
        return "✗"
    return "✎" if entry.templates.get(dialect, SQLGLOT) != SQLGLOT else "✓"


def functions_markdown() -> str:
    """The catalogue as the tables of docs/transforms.md, "Functions" (scripts/refresh-docs.sh)."""
    lines = [
        "| function | returns | meaning | " + " | ".join(DIALECTS) + " |",
        "|---|---|---|" + "---|" * len(DIALECTS),
    ]
    for entry in ENTRIES:
        name = entry.signature() + (f" (also {', '.join(entry.aliases)})" if entry.aliases else "")
        units = f" Units: {', '.join(entry.units)}." if entry.units else ""
        cells = " | ".join(_cell(entry, d) for d in DIALECTS)
        lines.append(f"| `{name}` | {entry.result.value} | {entry.summary}.{units} | {cells} |")
    lines += ["", "Spelled by pipegen (✎) and refused with what to write instead (✗):", ""]
    for entry in ENTRIES:
        for dialect in DIALECTS:
            if not entry.supported(dialect):
                lines.append(f"- `{entry.name}` on {dialect}: refused (R302); instead: {entry.unsupported[dialect]}")
            elif entry.templates.get(dialect, SQLGLOT) != SQLGLOT:
                lines.append(f"- `{entry.name}` on {dialect}: `{entry.templates[dialect]}`")
        if entry.canonical:
            lines.append(f"- `{entry.name}` everywhere: rewritten to `{entry.canonical}` first")
        if entry.note:
            lines.append(f"- `{entry.name}`: {entry.note}")
    return "\n".join(lines) + "\n"
