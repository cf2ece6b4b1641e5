"""Indented JSON documents, byte for byte what `json.dumps(data, indent=N, ensure_ascii=...,
sort_keys=...)` writes, without its pure-Python encoder (CPython uses its C encoder only when
there is no indent): one list of pieces, strings escaped by the C escaper, no generators.
A generated project holds thousands of these (GX suites, synthetic data configs, the manifest)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

# Pieces joined into a chunk once this many are pending: a piece costs ~50 bytes of object and list slot
# for a few bytes of text, so a document of millions of pieces (lineage/jobs.json of a 5,000-table spec)
# held them at ~6x its size until the final join; chunked, the peak is about twice the document.
CHUNK_PIECES = 16384


def json_doc(data: Any, *, indent: int = 2, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    """`data` as `json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)` writes it."""
    out: list[str] = []
    style = _Style(" " * indent, sort_keys, encode_basestring_ascii if ensure_ascii else encode_basestring, [])
    _value(data, "\n", out, style)
    if not style.chunks:
        return "".join(out)
    style.chunks.append("".join(out))
    return "".join(style.chunks)


@dataclass(frozen=True)
class _Style:
    indent: str
    sort_keys: bool
    quote: Callable[[str], str]
    chunks: list[str]  # the document so far, joined CHUNK_PIECES pieces at a time


def _flush(out: list[str], style: _Style) -> None:
    style.chunks.append("".join(out))
    out.clear()


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any, quote: Callable[[str], str]) -> str | None:
    """A leaf as JSON, None for a container (or anything json.dumps would refuse)."""
    if isinstance(value, str):
        return quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: Any, quote: Callable[[str], str]) -> str:
    if isinstance(key, str):
        return quote(key)
    if isinstance(key, float):
        return quote(_float(key))
    if key is True or key is False or key is None:
        return '"' + {True: "true", False: "false", None: "null"}[key] + '"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _value(value: Any, newline: str, out: list[str], style: _Style) -> None:
    """Append `value`, whose line starts at `newline` (a line break and its indentation)."""
    kind = type(value)
    if kind is str:  # the exact types first, by identity: most values are strings, dicts and lists
        out.append(style.quote(value))
        return
    if kind is not dict and kind is not list:
        leaf = _scalar(value, style.quote)
        if leaf is not None:
            out.append(leaf)
            return
    if kind is list or (kind is not dict and isinstance(value, list | tuple)):
        if not value:
            out.append("[]")
            return
        _items(value, newline, out, style)
    elif kind is dict or isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        _members(value, newline, out, style)
    else:  # what json.dumps does with anything else: its error
        out.append(json.dumps(value))


# The leaves other than strings, by exact type (a subclass, say an IntEnum, goes through _value and _scalar)
_LEAVES: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _: "null",
    float: _float,
}


# A container's string items are written in its own loop, joined to the separator before them: most
# values are strings, and a call of _value per leaf cost more than the leaf (e-commerce's GC suites).
def _items(value: list[Any] | tuple[Any, ...], newline: str, out: list[str], style: _Style) -> None:
    inner = newline + style.indent
    quote = style.quote
    before, comma = inner, "," + inner
    out.append("[")
    for item in value:
        kind = type(item)
        if kind is str:
            out.append(before + quote(item))
        elif kind in _LEAVES:
            out.append(before + _LEAVES[kind](item))
        else:
            out.append(before)
            _value(item, inner, out, style)
        if len(out) >= CHUNK_PIECES:
            _flush(out, style)
        before = comma
    out.append(newline + "]")


def _members(value: dict[Any, Any], newline: str, out: list[str], style: _Style) -> None:
    inner = newline + style.indent
    quote = style.quote
    before, comma = inner, "," + inner
    out.append("{")
    for key, item in sorted(value.items()) if style.sort_keys else value.items():
        name = before + (quote(key) if type(key) is str else _key(key, quote)) + ": "
        kind = type(item)
        if kind is str:
            out.append(name + quote(item))
        elif kind in _LEAVES:
            out.append(name + _LEAVES[kind](item))
        else:
            out.append(name)
            _value(item, inner, out, style)
        if len(out) >= CHUNK_PIECES:
            _flush(out, style)
        before = comma
    out.append(newline + "}")
