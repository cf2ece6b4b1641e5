"""Helpers shared by the rule modules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from pipegen.spec.diagnostics import Finding, did_you_mean
from pipegen.spec.index import SpecIndex, TableRef
from pipegen.spec.model import (
    Spec,
)

Rule = Callable[[Spec, SpecIndex], Iterator[Finding]]
URL_CREDENTIALS_RE = re.compile(r"://[^/@:\s]+:[^/@\s]+@")


def with_article(word: str) -> str:
    """'a postgres', 'an api'."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def suggest(word: str, names: Iterable[str]) -> str | None:
    return did_you_mean(word, names)


def derived_replacing_columns(t: TableRef, read_as: str) -> Iterator[Finding]:
    """R380 for each derived column of `t` named like one of its columns, when Flink reads the
    table (`read_as` says how): its CREATE TABLE cannot hold a computed column under the name of a
    column it reads (the planner refuses the duplicate)."""
    columns = {n.lower() for c in t.dataset.columns for n in (c.name, c.staged_name)}
    for di, d in enumerate(t.dataset.derived):
        if d.name.lower() in columns:
            yield Finding(
                (*t.path, "derived", di, "name"),
                "R380",
                f"derived column '{d.name}' replaces a column of '{t.dataset.name}', {read_as}: "
                "Flink SQL cannot compute a column under the name of a column it reads",
                f"give the derived column its own name (e.g. '{d.name}_value') and use that name in jobs and marts",
            )
