"""The one Jinja environment: StrictUndefined, templates from package data, and a
finalize hook that refuses any spec value printed without an escaping filter."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2

from pipegen.errors import RenderError
from pipegen.render.filters import FILTERS
from pipegen.resources import data_dir


class Tainted(str):
    """Text that came from the spec. Printing it in a template needs an escaping filter."""

    __slots__ = ()


def taint(value: Any) -> Any:
    """Wrap every string in a structure as Tainted (dict keys included)."""
    if isinstance(value, Tainted):
        return value
    if isinstance(value, str):
        return Tainted(value)
    if isinstance(value, Mapping):
        return {taint(k): taint(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [taint(v) for v in value]
    return value


def _finalize(value: Any) -> Any:
    if isinstance(value, Tainted):
        raise RenderError(
            f"a spec value ({value[:40]!r}) reached a template without an escaping filter; "
            "this is a bug in pipegen's templates"
        )
    return value


def _plain(filter_fn: Any) -> Any:
    def apply(value: Any, *args: Any) -> str:
        return str(filter_fn(str(value) if isinstance(value, str) else value, *args))

    apply.__name__ = getattr(filter_fn, "__name__", "filter")
    return apply


def _strict_join(items: Any, separator: str = "") -> str:
    """Jinja's join, but refusing unescaped spec text (joining would launder it)."""
    parts = list(items)
    for part in parts:
        _finalize(part)
    return separator.join(str(p) for p in parts)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters.update({name: _plain(fn) for name, fn in FILTERS.items()})
    env.filters["join"] = _strict_join
    return env


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render a template (a path under templates/) with a context."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {template} failed: {exc}") from exc
