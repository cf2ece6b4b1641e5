"""User SQL expressions (filters) must be one boolean expression: no statements smuggled in."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

_FORBIDDEN = (exp.Select, exp.Insert, exp.Delete, exp.Update, exp.Drop, exp.Create, exp.Command)


def expression_problem(text: str, dialect: str | None = None) -> str | None:
    """None when `text` parses as exactly one scalar expression without subqueries (generic SQL by
    default: loading no dialect keeps `validate` fast; generators transpile per target)."""
    if ";" in text.replace("';'", ""):
        return "it contains ';'"
    if "--" in text or "/*" in text:
        return "comments are not allowed"
    try:
        parsed = sqlglot.parse_one(text, read=dialect, into=exp.Condition)
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0]
        return first[:200]
    if any(isinstance(node, _FORBIDDEN) for node in parsed.walk()):
        return "subqueries and statements are not allowed"
    return None
