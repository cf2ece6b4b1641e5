"""The Jinja environment denies by default: only filter output, pipegen's own text,
naming-layer identifiers, enum members and numbers print; anything else fails the render."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2
import pytest

from pipegen.errors import RenderError
from pipegen.render import env as env_module
from pipegen.render.env import render
from pipegen.safe import Ident, trusted

TEMPLATES = {
    "plain.j2": "{{ value }}",
    "filtered.j2": "{{ value | md_text }}",
    "upper.j2": "{{ value | upper }}",
    "concat.j2": "{{ 'stg_' ~ value }}",
    "join.j2": "{{ items | join(',') }}",
    "row.j2": "{{ items | md_row }}",
    "make.j2": "{% for w in items %}{{ w | make_word }} {% endfor %}",
}


class Colour(StrEnum):
    RED = "red"


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: Any) -> Iterator[None]:
    env_module.environment.cache_clear()
    monkeypatch.setattr(env_module, "data_dir", lambda kind: tmp_path)
    try:
        env_module.environment().loader = jinja2.DictLoader(TEMPLATES)
        yield
    finally:
        env_module.environment.cache_clear()


@pytest.mark.usefixtures("templates")
@pytest.mark.parametrize(
    "value",
    ["orders", "stg_" + "orders", "ORDERS".lower(), f"{'x'}_y", True, None, ["a"], {"k": "v"}],
    ids=["spec-text", "concatenated", "lowered", "f-string", "bool", "none", "list", "dict"],
)
def test_a_value_printed_without_a_filter_fails_the_render(value: Any) -> None:
    with pytest.raises(RenderError, match="without an escaping filter"):
        render("plain.j2", {"value": value})


@pytest.mark.usefixtures("templates")
@pytest.mark.parametrize("template", ["upper.j2", "concat.j2"])
def test_string_operations_in_templates_drop_safety(template: str) -> None:
    with pytest.raises(RenderError, match="without an escaping filter"):
        render(template, {"value": trusted("orders")})


@pytest.mark.usefixtures("templates")
@pytest.mark.parametrize(
    ("value", "shown"),
    [(trusted("1.0.0"), "1.0.0"), (Ident("stg_shop__orders"), "stg_shop__orders"), (Colour.RED, "red"), (3, "3")],
)
def test_safe_by_construction_values_print(value: Any, shown: str) -> None:
    assert render("plain.j2", {"value": value}) == shown


@pytest.mark.usefixtures("templates")
def test_filter_output_prints_and_escapes() -> None:
    assert render("filtered.j2", {"value": "a*b"}) == "a\\*b"


@pytest.mark.usefixtures("templates")
def test_join_and_md_row_refuse_unescaped_items() -> None:
    with pytest.raises(RenderError, match="without an escaping filter"):
        render("join.j2", {"items": ["a", "b"]})
    with pytest.raises(RenderError, match="without an escaping filter"):
        render("row.j2", {"items": [trusted("a"), "b"]})
    assert render("row.j2", {"items": [trusted("a"), 2, Colour.RED]}) == "| a | 2 | red |"


@pytest.mark.usefixtures("templates")
def test_make_words_are_quoted_and_dollars_doubled_but_make_variables_kept() -> None:
    out = render("make.j2", {"items": ["$(PROJECT_PYTHON)", "-m", "x; rm -rf /", "$HOME"]})
    assert out == "$(PROJECT_PYTHON) -m 'x; rm -rf /' '$$HOME' "


def test_ident_refuses_anything_outside_its_charset() -> None:
    for bad in ["Orders", "a b", "a'b", "a\nb", "{{x}}", "", "x" * 256]:
        with pytest.raises(ValueError, match="not a safe identifier"):
            Ident(bad)


def test_attribute_lookup_on_a_plain_dict_answers_as_jinja_s_own() -> None:
    """`row.name` on a plain dict skips Jinja's failing getattr first: the same value (a dict's own
    attribute such as `items` first, then the item), and the same undefined when neither exists."""
    ours, theirs = env_module.environment(), jinja2.Environment(undefined=jinja2.StrictUndefined)
    row = {"name": "n", "items": "shadowed", "values": 1, "": 0, "missing": None}
    for obj in (row, {}, [1], "text", {1: "int key"}):
        for attribute in ("name", "items", "values", "get", "", "missing", "absent", "__class__", "upper"):
            got, expected = ours.getattr(obj, attribute), theirs.getattr(obj, attribute)
            assert type(got) is type(expected), (obj, attribute)
            if isinstance(expected, jinja2.StrictUndefined):
                assert (got._undefined_obj, got._undefined_name) == (expected._undefined_obj, attribute)
            else:
                assert got == expected, (obj, attribute)
