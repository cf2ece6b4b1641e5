"""Spec expressions (SQL in sqlglot's generic dialect, parsed once by pipegen.spec.expr) as
text in a target dialect: column references rewritten to the relation aliases and SQL names
the generated code uses, identifiers quoted where the dialect needs it, and string literals
made inert for a Jinja renderer (dbt renders models: a literal holding `{{` is split into a
concatenation, so it still means exactly the same string)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from sqlglot import exp

from pipegen.render.filters import SQL_QUOTES, needs_quotes, sql_ident
from pipegen.spec.expr import parse
from pipegen.spec.functions import canonical, generate
from pipegen.spec.model import Aggregation, Measure
from pipegen.spec.reserved import is_reserved
from pipegen.spec.scope import SQL_VALUE_WORDS, plain_ref

# (qualifier as written, or "") and column -> (relation alias or None, SQL column name)
Resolver = Callable[[str, str], tuple[str | None, str]]
_OPENERS = ("{{", "{%", "{#")


def to_sql(
    text: str,
    dialect: str,
    resolve: Resolver,
    *,
    identify: bool = False,
    transform: Callable[[exp.Expression], exp.Expression] | None = None,
) -> str:
    """One expression in `dialect`, its columns resolved by `resolve` (every identifier quoted
    with `identify`; `transform` applied to every node after that), every function call written
    as the catalogue (spec/functions.py) spells it for `dialect`."""
    if transform is None:  # then the text is a pure function of these: the same expression is written once
        return _resolved_sql(text, dialect, identify, tuple(resolve(q, c) for q, c in _columns(text)))
    tree = _canonical(text).transform(lambda node: _rewrite(node, resolve, _quoter(dialect, identify)))
    tree = tree.transform(transform, copy=False)  # the tree is this call's own copy already
    return generate(tree, dialect, identify=identify)


@lru_cache(maxsize=8192)
def _resolved_sql(text: str, dialect: str, identify: bool, resolved: tuple[tuple[str | None, str], ...]) -> str:
    """to_sql of `text` whose columns (`_columns`, in order) resolve to `resolved`."""
    by_column = dict(zip(_columns(text), resolved, strict=True))
    quote = _quoter(dialect, identify)
    tree = _canonical(text).transform(lambda node: _rewrite(node, lambda q, c: by_column[(q, c)], quote))
    return generate(tree, dialect, identify=identify)


@lru_cache(maxsize=4096)
def _columns(text: str) -> tuple[tuple[str, str], ...]:
    """(qualifier, name) of every column reference `_rewrite` resolves, in the order it meets them."""
    return tuple((c.table, c.name) for c in _canonical(text).find_all(exp.Column) if _resolvable(c))


@lru_cache(maxsize=4096)
def _canonical(text: str) -> exp.Expr:
    """The parsed expression with the catalogue's canonical calls, once per text (every dialect
    and every table with the same expression starts from it): never changed, `transform` copies."""
    parsed = parse(text)
    if parsed.tree is None:  # validation refuses these; reaching here is a bug
        raise ValueError(f"expression does not parse: {text!r} ({parsed.error})")
    return canonical(parsed.tree.copy())


def order_key_sql(text: str, dialect: str, resolve: Resolver, *, desc: bool, nulls_first: bool) -> str:
    """One ORDER BY key in `dialect`: the expression, its direction and where NULLs go, spelled
    the dialect's way (sqlglot leaves out what the dialect does by default and emulates NULL
    placement where the dialect has no NULLS FIRST/LAST, e.g. MySQL)."""
    key = parse_expr(text, resolve, _quoter(dialect, False))
    return exp.Ordered(this=key, desc=desc, nulls_first=nulls_first).sql(dialect=dialect)


def parse_expr(text: str, resolve: Resolver, quote: Callable[[str], bool] | None = None) -> exp.Expression:
    """A spec expression parsed once, its columns resolved by `resolve` (names quoted where `quote`
    says; by default where any dialect pipegen writes reserves them)."""
    parsed = parse(text)
    if parsed.tree is None:  # validation refuses these; reaching here is a bug
        raise ValueError(f"expression does not parse: {text!r} ({parsed.error})")
    quoter = quote or (lambda n: needs_quotes(n) or is_reserved(n))
    return parsed.tree.copy().transform(lambda node: _rewrite(node, resolve, quoter))


def _quoter(dialect: str, identify: bool) -> Callable[[str], bool]:
    """Which names to quote in `dialect`: all with `identify` (Flink), else the ones it must."""
    if identify or dialect not in SQL_QUOTES:
        return lambda _name: True
    return lambda name: needs_quotes(name, dialect)


def _resolvable(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and bool(node.name) and not isinstance(node.this, exp.Star)


def _rewrite(node: exp.Expression, resolve: Resolver, quote: Callable[[str], bool]) -> exp.Expression:
    if _resolvable(node):
        assert isinstance(node, exp.Column)
        alias, name = resolve(node.table, node.name)  # a reserved word (`order`) is quoted per dialect
        table = exp.to_identifier(alias, quoted=quote(alias)) if alias else None
        return exp.Column(this=exp.to_identifier(name, quoted=quote(name)), table=table)
    if isinstance(node, exp.Literal) and node.is_string and any(o in node.this for o in _OPENERS):
        pieces = split_openers(node.this)
        out: exp.Expression = exp.Literal.string(pieces[0])
        for piece in pieces[1:]:
            out = exp.DPipe(this=out, expression=exp.Literal.string(piece), safe=True)
        return exp.Paren(this=out)
    return node


def ident(name: str, adapters: Sequence[str], dialects: dict[str, str]) -> str:
    """A column or alias name for every dbt adapter in play, quoted where one needs it (never parsed:
    `order` or `select` is a name here, not SQL)."""
    return per_adapter(lambda d: sql_ident(name, d), adapters, dialects)


def split_openers(text: str) -> list[str]:
    """Pieces of `text` none of which contains a Jinja opener ({{, {%, {#); joined, they are `text`."""
    pieces, start = [], 0
    for i in range(len(text) - 1):
        if text[i] == "{" and text[i + 1] in "{%#":
            pieces.append(text[start : i + 1])
            start = i + 1
    pieces.append(text[start:])
    return pieces


def per_adapter(render: Callable[[str], str], adapters: Sequence[str], dialects: dict[str, str]) -> str:
    """The same expression for every dbt adapter in play: one text when they agree, else a
    Jinja `if target.type` chain (the first adapter, DuckDB for local runs, last as the default)."""
    if len(adapters) == 1:  # the common case (DuckDB alone): one text, no dict or set per name
        return render(dialects[adapters[0]])
    texts = {a: render(dialects[a]) for a in adapters}
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))
    default, *others = adapters
    chain = "".join(
        ("{% if " if i == 0 else "{% elif ") + f"target.type == '{a}' %}}{texts[a]}" for i, a in enumerate(others)
    )
    return chain + "{% else %}" + texts[default] + "{% endif %}"


AGG_SQL = {
    Aggregation.COUNT: "count({})",
    Aggregation.COUNT_DISTINCT: "count(distinct {})",
    Aggregation.SUM: "sum({})",
    Aggregation.AVG: "avg({})",
    Aggregation.MIN: "min({})",
    Aggregation.MAX: "max({})",
}


def column_expr(text: str) -> str:
    """A `column:` value (a plain reference, `order` or `orders.select`, which names a column
    whatever its words are) as an expression that still reads that column inside a larger one:
    each part in double quotes (`count("order")`, never `count(order)`). Other text is returned
    as it is: it is already an expression."""
    ref = plain_ref(text)
    if ref is None or ref[1].lower() in SQL_VALUE_WORDS:
        return text
    qualifier, name = ref
    return ".".join(f'"{part}"' for part in [*(qualifier.split(".") if qualifier else []), name])


def measure_expr(m: Measure) -> str:
    """A measure as one generic-SQL expression (docs/transforms.md, "Marts")."""
    if m.agg is None:
        return m.expr or ""
    inner = column_expr(m.expr or m.column or ("1" if m.where else "*"))
    if m.where:
        inner = f"case when {column_expr(m.where)} then {inner} end"
    agg = AGG_SQL[m.agg].format(inner)
    if m.default is not None:
        default = m.default if not isinstance(m.default, str) else "'" + m.default.replace("'", "''") + "'"
        agg = f"coalesce({agg}, {str(default).lower() if isinstance(default, bool) else default})"
    return agg
