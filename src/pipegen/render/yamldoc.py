"""A small, deterministic YAML emitter for configuration files pipegen builds as data
(dbt properties, profiles): block style, keys as written by pipegen, every string scalar
double-quoted through `yaml_str` (so no value can change the document's structure), and an
optional per-string transform (dbt renders Jinja inside YAML strings: `jinja_inert`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from pipegen.render.filters import yaml_str

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_+\-]*$")
# plain words a YAML 1.1 reader (PyYAML: dbt, Airflow) resolves to a boolean or null, not a string: as a key
# (a pipeline named `true` is dbt's profile name) they are quoted, as every string value is
_NOT_STRINGS = frozenset(
    f(word)
    for word in ("y", "yes", "n", "no", "true", "false", "on", "off", "null")
    for f in (str.lower, str.title, str.upper)
)
_JINJA_OPEN = ("{{", "{%", "{#")


class DbtJinja(str):
    """Jinja pipegen writes on purpose for dbt to render (`{{ env_var('X') }}`): kept as-is by
    `jinja_inert`. Never built from spec text other than validated names."""

    __slots__ = ()


def jinja_inert(value: str) -> str:
    """Text that a Jinja renderer (dbt renders models and YAML) turns back into `value`
    exactly: unchanged unless it contains a tag opener, else a Jinja string expression."""
    if isinstance(value, DbtJinja):
        return str(value)
    if "{" not in value or not any(opener in value for opener in _JINJA_OPEN):  # every opener starts with {
        return value
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "{{ '" + escaped + "' }}"


def yaml_doc(data: Any, transform: Callable[[str], str] | None = None) -> str:
    """`data` (dicts, lists, str, int, float, bool, None) as a YAML document."""
    lines: list[str] = []
    _emit(data, "", transform or (lambda s: s), lines)
    return "\n".join(lines) + "\n"


def _scalar(value: Any, transform: Callable[[str], str]) -> str:
    if isinstance(value, str):  # first: almost every scalar is a string
        return yaml_str(transform(value))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _key(key: Any) -> str:
    if type(key) is str:  # most keys: they repeat (name, description, columns), each worked out once
        return _str_key(key)
    return _key_text(key)


@lru_cache(maxsize=4096)
def _str_key(key: str) -> str:
    return _key_text(key)


def _key_text(key: Any) -> str:
    if not isinstance(key, str) or not _PLAIN_KEY.match(key) or key in _NOT_STRINGS:
        return yaml_str(str(key))
    return key


# The exact types most values have, tested by identity before the (slower) ABC checks: the same
# answers as isinstance(x, Mapping) / isinstance(x, Sequence), ~10 µs less per value at 1,000 tables
_MAPS = (dict,)
_LISTS = (list, tuple)
_LEAVES = (str, int, float, bool, type(None))


def _is_mapping(data: Any) -> bool:
    kind = type(data)
    if kind in _MAPS:
        return True
    return kind not in _LEAVES and kind not in _LISTS and isinstance(data, Mapping)


def _emit(data: Any, pad: str, transform: Callable[[str], str], out: list[str]) -> None:
    """Append `data`'s lines, indented by `pad`, to `out` (one list for the whole document: a nested
    value's lines are not copied into its parent's list, level by level)."""
    if _is_mapping(data):
        if not data:
            out.append(pad + "{}")
            return
        inner = pad + "  "
        for key, value in data.items():
            name = _str_key(key) if type(key) is str else _key_text(key)  # _key, inlined
            kind = type(value)
            if kind is str:  # most values: what _inline writes for a string, without its tests
                out.append(f"{pad}{name}: {yaml_str(transform(value))}")
            elif value if kind is dict or kind is list else _is_block(value):  # a non-empty dict or list: a block
                out.append(f"{pad}{name}:")
                _emit(value, inner, transform, out)
            else:
                out.append(f"{pad}{name}: {_inline(value, transform)}")
        return
    if type(data) in _LISTS or (type(data) not in _LEAVES and isinstance(data, Sequence) and not isinstance(data, str)):
        if not data:
            out.append(pad + "[]")
            return
        inner = pad + "  "
        for item in data:
            kind = type(item)
            if kind is str:
                out.append(f"{pad}- {yaml_str(transform(item))}")
            elif item if kind is dict or kind is list else _is_block(item):
                first = len(out)
                _emit(item, inner, transform, out)
                out[first] = f"{pad}- {out[first].lstrip()}"
            else:
                out.append(f"{pad}- {_inline(item, transform)}")
        return
    out.append(pad + _scalar(data, transform))


def _is_block(value: Any) -> bool:
    if type(value) in _LEAVES:
        return False
    return isinstance(value, Mapping | list | tuple) and len(value) > 0


def _inline(value: Any, transform: Callable[[str], str]) -> str:
    if type(value) in _LEAVES:
        return _scalar(value, transform)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _scalar(value, transform)
