"""rules/text.py finds the first refused character with one regex per mode: the same answer as
`is_refused` character by character, for every character of the BMP in both modes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.spec.rules.text import _clean, _located, first_refused, is_refused, text_findings


def test_the_scan_refuses_exactly_what_is_refused_says() -> None:
    for multiline in (False, True):
        for code in range(0x10000):
            char = chr(code)
            expected = (2, char) if is_refused(char, multiline) else None
            assert first_refused(f"a{char}b", multiline) == expected, (hex(code), multiline)


def test_the_first_of_several_is_reported() -> None:
    assert first_refused("ok\u202eno\x00", False) == (3, "\u202e")
    assert first_refused("line\nnext\ttab\x1b", True) == (14, "\x1b")
    assert first_refused("line\nnext", False) == (5, "\n")


_TEXT = st.text(alphabet=st.sampled_from(["a", " ", "\t", "\n", "\x00", "\x1b", "\u202e", "\u2028", "é"]), max_size=4)
_DATA = st.recursive(
    st.none() | st.integers(-2, 2) | st.booleans() | _TEXT,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["description", "filter", "name", "a\tb", "k\x00"]) | _TEXT, inner, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _DATA, max_size=3))
def test_the_clean_pass_answers_as_the_located_walk(data: dict[str, object]) -> None:
    """text_findings skips its located walk when `_clean` finds no character of the stricter class in
    any key or string: then the walk finds nothing either, so the findings are the walk's."""
    located = list(_located(data))
    assert list(text_findings(data)) == located
    if _clean(data):
        assert located == []
