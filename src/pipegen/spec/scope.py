"""What an expression can read: the inputs of a transform and their columns.

Light on purpose (no sqlglot): plain column references (`status`, `orders.status`) are resolved
here without parsing, so specs without real expressions never import sqlglot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from pipegen.spec.diagnostics import did_you_mean

# codes: docs/diagnostics.md
PARSE = "R217"
UNKNOWN = "R250"
AMBIGUOUS = "R251"
WRONG_KIND = "R252"
MISPLACED = "R253"
UNKNOWN_FUNCTION = "R300"
ARGUMENTS = "R301"
UNTRANSLATABLE = "R302"

# Bare words SQL reads as values, not columns: they go through the parser. Every other plain
# reference ('order', 'orders.select') is a column, reserved word or not (spec/expr.py parses it so).
SQL_VALUE_WORDS = frozenset(
    {"true", "false", "null", "current_timestamp", "current_date", "current_time", "localtime", "localtimestamp",
     "current_user", "session_user", "unknown"}
)  # fmt: skip
PLAIN_REF_RE = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*$"
)


class Kind(Enum):
    CONDITION = "condition"
    SCALAR = "scalar"
    AGGREGATE = "aggregate"


@dataclass(frozen=True)
class Input:
    """One relation an expression can read: a staged table, a mart, or computed names."""

    name: str  # the qualifier users write: table or mart name
    columns: Mapping[str, str | None]  # column name -> portable type (None: unknown)
    aliases: tuple[str, ...] = ()  # other accepted qualifiers, e.g. 'source.table'
    notes: Mapping[str, str] = field(default_factory=dict)  # lowercased name that is not here -> why not

    def lookup(self, column: str) -> str | None:
        """The column's spelling in this input, or None."""
        lowered = column.lower()
        return next((c for c in self.columns if c.lower() == lowered), None)

    def answers_to(self, qualifier: str) -> bool:
        q = qualifier.lower()
        return q == self.name.lower() or q in (a.lower() for a in self.aliases)


@dataclass(frozen=True)
class Scope:
    inputs: tuple[Input, ...]
    free: Mapping[str, str | None] = field(default_factory=dict)  # unqualified-only names (history stats)
    group_keys: frozenset[str] = frozenset()  # AGGREGATE: names usable outside an aggregate
    merged: frozenset[str] = frozenset()  # keys joined by the same name: unqualified, the first input's
    dialects: frozenset[str] = frozenset()  # SQL dialects the expression is written in (spec/reach.py)

    def candidates(self, column: str) -> list[str]:
        return [f"{i.name}.{i.lookup(column)}" for i in self.inputs if i.lookup(column)]

    def type_of(self, qualifier: str, name: str) -> str | None:
        """The portable type text of a column in scope, or None when unknown."""
        if not qualifier:
            for key, value in self.free.items():
                if key.lower() == name.lower():
                    return value
        for i in self.inputs:
            if qualifier and not i.answers_to(qualifier):
                continue
            found = i.lookup(name)
            if found:
                return i.columns[found]
        return None

    def base_type_of(self, qualifier: str, name: str) -> str | None:
        """The column's portable base type name (`decimal` of `decimal(10,2)`), or None when unknown."""
        text = self.type_of(qualifier, name)
        return None if text is None else text.split("(", 1)[0].split("<", 1)[0].strip().lower()

    def all_names(self) -> list[str]:
        names = [c for i in self.inputs for c in i.columns] + list(self.free)
        return names + [f"{i.name}.{c}" for i in self.inputs for c in i.columns]


class Problem(NamedTuple):
    code: str
    message: str
    hint: str


def plain_ref(text: str) -> tuple[str, str] | None:
    """'status' -> ('', 'status'); 'orders.status' -> ('orders', 'status'); 'a.b.c' -> ('a.b', 'c')."""
    match = PLAIN_REF_RE.match(text)
    if not match:
        return None
    parts = [p for p in match.groups() if p]
    return ".".join(parts[:-1]), parts[-1]


def resolve(name: str, qualifier: str, scope: Scope) -> Problem | None:
    if qualifier:
        owners = [i for i in scope.inputs if i.answers_to(qualifier)]
        if not owners:
            names = [i.name for i in scope.inputs]
            return Problem(
                UNKNOWN,
                f"'{qualifier}' is not an input here",
                did_you_mean(qualifier, names) or f"qualify with one of: {', '.join(names)}",
            )
        if owners[0].lookup(name) is None:
            cols = list(owners[0].columns)
            return Problem(
                UNKNOWN,
                f"'{qualifier}' has no column '{name}'",
                did_you_mean(name, cols) or f"columns of '{owners[0].name}': {', '.join(cols)}",
            )
        return None
    if any(k.lower() == name.lower() for k in scope.free):
        return None
    found = scope.candidates(name)
    if len(found) > 1 and name.lower() in scope.merged:
        return None
    if len(found) > 1:
        return Problem(
            AMBIGUOUS,
            f"column '{name}' is ambiguous: it is in {len(found)} inputs",
            f"qualify it: {' or '.join(found)}",
        )
    if not found:
        note = next((i.notes[name.lower()] for i in scope.inputs if name.lower() in i.notes), None)
        if note:
            return Problem(UNKNOWN, f"unknown column '{name}'", note)
        names = sorted({c for i in scope.inputs for c in i.columns} | set(scope.free))
        hint = did_you_mean(name, scope.all_names()) or f"columns here: {', '.join(names[:12])}"
        return Problem(UNKNOWN, f"unknown column '{name}'", hint)
    return None
