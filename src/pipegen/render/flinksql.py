"""Flink SQL as pipegen writes it: the sqlglot dialect spec expressions are rendered in,
portable column types as Flink types, and the legacy group-window lint.

sqlglot has no Flink dialect; Flink SQL is Spark's surface (backtick identifiers, the same
function names for what the spec uses) with ANSI string literals: a quote is doubled and a
backslash is an ordinary character. The differences are data: the function catalogue
(spec/functions.py) holds what Flink spells differently (its `flink` templates), every
identifier is quoted (Flink's reserved words include `user`, `value`, `timestamp`...), and a
string literal holding `${` is split into a concatenation so the SQL runner's `${VAR}` substitution
can never reach spec text."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.spark import Spark

from pipegen.render.filters import flink_ident, flink_str
from pipegen.render.sqlexpr import Resolver, to_sql
from pipegen.render.sqltypes import ENGINE_TYPES
from pipegen.spec.types import ColumnType, parse_column_type


class Flink(Spark):
    """Flink SQL for sqlglot: Spark's surface with ANSI string literals (a quote doubled), and
    `/` of two integers is integer division (7 / 2 = 3): a spec's `/` is true division
    (docs/transforms.md), so sqlglot casts the dividend to DOUBLE (TYPED_DIVISION)."""

    TYPED_DIVISION = True

    class Tokenizer(Spark.Tokenizer):
        STRING_ESCAPES = ["'"]  # noqa: RUF012 - sqlglot's own idiom


DIALECT = "flink"
_RUNNER_VAR = "${"


def _inert(node: exp.Expression) -> exp.Expression:
    """A string literal holding `${` as a concatenation whose pieces hold none."""
    if isinstance(node, exp.Literal) and node.is_string and _RUNNER_VAR in node.this:
        pieces = node.this.split(_RUNNER_VAR)
        out: exp.Expression = exp.Literal.string(pieces[0] + "$")
        for i, piece in enumerate(pieces[1:]):
            tail = "{" + piece + ("$" if i < len(pieces) - 2 else "")
            out = exp.DPipe(this=out, expression=exp.Literal.string(tail), safe=True)
        return exp.Paren(this=out)
    return node


def flink_expr(text: str, resolve: Resolver, inline: dict[str, str] | None = None) -> str:
    """A spec expression (generic SQL) as Flink SQL, its columns resolved and quoted. Columns
    named in `inline` (computed columns, which another computed column cannot reference in
    Flink DDL) are replaced by their Flink expression."""
    table = inline or {}

    def inlined(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in table:
            return exp.Paren(this=exp.var(table[node.name]))  # Flink SQL already: kept verbatim, not re-translated
        return node

    def transform(node: exp.Expression) -> exp.Expression:
        return _inert(inlined(node))

    return to_sql(text, DIALECT, resolve, identify=True, transform=transform)


# portable type -> Flink type: the `flink` column of render/sqltypes.py's ENGINE_TYPES; precision
# and nested types below
# Flink's event-time attributes must be TIMESTAMP(3) or TIMESTAMP_LTZ(3): the default precision
TIMESTAMP_DEFAULT_PRECISION = 3


def flink_type(portable: str) -> str:
    """'decimal(10,2)' -> 'DECIMAL(10, 2)', 'timestamp' -> 'TIMESTAMP(3)', 'struct<a: int>' -> 'ROW<`a` INT>'."""
    return _type(parse_column_type(portable))


def _type(ctype: ColumnType) -> str:
    if ctype.name == "decimal":
        return f"DECIMAL({ctype.precision}, {ctype.scale})"
    if ctype.name == "array":
        return f"ARRAY<{_type(ctype.args[0])}>"
    if ctype.name == "map":
        return f"MAP<{_type(ctype.args[0])}, {_type(ctype.args[1])}>"
    if ctype.name == "struct":
        fields = ", ".join(f"{quote(n)} {_type(a)}" for n, a in zip(ctype.fields, ctype.args, strict=True))
        return f"ROW<{fields}>"
    base = ENGINE_TYPES[ctype.name].flink
    if ctype.name in ("timestamp", "timestamp_tz"):
        return f"{base}({ctype.precision if ctype.precision is not None else TIMESTAMP_DEFAULT_PRECISION})"
    return base


quote = flink_ident  # a Flink identifier (render/filters.py)
string = flink_str  # a Flink string literal for an option value (render/filters.py)


# The legacy group-window functions (deprecated: "use Window TVF Aggregation"); they still
# parse on Flink 2.3, so a lint refuses them in generated SQL.
LEGACY_WINDOW = re.compile(
    r"\b(?:TUMBLE|HOP|SESSION|CUMULATE)_(?:START|END|ROWTIME|PROCTIME)\s*\("
    r"|\bGROUP\s+BY\s+(?:[^;()]*,\s*)?(?:TUMBLE|HOP|SESSION)\s*\(",
    re.IGNORECASE | re.DOTALL,
)


def legacy_windows(sql: str) -> list[str]:
    """Every legacy group-window construct in `sql` (string literals and comments ignored)."""
    return [m.group(0) for m in LEGACY_WINDOW.finditer(_code_only(sql))]


def _code_only(sql: str) -> str:
    """`sql` with string literals, quoted identifiers and comments blanked out."""
    return re.sub(r"'(?:[^']|'')*'|`(?:[^`]|``)*`|--[^\n]*|/\*.*?\*/", " ", sql, flags=re.DOTALL)
