"""dlt's snake_case, one floor below the naming layer (plan/idents.py re-exports it) so that
validation can compute the names pipegen derives from spec names and check their lengths."""

from __future__ import annotations

import re
from functools import lru_cache

_BREAK_1 = re.compile(r"([^_])([A-Z][a-z]+)")
_BREAK_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^a-zA-Z0-9_]+")
_UNDERSCORES = re.compile(r"__+")


@lru_cache(maxsize=65536, typed=True)  # a pure function asked for every name of every family
def snake(name: str) -> str:
    """A name as dlt's default `snake_case` naming convention stores it (dlt.common.normalizers
    .naming.snake_case): CamelCase split, lowercased, non-alphanumerics to `_`, trailing `_`
    to `x`, runs of `_` collapsed, a leading digit prefixed with `_`. Landed tables and
    columns are named this way, so downstream SQL must use the same."""
    text = _NON_ALNUM.sub("_", name)
    text = _BREAK_2.sub(r"\1_\2", _BREAK_1.sub(r"\1_\2", text)).lower()
    if text[:1].isdigit():
        text = "_" + text
    stripped = text.rstrip("_")
    text = stripped + "x" * (len(text) - len(stripped))
    return _UNDERSCORES.sub("_", text)
