"""Text that may be printed into generated files without an escaping filter.

The Jinja environment denies by default: a template may print only values of the types
below (and numbers). Everything else, every plain `str` included, must go through an
escaping filter for the target language. A string method (`.lower()`, an f-string,
Jinja's `~`) returns a plain `str`, so a derived value loses its safety and is refused.

- `Safe`: the output of an escaping filter, or text pipegen wrote itself (a constant,
  a version number), marked with `trusted()`.
- `Ident`: a name from the naming layer, checked at construction to be lowercase
  letters, digits and `_`, `-`, `.` only (no quote, space, newline or template syntax can
  be in it). It cannot inject, but it can still mean something in a language (`order` in
  SQL, `null` in YAML): templates print names with the language's filter (`sql_ident`,
  `yaml_str`), and print a bare `Ident` only where any such word is inert (Markdown
  prose, file names, comments).
"""

from __future__ import annotations

import re

IDENT_RE = re.compile(r"^[a-z0-9_][a-z0-9_.\-]*$")


class Safe(str):
    """Filter output or pipegen's own text: printable as-is."""

    __slots__ = ()


class Ident(str):
    """A derived name of [a-z0-9_.-], printable as-is (see the module docstring)."""

    __slots__ = ()

    def __new__(cls, value: str) -> Ident:
        if not IDENT_RE.match(value) or len(value) > 255:
            raise ValueError(f"not a safe identifier: {value!r} (a bug in pipegen's naming layer)")
        return super().__new__(cls, value)


def trusted(value: str) -> Safe:
    """Mark text pipegen itself wrote (never spec text) as printable."""
    return Safe(value)
