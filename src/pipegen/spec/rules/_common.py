"""Helpers shared by the rule modules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from pipegen.spec.diagnostics import Finding, did_you_mean
from pipegen.spec.index import SpecIndex
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
