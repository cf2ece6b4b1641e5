"""Columns as an ETL load lands them: personal data is protected before it lands
(`pii: mask|hash|drop`), so what the warehouse holds is text (masked or a keyed hash) or, for
a dropped column, nothing at all. Staging and the quality checks that run after the load read
these landed columns: the rules a protected value still follows are kept (a hash keeps
not_null and unique, a mask keeps not_null), the others cannot be checked after the load
(validate says so: R341)."""

from __future__ import annotations

from pipegen.spec.model import Column, PiiAction

RULE_FIELDS = ("not_null", "unique", "range", "accepted_values", "regex", "foreign_key")
KEPT_RULES: dict[PiiAction, tuple[str, ...]] = {PiiAction.HASH: ("not_null", "unique"), PiiAction.MASK: ("not_null",)}
PROTECTED = frozenset({PiiAction.MASK, PiiAction.HASH, PiiAction.DROP})


def lost_rules(column: Column) -> tuple[str, ...]:
    """The rules of a column protected before landing that its landed values no longer follow."""
    if column.pii not in PROTECTED:
        return ()
    kept = KEPT_RULES.get(column.pii, ())
    return tuple(r for r in RULE_FIELDS if getattr(column, r) is not None and r not in kept)


def landed_column(column: Column) -> Column:
    """The column as an ETL load lands it: protected ones as text with only the rules they keep
    (a dropped one stays in staging as an all-null text column, so the table keeps its shape)."""
    if column.pii not in PROTECTED:
        return column
    return column.model_copy(update={"type": "string", **dict.fromkeys(lost_rules(column))})
