"""Pydantic validation errors -> spec Findings with codes, plain words and hints."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pipegen.spec.diagnostics import Finding, Path, did_you_mean
from pipegen.spec.model import NAME_PATTERN, SNAKE_PATTERN, Spec
from pipegen.spec.types import abbreviate

_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "text",
    "dict": "a mapping (key: value)",
    "list": "a list",
    "tuple": "a list",
    "model": "a mapping (key: value)",
    "model_attributes": "a mapping (key: value)",
    "none": "nothing (null)",
}
_PATTERN_WORDS = {
    NAME_PATTERN: "a name: letters, digits and underscores, not starting with a digit",
    SNAKE_PATTERN: "a snake_case name: lowercase letters, digits and underscores, starting with a letter",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _number(value: Any) -> str:
    """A number as a message shows it: a 300-digit integer is not printed in full."""
    text = repr(value)
    if isinstance(value, int) and len(text) > 24:
        return f"a {len(text.lstrip('-'))}-digit number"
    return abbreviate(text)


def _clean_loc(loc: tuple[int | str, ...], data: Any) -> Path:
    """Drop union/validator tags pydantic adds to loc: keep only parts that exist in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has(node, part):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _looks_like_tag(part):
            path.append(part)  # a missing or extra key: keep it, stop walking
            node = None
            continue
        else:
            continue
        path.append(part)
    return tuple(path)


def _has(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _looks_like_tag(part: str) -> bool:
    return "[" in part or part in {"str", "int", "float", "bool", "list", "dict", "tuple", "none"} or part[0].isupper()


def _unwrap(annotation: Any) -> list[Any]:
    """Annotation -> the concrete types it may hold (through Annotated, Optional, tuple, dict)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model class that owns the mapping at `path` (for listing its allowed keys)."""
    current: list[Any] = [Spec]
    for part in path:
        nxt: list[Any] = []
        for typ in current:
            origin = typing.get_origin(typ)
            if isinstance(typ, type) and issubclass(typ, BaseModel) and isinstance(part, str):
                field = next((f for n, f in typ.model_fields.items() if (f.alias or n) == part), None)
                if field is not None:
                    nxt += _unwrap(field.annotation)
            elif origin in (tuple, list) and isinstance(part, int):
                nxt += _unwrap(typing.get_args(typ)[0])
            elif origin is dict and isinstance(part, str):
                nxt += _unwrap(typing.get_args(typ)[1])
        current = nxt
    return next((t for t in current if isinstance(t, type) and issubclass(t, BaseModel)), None)


def _keys_of(model: type[BaseModel] | None) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()] if model else []


def _field_description(path: Path) -> str | None:
    model = _model_at(path[:-1])
    if model is None or not path or not isinstance(path[-1], str):
        return None
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == path[-1]), None)
    return field.description if field else None


def _finding(err: ErrorDetails, data: Any) -> Finding:
    path = _clean_loc(err["loc"], data)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        allowed = _keys_of(_model_at(path[:-1]))
        hint = did_you_mean(str(key), allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else None)
        return Finding(path, "S101", f"unknown key '{key}'", hint, on_key=True)
    if kind == "missing":
        desc = _field_description(path)
        hint = f"add `{key}:`" + (f" ({desc})" if desc else "")
        return Finding(path, "S102", f"missing required key '{key}'", hint)
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        listed = ", ".join(choices)
        return Finding(path, "S104", f"'{value}' is not one of: {listed}", hint or f"use one of: {listed}")
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return Finding(path, "S105", f"'{value}' is not {words}", "rename it, e.g. orders_daily")
    if kind == "value_error":
        message = err["msg"].removeprefix("Value error, ")
        hint = getattr(ctx.get("error"), "hint", None)
        on_key = bool(err["loc"]) and err["loc"][-1] == "[key]"  # a mapping key, e.g. an environment name
        return Finding(
            path, "S106", message, hint or "see docs/spec-reference.md for the accepted forms", on_key=on_key
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        desc = _field_description(path)
        return Finding(path, "S107", f"{_number(value)} is out of range: {err['msg'].lower()}", desc)
    if kind == "int_parsing_size":
        return Finding(path, "S107", f"{abbreviate(str(value))} is far too large", _field_description(path))
    if kind == "finite_number":
        return Finding(path, "S107", f"{_number(value)} is not a finite number", _field_description(path))
    if kind in ("too_short", "string_too_short"):
        return Finding(path, "S108", f"'{key}' must not be empty", "add at least one entry")
    if kind in ("too_long", "string_too_long"):
        return Finding(path, "S109", f"'{key}' is too long: {err['msg'].lower()}", None)
    base = kind.split("_")[0] if kind.endswith(("_type", "_parsing")) else None
    if base is not None or kind in ("model_type", "model_attributes_type"):
        wanted = _TYPE_WORDS.get(base or "model", "another type")
        return Finding(path, "S103", f"expected {wanted}, got {_describe(value)}", _field_description(path))
    return Finding(path, "S100", err["msg"], None)


def findings_from_validation_error(exc: ValidationError, data: Any) -> list[Finding]:
    """One finding per problem location; union members' duplicate complaints merged."""
    out: dict[Path, Finding] = {}
    for finding in _iter(exc, data):
        previous = out.get(finding.path)
        if previous is None or (previous.code == "S103" and finding.code == "S107"):
            out[finding.path] = finding  # a number out of range says more than "expected text"
        elif previous.code == "S103" and finding.code == "S103" and finding.message not in previous.message:
            merged = previous.message.split(", got ")[0]
            other = finding.message.split(", got ")[0].removeprefix("expected ")
            got = finding.message.split(", got ")[-1]
            out[finding.path] = Finding(finding.path, "S103", f"{merged} or {other}, got {got}", previous.hint)
    # "should have at least 1 item after validation" only echoes a failure inside the list
    return [
        f
        for f in out.values()
        if not (f.code == "S108" and any(p[: len(f.path)] == f.path and p != f.path for p in out))
    ]


def _iter(exc: ValidationError, data: Any) -> Iterator[Finding]:
    for err in exc.errors(include_url=False):
        yield _finding(err, data)
