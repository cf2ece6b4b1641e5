"""json_doc writes what json.dumps(indent=2, ensure_ascii=False) writes, byte for byte: the
reference is the standard library's own encoder, over generated JSON-like data."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum

from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.render.jsondoc import json_doc

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # lone surrogates, U+2028, control characters included
)
keys = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
documents = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(), inner, max_size=4)
        | st.dictionaries(keys, inner, max_size=3)
    ),
    max_leaves=30,
)


def reference(data: object, sort_keys: bool) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)


@settings(max_examples=300)
@given(documents)
def test_json_doc_matches_json_dumps_unsorted(data: object) -> None:
    assert json_doc(data) == reference(data, False)


@settings(max_examples=300)
@given(
    st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)),
    st.integers(min_value=0, max_value=4),
    st.booleans(),
)
def test_json_doc_matches_json_dumps_sorted_any_indent_and_ascii(data: object, indent: int, ascii_only: bool) -> None:
    expected = json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=ascii_only)
    assert json_doc(data, indent=indent, sort_keys=True, ensure_ascii=ascii_only) == expected


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


def test_json_doc_writes_enum_members_and_special_floats_as_json_dumps_does() -> None:
    data = {"c": Colour.RED, "n": Level.HIGH, "f": [math.nan, -math.inf, 1e300, -0.0], "e": {}, "l": [], Level.HIGH: 1}
    assert json_doc(data) == reference(data, False)


def test_json_doc_refuses_what_json_dumps_refuses() -> None:
    for bad in ({"k": object()}, {(1, 2): 3}):
        try:
            reference(bad, False)
        except TypeError:
            pass
        else:  # pragma: no cover
            raise AssertionError("the reference accepted it")
        try:
            json_doc(bad)
        except TypeError:
            continue
        raise AssertionError(f"json_doc accepted {bad!r}")


def test_a_document_of_many_chunks_is_still_json_dumps_byte_for_byte() -> None:
    """Past CHUNK_PIECES pending pieces json_doc joins them into a chunk (the peak memory of a
    5,000-table spec's lineage/jobs.json); the joins fall inside lists, inside dicts and at every depth."""
    from pipegen.render.jsondoc import CHUNK_PIECES

    data = {
        "steps": [
            {"name": f"t{i}", "inputs": [{"n": i, "f": [i / 3, None, True]}] * 3} for i in range(CHUNK_PIECES // 4)
        ],
        "flat": list(range(CHUNK_PIECES * 2)),
        "nested": {f"k{i}": {"v": [i, str(i)]} for i in range(CHUNK_PIECES // 2)},
    }
    for sort_keys in (False, True):
        assert json_doc(data, sort_keys=sort_keys) == json.dumps(
            data, indent=2, sort_keys=sort_keys, ensure_ascii=False
        )
