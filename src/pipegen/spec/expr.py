"""SQL expressions in the spec: each parsed once with sqlglot (generic dialect) and checked
by what it is for. The families transpile the same trees per target dialect.

Kinds:
- CONDITION: filters, measure `where`, join `filter` -- must be boolean.
- SCALAR: derived columns, mart/stream outputs, group keys, measure inputs -- one value per row.
- AGGREGATE: a measure written as an aggregate expression (`sum(amount) / count(*)`).

Everywhere: one expression (no `;` outside a string, no statements, no subqueries), no
comments, no OVER windows (per-key history has its own shape), and only columns in scope.
A string literal may contain anything, `--` and `;` included: the tokenizer knows strings.
Importing this module imports sqlglot (~30 ms): rules import it only when an expression exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType  # type: ignore[attr-defined]

from pipegen.errors import did_you_mean
from pipegen.spec import flinkexpr, functions
from pipegen.spec.functions import SpecDialect
from pipegen.spec.scope import (
    ARGUMENTS,
    MISPLACED,
    PARSE,
    SQL_VALUE_WORDS,
    UNKNOWN,
    UNKNOWN_FUNCTION,
    UNTRANSLATABLE,
    WRONG_KIND,
    Kind,
    Problem,
    Scope,
    plain_ref,
    resolve,
)

MAX_LENGTH = 4000
RESERVED_COLUMN = "R320"  # an unquoted reserved word naming a column in an expression that does not parse
VALUE_WORD_COLUMN = "R383"  # a bare `current_date`/`true`/`null` where a column has that name


@dataclass(frozen=True)
class Parsed:
    tree: exp.Expression | None
    error: str | None
    miscounted: Problem | None = None  # the error is a catalogue call with the wrong number of arguments


@lru_cache(maxsize=4096)
def parse(text: str) -> Parsed:
    """One expression, or why not. Cached: the same text is parsed once per process."""
    if len(text) > MAX_LENGTH:
        return Parsed(None, f"it is longer than {MAX_LENGTH} characters")
    ref = plain_ref(text)
    if ref is not None and ref[1].lower() not in SQL_VALUE_WORDS:
        return Parsed(_plain_column(*ref), None)  # a column, as validation resolves it: `order`, `t.select`
    try:
        tokens = sqlglot.tokenize(text)
    except TokenError as exc:
        return Parsed(None, _first_line(exc))
    if any(tok.token_type == TokenType.SEMICOLON for tok in tokens):
        return Parsed(None, "it contains ';' outside a string: write one expression, not statements")
    if any(tok.comments for tok in tokens):
        return Parsed(None, "comments are not allowed in an expression")
    try:
        tree = sqlglot.parse_one(text, read=SpecDialect, into=exp.Condition)
    except (ParseError, TokenError) as exc:
        return Parsed(None, _first_line(exc), _miscounted(tokens) if _about_arguments(exc) else None)
    if not isinstance(tree, exp.Expression):
        return Parsed(None, "it is empty")
    if any(node.comments for node in tree.walk()):
        return Parsed(None, "comments are not allowed in an expression")
    if tree.find(exp.Query, exp.Subquery, exp.Exists):
        return Parsed(None, "subqueries and statements are not allowed")
    if tree.find(exp.Placeholder, exp.Parameter):
        return Parsed(None, "placeholders and parameters are not allowed")
    return Parsed(tree, None)


def _plain_column(qualifier: str, name: str) -> exp.Column:
    """A plain reference ('order', 'orders.select', 'src.t.c') as a column node, whatever the
    words are: SQL would read a reserved word as a keyword, the spec reads it as the column."""
    parts = [exp.to_identifier(p) for p in qualifier.split(".")] if qualifier else []
    table = parts[-1] if parts else None
    db = parts[-2] if len(parts) > 1 else None
    return exp.Column(this=exp.to_identifier(name), table=table, db=db)


# sqlglot refuses a known function with too few or too many arguments while parsing.
_ARITY_ERRORS = ("Required keyword", "The number of provided arguments")
_SPECIAL_SYNTAX = frozenset({"case", "cast", "extract", "trim", "substring"})  # FROM/AS inside the parentheses


def _about_arguments(exc: Exception) -> bool:
    errors = getattr(exc, "errors", None) or []
    return any(str(e.get("description") or "").startswith(_ARITY_ERRORS) for e in errors)


def _miscounted(tokens: list[Any]) -> Problem | None:
    """The first catalogue call whose argument count (top-level commas) does not fit, from tokens."""
    for i, tok in enumerate(tokens[:-1]):
        entry = functions.lookup(tok.text)
        if entry is None or entry.name in _SPECIAL_SYNTAX or tokens[i + 1].token_type != TokenType.L_PAREN:
            continue
        depth, count, empty = 0, 1, True
        for inner in tokens[i + 1 :]:
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(inner.token_type, 0)
            if depth == 0:
                break
            if depth == 1 and inner.token_type == TokenType.COMMA:
                count += 1
            if inner.token_type != TokenType.L_PAREN or depth > 1:
                empty = False
        count = 0 if empty else count
        if count < entry.min_args or (entry.max_args is not None and count > entry.max_args):
            return _count_problem(entry, count)
    return None


def _count_problem(entry: functions.Function, count: int) -> Problem:
    most = entry.max_args
    if most == entry.min_args:
        takes = f"{entry.min_args}"
    elif most is None:
        takes = f"{entry.min_args} or more"
    else:
        takes = f"{entry.min_args} to {most}"
    return Problem(
        ARGUMENTS, f"'{entry.name}' takes {takes} argument(s), not {count}", f"write it as {entry.signature()}"
    )


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def check(text: str, kind: Kind, scope: Scope) -> list[Problem]:
    """Every problem of one expression used as `kind` in `scope`."""
    parsed = parse(text)
    if parsed.miscounted is not None:
        return [parsed.miscounted]
    if parsed.tree is None:
        reserved = _reserved_columns(text, scope)
        if reserved:
            word = reserved[0]
            return [
                Problem(
                    RESERVED_COLUMN,
                    f"not a single SQL expression: column '{word}' is a reserved word, read here as SQL syntax",
                    f'write it as "{word}" (double quotes name a column in an expression; single quotes are text)',
                )
            ]
        return [Problem(PARSE, f"not a single SQL expression: {parsed.error}", _example(kind))]
    tree = parsed.tree
    shadowed = _value_words_naming_columns(text, tree, scope)
    if shadowed:
        word = shadowed[0]
        return [
            Problem(
                VALUE_WORD_COLUMN,
                f"`{word}` reads as SQL's {word.upper()} here, but a column in scope is named '{word}'",
                f'write "{word}" in double quotes for the column (as an output: '
                f"`{{name: {word.lower()}, expr: '\"{word}\"'}}`), or rename the column",
            )
        ]
    problems = list(_calls(tree, scope))
    problems += flinkexpr.constant_divisors(tree, scope)
    problems += _placement(tree, kind)
    problems += _columns(tree, kind, scope)
    if kind == Kind.CONDITION and not problems and is_boolean(tree, scope) is False:
        problems.append(
            Problem(
                WRONG_KIND,
                f"`{text.strip()}` is not a condition: it is a {_what(tree)}, not true/false",
                "compare it: e.g. `quantity + 1 > 10`, `status = 'paid'`, `is_active`",
            )
        )
    return problems


def _reserved_columns(text: str, scope: Scope) -> list[str]:
    """Bare words of `text` (outside strings and quoted names) that are reserved in some SQL
    dialect and name a column in scope: what the user must write in double quotes."""
    from pipegen.spec.reserved import is_reserved

    try:
        tokens = sqlglot.tokenize(text)
    except TokenError:
        return []
    found = []
    for tok in tokens:
        word = tok.text
        if tok.token_type in (TokenType.STRING, TokenType.IDENTIFIER) or not word.isidentifier():
            continue
        if is_reserved(word) and resolve(word, "", scope) is None and word not in found:
            found.append(word)
    return found


def _value_words_naming_columns(text: str, tree: exp.Expr, scope: Scope) -> list[str]:
    """Bare, unqualified words of `text` that SQL reads as a value (`current_date`, `true`, `null`:
    not a column of the parsed tree) and that also name a column in scope: the column would
    silently become the value."""
    tokens = sqlglot.tokenize(text)  # parse() has tokenized it already: no TokenError here
    columns = {c.name.lower() for c in tree.find_all(exp.Column)}
    found = []
    for i, tok in enumerate(tokens):
        word = tok.text
        if tok.token_type in (TokenType.STRING, TokenType.IDENTIFIER) or word.lower() not in SQL_VALUE_WORDS:
            continue
        if word.lower() in columns:
            continue
        after_dot = i > 0 and tokens[i - 1].token_type == TokenType.DOT
        if not after_dot and resolve(word, "", scope) is None and word not in found:
            found.append(word)
    return found


def _calls(tree: exp.Expr, scope: Scope) -> Iterator[Problem]:
    """Every call checked against the function catalogue (spec/functions.py): known, with as
    many arguments as it takes, a unit it knows, and a translation for every dialect in reach."""
    for node in tree.walk():
        if not functions.is_call(node) or isinstance(node.parent, exp.Window):
            continue  # a window function is refused as such (_placement)
        name = functions.called_name(node)
        entry = functions.entry_of(node)
        if entry is None:
            hint = did_you_mean(name, [*functions.CATALOGUE, *functions.ALIASES])
            yield Problem(
                UNKNOWN_FUNCTION,
                f"unknown function '{name}': spec expressions use the functions of the catalogue",
                (hint + " " if hint else "") + "the catalogue: docs/transforms.md#functions",
            )
            continue
        yield from _arguments(node, entry)
        yield from _whole_counts(node, entry, scope)
        yield from _constant_digits(node, entry)
        yield from flinkexpr.exact_remainder(node, entry, scope)
        yield from _timestamp_literals(node, entry)
        yield from _regex_literals(node, entry)
        for dialect in sorted(d for d in scope.dialects if not entry.supported(d)):
            yield Problem(
                UNTRANSLATABLE,
                f"'{entry.name}' has no translation for {dialect}, where this expression runs",
                f"instead: {entry.unsupported[dialect]}",
            )


# Arguments that count whole units (`date_add(day, n, t)`, `left(s, n)`): Flink and Spark refuse a
# decimal there at plan time, DuckDB has no `left(string, decimal)`, and the SQL engines disagree on
# a fraction, so a known fractional type is refused.
WHOLE_COUNTS = {"date_add": (1,), "left": (1,), "right": (1,), "substring": (1, 2)}  # round: CONSTANT_INTEGERS
FRACTIONAL = ("decimal", "double", "float")


def _whole_counts(node: exp.Expr, entry: functions.Function, scope: Scope) -> Iterator[Problem]:
    args, _ = functions.arguments(node, entry)
    for index in WHOLE_COUNTS.get(entry.name, ()):
        if index >= len(args) or not _fractional(args[index], scope):
            continue
        arg = args[index]
        if entry.name == "date_add":
            yield Problem(
                ARGUMENTS,
                f"'{entry.name}' adds a whole number of units, and `{arg.sql()}` is not of a whole-number type",
                f"round it first: `{entry.name}(..., CAST(round({arg.sql()}) AS BIGINT), ...)`, or use a smaller unit",
            )
            continue
        yield Problem(
            ARGUMENTS,
            f"'{entry.name}' takes a whole number as `{entry.args[index].name}`, and `{arg.sql()}` is not of a "
            "whole-number type",
            f"round it first: `CAST(round({arg.sql()}) AS BIGINT)`",
        )


# Arguments an engine takes as constants only: DuckDB 2.0.1 binds `round`'s precision at plan time
# ("must be a constant expression"; a BIGINT one, even constant, has no overload: `round(x,
# greatest(7, id))`, `round(x, 2::bigint)` fail, `round(x, 2)` runs).
CONSTANT_INTEGERS = {"round": (1,)}


def _constant_digits(node: exp.Expr, entry: functions.Function) -> Iterator[Problem]:
    args, _ = functions.arguments(node, entry)
    for index in CONSTANT_INTEGERS.get(entry.name, ()):
        if index >= len(args) or functions.integer_literal(args[index]):
            continue
        yield Problem(
            ARGUMENTS,
            f"'{entry.name}' takes `{entry.args[index].name}` as a whole-number literal (DuckDB binds it at plan "
            f"time), and `{args[index].sql()}` is not one",
            f"write the number of decimals, e.g. `{entry.name}(..., 2)`",
        )


# What `to_timestamp` converts on every engine: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.fraction]]'
TIMESTAMP_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?")


def _timestamp_literals(node: exp.Expr, entry: functions.Function) -> Iterator[Problem]:
    """A text literal `to_timestamp` cannot convert fails every row at run time (DuckDB,
    PostgreSQL) or gives NULL (Flink, MySQL): refused here, whatever the data."""
    if entry.name != "to_timestamp":
        return
    args, _ = functions.arguments(node, entry)
    text = args[0] if args else None
    if isinstance(text, exp.Literal) and text.is_string and not TIMESTAMP_TEXT.fullmatch(text.this.strip()):
        yield Problem(
            ARGUMENTS,
            f"'to_timestamp' converts a 'YYYY-MM-DD HH:MM:SS' text, and {text.sql()} is not one",
            "write the timestamp as '2026-01-31 23:59:00' (or a literal TIMESTAMP '2026-01-31 23:59:00')",
        )


# What a regex literal may use (the common subset of RE2/DuckDB, Java/Flink and POSIX): no
# look-around or back-reference (RE2 has neither), no `{` that does not start a repetition (Java
# refuses it, RE2 reads it as text). A replacement is plain text: `\\` and `$` are back-reference
# syntax that differs per engine (DuckDB `\\1`, Java `$1`), and DuckDB refuses a trailing `\\`.
UNPORTABLE_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|(?<!\\)\{(?!\d+(,\d*)?\})")


def _regex_literals(node: exp.Expr, entry: functions.Function) -> Iterator[Problem]:
    """A regex pattern or replacement literal one of the engines refuses, or reads differently,
    fails (or changes) every row at run time: refused here, whatever the data."""
    if entry.name not in ("regexp_like", "regexp_replace"):
        return
    args, _ = functions.arguments(node, entry)
    pattern = args[1] if len(args) > 1 else None
    if pattern is not None and not (isinstance(pattern, exp.Literal) and pattern.is_string):
        # a computed pattern is only known at run time, where one no engine compiles stops every
        # row (DuckDB: "unexpected )", seed 20261213 spec 23: `coalesce('x'') and ...', 'unknown')`)
        yield Problem(
            ARGUMENTS,
            f"'{entry.name}' takes its pattern as a string literal, and `{pattern.sql()}` is computed: a pattern "
            "an engine cannot compile fails every row at run time",
            "write the pattern itself as a string, e.g. `'^[0-9]+$'`; to choose between patterns, call it once per "
            "pattern in a CASE",
        )
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        try:
            re.compile(pattern.this)
            bad = UNPORTABLE_REGEX.search(pattern.this)
            problem = None if bad is None else f"`{bad.group(0)}` is not in the subset every engine reads alike"
        except re.error as exc:
            problem = str(exc)
        if problem is not None:
            yield Problem(
                ARGUMENTS,
                f"'{entry.name}': the pattern {pattern.sql()} does not work on every engine: {problem}",
                "use classes, ranges, quantifiers {n,m} and anchors only; write a literal `{` as `\\{`",
            )
    replacement = args[2] if len(args) > 2 else None
    if isinstance(replacement, exp.Literal) and replacement.is_string and any(c in replacement.this for c in "\\$"):
        yield Problem(
            ARGUMENTS,
            f"'regexp_replace': the replacement {replacement.sql()} has `\\` or `$`, which engines read as "
            "back-references, each its own way (DuckDB refuses a trailing `\\`)",
            "replace with plain text (no `\\` or `$`), or build the value with concat()",
        )


INTEGER_TYPES = (exp.DataType.Type.BIGINT, exp.DataType.Type.INT, exp.DataType.Type.SMALLINT, exp.DataType.Type.TINYINT)


def _fractional(arg: exp.Expr, scope: Scope) -> bool:
    """Whether a value may have a fraction: a fractional literal or column anywhere in it, a
    division (integer division differs between engines too), or `floor`/`ceil` (DuckDB types
    `floor(486)` DOUBLE, and `substring` has no DOUBLE length). A cast to an integer type is whole,
    whatever it casts (the hint's `CAST(round(x) AS BIGINT)`)."""
    if isinstance(arg, exp.Cast):
        return arg.to.this not in INTEGER_TYPES
    if isinstance(arg, exp.Literal):
        return not arg.is_string and not arg.this.lstrip("-").isdigit()
    if isinstance(arg, exp.Column):
        return (column_type(arg, scope) or "").startswith(FRACTIONAL)
    if isinstance(arg, exp.Div | exp.Floor | exp.Ceil):
        return True
    return any(_fractional(child, scope) for child in arg.iter_expressions())


def _arguments(node: exp.Expr, entry: functions.Function) -> Iterator[Problem]:
    if entry.name == "case":
        return
    args, extra = functions.arguments(node, entry)
    most = entry.max_args
    if extra or len(args) < entry.min_args or (most is not None and len(args) > most):
        yield _count_problem(entry, len(args) + len(extra))
        return
    for index, arg in enumerate(entry.args[: len(args)]):
        if arg.kind != functions.ArgKind.UNIT:
            continue
        unit = functions.unit_of(args[index])
        if unit not in entry.units:
            yield Problem(
                ARGUMENTS,
                f"'{entry.name}' does not take the unit '{unit or args[index].sql()}'",
                f"units: {', '.join(entry.units)}",
            )


def _example(kind: Kind) -> str:
    return {
        Kind.CONDITION: "write one condition such as `amount > 1000 AND status = 'paid'`",
        Kind.SCALAR: "write one expression such as `(price - cost_price) * quantity`",
        Kind.AGGREGATE: "write one aggregate expression such as `sum(amount) / count(*)`",
    }[kind]


def _placement(tree: exp.Expression, kind: Kind) -> Iterator[Problem]:
    window = tree.find(exp.Window)
    if window is not None:
        yield Problem(
            MISPLACED,
            f"OVER windows are not allowed here: `{window.sql()}`",
            "stream jobs: compute per-key history with `history:`; stream windows: `window:`; marts: group_by",
        )
        return
    aggs = list(tree.find_all(exp.AggFunc))
    if kind == Kind.AGGREGATE:
        if not aggs:
            yield Problem(
                MISPLACED,
                "a measure without `agg` must be an aggregate expression",
                "add `agg: sum` (or count, avg, ...), or write e.g. `sum(amount) / count(*)`",
            )
        for agg in aggs:
            inner = next((a for a in agg.find_all(exp.AggFunc) if a is not agg), None)
            if inner is not None:
                yield Problem(MISPLACED, f"aggregates cannot be nested: `{agg.sql()}`", "aggregate once per value")
        return
    if aggs:
        where = "a condition" if kind == Kind.CONDITION else "a row-level expression"
        yield Problem(
            MISPLACED,
            f"aggregate `{aggs[0].sql()}` is not allowed in {where}",
            "aggregate in `measures:` (agg + column/expr, or an aggregate `expr`); filter on measures in a mart "
            "that reads this one",
        )
    star = tree.find(exp.Star)
    if star is not None:
        yield Problem(MISPLACED, "`*` is not a value", "name the columns")


def _columns(tree: exp.Expression, kind: Kind, scope: Scope) -> Iterator[Problem]:
    has_aggregate = tree.find(exp.AggFunc) is not None
    for col in tree.find_all(exp.Column):
        name = col.name
        if not name or isinstance(col.this, exp.Star):
            continue
        qualifier = ".".join(p for p in (col.catalog, col.db, col.table) if p)
        problem = resolve(name, qualifier, scope)
        if problem and problem.code == UNKNOWN and not qualifier and col.this.args.get("quoted"):
            yield Problem(UNKNOWN, problem.message, f"string literals take single quotes: '{name}'")
        elif problem:
            yield problem
        elif kind == Kind.AGGREGATE and not qualifier and name.lower() in scope.group_keys:
            continue
        elif kind == Kind.AGGREGATE and has_aggregate and col.find_ancestor(exp.AggFunc) is None:
            yield Problem(
                MISPLACED,
                f"column '{col.sql()}' is outside an aggregate",
                "wrap it in an aggregate (sum, min, max, ...) or group by it",
            )


_BOOLEAN_NODES = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean)
_NOT_BOOLEAN = (exp.Binary, exp.Literal, exp.Func, exp.Neg, exp.Interval, exp.Cast)


def is_boolean(node: exp.Expression, scope: Scope) -> bool | None:
    """True/False when the shape says so; None when it cannot tell (a user-defined function)."""
    if isinstance(node, exp.Paren):
        return is_boolean(node.this, scope)
    if isinstance(node, _BOOLEAN_NODES):
        return True
    if isinstance(node, exp.Column):
        kind = column_type(node, scope)
        return None if kind is None else kind == "boolean"
    if isinstance(node, exp.Case):
        branches = [i.args.get("true") for i in node.args.get("ifs", [])] + [node.args.get("default")]
        return _all_boolean([b for b in branches if b is not None], scope)
    if isinstance(node, exp.Coalesce):
        return _all_boolean([node.this, *node.expressions], scope)
    if isinstance(node, exp.Anonymous):
        return None
    if isinstance(node, exp.Null):
        return True
    if isinstance(node, exp.Cast):
        return bool(node.to.this == exp.DataType.Type.BOOLEAN)
    if isinstance(node, _NOT_BOOLEAN):
        return False
    return None


def _all_boolean(nodes: list[exp.Expression], scope: Scope) -> bool | None:
    results = [is_boolean(n, scope) for n in nodes]
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def column_type(col: exp.Column, scope: Scope) -> str | None:
    """The column's portable base type name (e.g. 'boolean'), or None when unknown."""
    return scope.base_type_of(col.table, col.name)


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.DPipe)


def _what(tree: exp.Expression) -> str:
    if isinstance(tree, exp.Literal):
        return "string" if tree.is_string else "number"
    if isinstance(tree, exp.Column):
        return "non-boolean column"
    if isinstance(tree, _ARITHMETIC):
        return "computed value"
    if isinstance(tree, exp.Func):
        return f"{tree.sql_name().lower()}() value"
    return type(tree).__name__.lower()


def columns_of(text: str) -> list[tuple[str, str]]:
    """(qualifier, column) pairs an expression reads; [] when it does not parse."""
    tree = parse(text).tree
    if tree is None:
        return []
    return [(c.table, c.name) for c in tree.find_all(exp.Column) if c.name]


def flag_of(text: str) -> str | None:
    """The column a condition tests as a flag (`flag`, `t.flag`, `flag = true`, `flag is true`), or None."""
    tree = parse(text).tree
    if isinstance(tree, exp.EQ | exp.Is) and isinstance(tree.expression, exp.Boolean) and tree.expression.this:
        tree = tree.this
    return tree.name if isinstance(tree, exp.Column) and not isinstance(tree.this, exp.Star) else None


def is_plain_column(text: str) -> bool:
    tree = parse(text).tree
    return isinstance(tree, exp.Column) and not isinstance(tree.this, exp.Star)
