"""Free text: no control characters or bidi overrides anywhere in the spec.

Decision: such characters are refused with a located error, not escaped. A NUL, an escape
sequence or a right-to-left override in a description has no legitimate use, and every
artifact family (Markdown, YAML, SQL comments, HCL, Python docstrings) would need its own
escaping to keep it inert; refusing it once, here, keeps generated files readable and makes
"Trojan Source" text (U+202E and friends) impossible to smuggle into reviewed code.

Like the secrets rule this reads the raw YAML data, keys and values, so it also reports text
in parts of the spec that do not validate yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pipegen.spec.diagnostics import Finding, Path

# Bidirectional formatting characters: embeddings, overrides and isolates.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line and paragraph separators end a line in JavaScript and some Markdown renderers.
SEPARATORS = frozenset("\u2028\u2029")
# Keys whose text may span lines (tab and newline allowed): prose and SQL.
MULTILINE_KEYS = frozenset({"description", "filter"})
_NAMES = {
    "\x00": "NUL",
    "\t": "a tab",
    "\n": "a newline",
    "\r": "a carriage return",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\u202a": "U+202A LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "U+202B RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "U+202C POP DIRECTIONAL FORMATTING",
    "\u202d": "U+202D LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\u2067": "U+2067 RIGHT-TO-LEFT ISOLATE",
    "\u2068": "U+2068 FIRST STRONG ISOLATE",
    "\u2069": "U+2069 POP DIRECTIONAL ISOLATE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\u2029": "U+2029 PARAGRAPH SEPARATOR",
}


def is_refused(char: str, multiline: bool) -> bool:
    """C0 and C1 control characters, DEL, bidi formatting and line separators; tab and
    newline only where the text may span lines."""
    if multiline and char in "\t\n":
        return False
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in BIDI or char in SEPARATORS


def char_name(char: str) -> str:
    return _NAMES.get(char, f"control character U+{ord(char):04X}")


# is_refused as one character class per mode (one C-level scan of each string; validate reads
# every key and value of the spec: tests/spec/test_text_scan.py holds them equal over the BMP).
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def first_refused(text: str, multiline: bool) -> tuple[int, str] | None:
    """(1-based position, character) of the first refused character, or None."""
    found = (_REFUSED_MULTILINE if multiline else _REFUSED).search(text)
    return None if found is None else (found.start() + 1, found.group())


def _clean(data: Mapping[Any, Any]) -> bool:
    """No key or string value anywhere in `data` holds a character of the stricter class (`_REFUSED`,
    which refuses tabs and newlines too): then `_strings` would find nothing. The common case, decided
    without a path per string or a generator per node; else `_strings` walks it again with paths."""
    search = _REFUSED.search
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if search(str(key)) or (isinstance(value, str) and search(value)):
                    return False
                if not isinstance(value, str) and isinstance(value, Mapping | list):
                    stack.append(value)
        else:  # a list
            for item in node:
                if isinstance(item, str):
                    if search(item):
                        return False
                elif isinstance(item, Mapping | list):
                    stack.append(item)
    return True


def _strings(node: Any, path: Path, multiline: bool) -> Iterator[tuple[Path, str, bool, bool]]:
    """(path, text, multiline allowed, is a key) for every key and string value."""
    if isinstance(node, str):
        yield path, node, multiline, False
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield (*path, str(key)), str(key), False, True
            yield from _strings(value, (*path, str(key)), str(key) in MULTILINE_KEYS)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _strings(item, (*path, i), multiline)


def text_findings(data: Any) -> Iterator[Finding]:
    if not isinstance(data, Mapping) or _clean(data):
        return
    yield from _located(data)


def _located(data: Mapping[Any, Any]) -> Iterator[Finding]:
    for path, text, multiline, is_key in _strings(data, (), False):
        found = first_refused(text, multiline)
        if found is None:
            continue
        position, char = found
        what = "key" if is_key else "text"
        allowed = " (tabs and newlines are fine in descriptions and filters)" if char in "\t\n" else ""
        yield Finding(
            path,
            "S110",
            f"{what} contains {char_name(char)} at character {position}; "
            "control characters and bidi overrides are not allowed in a spec",
            f"delete the character{allowed}",
            on_key=is_key,
        )
