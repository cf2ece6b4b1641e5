"""rules/text.py finds the first refused character with one regex per mode: the same answer as
`is_refused` character by character, for every character of the BMP in both modes."""

from __future__ import annotations

from pipegen.spec.rules.text import first_refused, is_refused


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
