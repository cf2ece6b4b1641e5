"""The one Jinja environment: StrictUndefined, templates from package data, and a
finalize hook that DENIES BY DEFAULT: a template may print only filter output, pipegen's
own text marked `trusted()`, names from the naming layer (`Ident`), enum members and
numbers. Any other value, every plain `str` included, is refused, so a spec value that
reaches a template without an escaping filter fails the render (and the tests) instead of
shipping. See pipegen.safe."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any

import jinja2

from pipegen.errors import RenderError
from pipegen.render.filters import FILTERS
from pipegen.render.yamldoc import jinja_inert, yaml_doc
from pipegen.resources import data_dir
from pipegen.safe import Ident, Safe


def printable(value: Any) -> bool:
    """Whether a template may print `value` without a filter."""
    if isinstance(value, Safe | Ident):
        return True
    if isinstance(value, bool):
        return False  # `True` is Python, not YAML/JSON/SQL: use a filter
    if isinstance(value, Enum):
        return isinstance(value.value, str | int)
    return isinstance(value, int | float)


def _finalize(value: Any) -> Any:
    kind = type(value)
    if kind is Safe or kind is Ident:  # almost every printed value: filter output and names
        return value
    if not printable(value):
        shown = repr(value)[:60]
        raise RenderError(
            f"a value ({shown}, {type(value).__name__}) reached a template without an escaping filter; "
            "this is a bug in pipegen's templates: print it through a filter (sql_ident, yaml_str, md_text, ...)"
        )
    if isinstance(value, Enum):
        return value.value
    return value


def _filter(filter_fn: Any) -> Any:
    def apply(value: Any, *args: Any) -> Safe:
        plain = str(value) if isinstance(value, str) else value.value if isinstance(value, Enum) else value
        return Safe(filter_fn(plain, *args))

    apply.__name__ = getattr(filter_fn, "__name__", "filter")
    return apply


def _strict_join(items: Any, separator: str = "") -> Safe:
    """Jinja's join, but only of printable items (joining would otherwise launder text)."""
    parts = [_finalize(part) for part in items]  # the separator is template text
    return Safe(str(separator).join(str(p) for p in parts))


def _md_row(cells: Any) -> Safe:
    """A Markdown table row of printable cells (escape spec text with md_text/md_code first)."""
    return Safe("| " + _strict_join(cells, " | ") + " |")


# What `getattr` finds on a plain dict (its methods): `d.items` in a template is the method, as in Jinja
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with `row.name` on a plain dict (most template contexts) looked up
    without first failing `getattr(row, "name")`: the same answers as Jinja's own `getattr` (an
    attribute of dict first, then the item, else undefined), without raising an AttributeError
    per lookup."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@cache
def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        auto_reload=False,  # each template is compiled once per process, never stat-ed again
        cache_size=-1,  # however many templates the families have
    )
    env.filters.update({name: _filter(fn) for name, fn in FILTERS.items()})
    env.filters["join"] = _strict_join
    env.filters["md_row"] = _md_row
    env.filters["yaml_doc"] = _filter(yaml_doc)
    env.filters["dbt_yaml"] = _filter(lambda data: yaml_doc(data, jinja_inert))
    env.filters["jinja_inert"] = _filter(jinja_inert)
    return env


def static(path: str) -> str:
    """A file under templates/ copied verbatim (not a template: it may hold another tool's
    own Jinja, e.g. dbt macros). No spec value reaches it."""
    return (data_dir("templates") / path).read_text(encoding="utf-8")


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render a template (a path under templates/) with a context."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {template} failed: {exc}") from exc
