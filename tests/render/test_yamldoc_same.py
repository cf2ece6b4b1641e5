"""yaml_doc with its type checks by identity (s45, gen46: exact types before the ABC checks of
`Mapping`/`Sequence`, and yaml_str through the C string escaper instead of `json.dumps`) writes
exactly what it wrote before: the former emitter is kept here as the reference, and Hypothesis
draws nested documents of the values pipegen emits (dicts, lists, tuples, other Mappings, str
subclasses such as DbtJinja, bool, int, float, None), over the whole of Unicode."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.render.filters import _escape_unprintable, yaml_str
from pipegen.render.yamldoc import DbtJinja, jinja_inert, yaml_doc

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_+\-]*$")


def yaml_str_before(value: str) -> str:
    return _escape_unprintable(json.dumps(value, ensure_ascii=False))


def yaml_doc_before(data: Any, transform: Callable[[str], str] | None = None) -> str:
    """yaml_doc before s45."""
    lines = _emit(data, 0, transform or (lambda s: s))
    return "\n".join(lines) + "\n"


def _scalar(value: Any, transform: Callable[[str], str]) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return yaml_str_before(transform(value))
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


# s45 (corpus46, class 55): a key a YAML 1.1 reader takes for a boolean or null is quoted since, on purpose
NOT_STRINGS = {
    f(w)
    for w in ("y", "yes", "n", "no", "true", "false", "on", "off", "null")
    for f in (str.lower, str.title, str.upper)
}


def _key(key: Any) -> str:
    if not isinstance(key, str) or not _PLAIN_KEY.match(key) or key in NOT_STRINGS:
        return yaml_str_before(str(key))
    return key


def _emit(data: Any, indent: int, transform: Callable[[str], str]) -> list[str]:
    pad = " " * indent
    if isinstance(data, Mapping):
        if not data:
            return [pad + "{}"]
        out = []
        for key, value in data.items():
            if _is_block(value):
                out.append(f"{pad}{_key(key)}:")
                out += _emit(value, indent + 2, transform)
            else:
                out.append(f"{pad}{_key(key)}: {_inline(value, transform)}")
        return out
    if isinstance(data, Sequence) and not isinstance(data, str):
        if not data:
            return [pad + "[]"]
        out = []
        for item in data:
            if _is_block(item):
                inner = _emit(item, indent + 2, transform)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            else:
                out.append(f"{pad}- {_inline(item, transform)}")
        return out
    return [pad + _scalar(data, transform)]


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple) and len(value) > 0


def _inline(value: Any, transform: Callable[[str], str]) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _scalar(value, transform)


SPECIAL = '\\"\n\r\t\x00\x1f\x7f\x85\u2028\u2029\ufeff\ud800\uffff{{ }}{%#:-_ aZ9\u00e9\U0001f680'
TEXT = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=20)
leaves = st.none() | st.booleans() | st.integers() | st.floats() | TEXT | TEXT.map(DbtJinja)
keys = (
    TEXT | st.sampled_from(["name", "a_b", "x-1", "1x", "tests", "NULL", "yes", "On"]) | st.integers() | st.booleans()
)
documents = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(keys, inner, max_size=4)
        | st.dictionaries(keys, inner, max_size=3).map(MappingProxyType)
    ),
    max_leaves=30,
)


@settings(max_examples=400)
@given(documents)
def test_yaml_doc_writes_what_it_wrote_before(data: Any) -> None:
    assert yaml_doc(data) == yaml_doc_before(data)
    assert yaml_doc(data, jinja_inert) == yaml_doc_before(data, jinja_inert)


@settings(max_examples=400)
@given(TEXT | TEXT.map(DbtJinja))
def test_yaml_str_writes_what_json_dumps_wrote(value: str) -> None:
    assert yaml_str(value) == yaml_str_before(value)


def test_what_neither_emits_is_refused_alike() -> None:
    for bad in (b"bytes", {1, 2}, object()):
        for emit in (yaml_doc, yaml_doc_before):
            try:
                emit({"k": bad})
            except TypeError:
                continue
            raise AssertionError(f"{emit.__name__} emitted {bad!r}")
