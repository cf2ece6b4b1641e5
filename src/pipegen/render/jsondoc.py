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
        inner = newline + style.indent
        out.append("[")
        for i, item in enumerate(value):
            out.append(inner if i == 0 else "," + inner)
            _value(item, inner, out, style)
            if len(out) >= CHUNK_PIECES:
                _flush(out, style)
        out.append(newline + "]")
    elif kind is dict or isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + style.indent
        out.append("{")
        items = sorted(value.items()) if style.sort_keys else value.items()
        quote = style.quote
        for i, (key, item) in enumerate(items):
            name = quote(key) if type(key) is str else _key(key, quote)
            out.append((inner if i == 0 else "," + inner) + name + ": ")
            _value(item, inner, out, style)
            if len(out) >= CHUNK_PIECES:
                _flush(out, style)
        out.append(newline + "}")
    else:  # what json.dumps does with anything else: its error
        out.append(json.dumps(value))
