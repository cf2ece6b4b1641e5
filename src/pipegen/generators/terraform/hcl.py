"""A small HCL writer: blocks, attributes and comments as data, written in `terraform fmt`'s own
layout (two-space indent, `=` aligned across consecutive one-line attributes, a blank line between
blocks), so the generated files pass `terraform fmt -check`.

Every string value is a literal written through `quote` (escapes `"`, `\\`, control characters and
Terraform's `${` / `%{` template sequences): spec text can never become an expression. An expression
is a `Ref`, which only pipegen's own code writes (references such as `var.tags`, function calls).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from pipegen.render.filters import hcl_str

INDENT = "  "


@dataclass(frozen=True)
class Ref:
    """A Terraform expression pipegen writes itself (never spec text): `var.x`, `aws_s3_bucket.lake.arn`."""

    expr: str


@dataclass(frozen=True)
class Comment:
    text: str


Value = Union[str, int, float, bool, Ref, Sequence["Value"], Mapping[str, "Value"]]  # noqa: UP007 (recursive alias)


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...] = ()
    body: tuple[Item, ...] = ()


Item = Union["Attr", Block, Comment]


@dataclass(frozen=True)
class Attr:
    name: str
    value: Value


def block(type_: str, *labels: str, body: Iterable[Item | None] = ()) -> Block:
    """A block; `None` items are left out (optional arguments)."""
    return Block(type_, tuple(labels), tuple(i for i in body if i is not None))


def quote(text: str) -> str:
    """A Terraform string literal of `text` (the escaping filter's: render/filters.hcl_str)."""
    return hcl_str(text)


def _key(name: str) -> str:
    """An object key: bare when it is an identifier, else quoted."""
    ok = name and (name[0].isalpha() or name[0] == "_") and all(c.isalnum() or c in "_-" for c in name)
    return name if ok and name.isascii() else quote(name)


def expr(value: Value, depth: int) -> str:
    """An expression; maps are written over several lines (one key a line, aligned)."""
    if isinstance(value, Ref):
        return value.expr
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = tuple(Attr(_key(k), v) for k, v in value.items())
        return "{\n" + "\n".join(_lines(items, depth + 1)) + "\n" + INDENT * depth + "}"
    return "[" + ", ".join(expr(v, depth) for v in value) + "]"


def _lines(items: Sequence[Item], depth: int) -> list[str]:
    pad = INDENT * depth
    out: list[str] = []
    group: list[Attr] = []

    def flush() -> None:
        if not group:
            return
        width = max(len(a.name) for a in group)
        for a in group:
            out.append(f"{pad}{a.name.ljust(width)} = {expr(a.value, depth)}")
        group.clear()

    previous: Item | None = None
    for item in items:
        if isinstance(item, Attr):
            if isinstance(previous, Block):
                out.append("")
            if isinstance(item.value, Mapping) and item.value:
                flush()  # a multi-line value stands alone: fmt aligns neither it nor across it
                group.append(item)
                flush()
            else:
                group.append(item)
        elif isinstance(item, Comment):
            flush()
            if isinstance(previous, Block):
                out.append("")
            out.append(f"{pad}# {item.text}")
        else:
            flush()
            if previous is not None and not isinstance(previous, Comment):
                out.append("")
            out.extend(_block_lines(item, depth))
        previous = item
    flush()
    return out


def _block_lines(b: Block, depth: int) -> list[str]:
    pad = INDENT * depth
    head = " ".join([b.type, *(quote(label) for label in b.labels)])
    if not b.body:
        return [f"{pad}{head} {{}}"]
    return [f"{pad}{head} {{", *_lines(b.body, depth + 1), f"{pad}}}"]


def render(items: Iterable[Item | None]) -> str:
    """A .tf / .tfvars file: top-level blocks and attributes, blank lines between blocks."""
    return "\n".join(_lines([i for i in items if i is not None], 0)) + "\n"
