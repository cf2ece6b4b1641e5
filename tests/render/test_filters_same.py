"""The escaping filters rewritten for speed (issue 24: a character loop in Python per value became
`str.translate` or one regex) write exactly what the loops they replaced wrote: the loops are kept
here as the references, and Hypothesis draws text over the whole of Unicode, weighted towards the
characters each filter changes."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen.generators.terraform.hcl import quote
from pipegen.render.filters import (
    _UNPRINTABLE,
    HCL_ESCAPES,
    MD_ALWAYS,
    MD_LINE_START,
    hcl_str,
    md_code,
    md_text,
    yaml_str,
)

SPECIAL = '\\"\n\r\t\x00\x1f\x7f\x80$%{}_`*[]<>&|~#+-=.)1aZ9 \u00e9\u0663\u2028\U0001f680'
TEXT = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=60)


def hcl_str_loop(value: str) -> str:
    """hcl_str before s43."""
    out = []
    for ch in value:
        if ch in HCL_ESCAPES:
            out.append(HCL_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out).replace("${", "$${").replace("%{", "%%{")
    return f'"{text}"'


def _word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


def md_text_loop(value: str) -> str:
    """md_text before s43."""
    flat = " ".join(value.split())
    out = []
    for i, ch in enumerate(flat):
        if ch in MD_ALWAYS:
            out.append(MD_ALWAYS[ch])
        elif ch == "_" and not (_word(flat, i - 1) and _word(flat, i + 1)):
            out.append("\\_")
        else:
            out.append(ch)
    text = "".join(out)
    start = MD_LINE_START.match(text)
    if start is None:
        return text
    cut = start.end() - 1
    return text[:cut] + "\\" + text[cut:]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_hcl_str_and_terraform_quote_write_what_the_loop_wrote(value: str) -> None:
    assert hcl_str(value) == hcl_str_loop(value)
    assert quote(value) == hcl_str_loop(value)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_md_text_writes_what_the_loop_wrote(value: str) -> None:
    assert md_text(value) == md_text_loop(value)


def test_every_code_point_around_an_underscore_is_judged_as_the_loop_judged_it() -> None:
    """str.isalnum against the regex's [^\\W_], for every code point of the BMP and beyond."""
    for start in range(0, 0x110000, 0x8000):
        chars = "".join(chr(c) for c in range(start, start + 0x8000) if not 0xD800 <= c <= 0xDFFF)
        text = "_".join(chars) + "_"
        assert md_text(text) == md_text_loop(text), hex(start)


def md_code_before(value: str) -> str:
    """md_code before s48 (a regex pass and a generator on every value, backtick or not)."""
    flat = " ".join(value.split("\n")).replace("\r", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def yaml_str_before(value: str) -> str:
    """yaml_str before s48 (the unprintable-character regex run on every string, ASCII too)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_md_code_and_yaml_str_write_what_they_wrote_before(value: str) -> None:
    assert md_code(value) == md_code_before(value)
    assert yaml_str(value) == yaml_str_before(value)


def test_yaml_str_of_every_ascii_character_is_what_it_was() -> None:
    for code in range(0x80):
        text = f"a{chr(code)}b"
        assert yaml_str(text) == yaml_str_before(text), hex(code)
