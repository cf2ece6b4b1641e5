"""docs/spec-reference.md, generated from the models so it cannot drift.

Refresh: `python -m pipegen.spec.reference > docs/spec-reference.md` (a test fails when stale).
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from pipegen.spec.model import Spec

INTRO = """# pipegen.yaml reference (spec version 1)

Generated from pipegen's models by `python -m pipegen.spec.reference`; do not edit by hand.
Every mapping rejects unknown keys (with a "did you mean"). Durations are a whole number
and a unit: `500ms`, `30s`, `15m`, `1h`, `1d`, `1w` (spelled out also works: `5 minutes`,
`1 hour`, `2 days`), at most `3650d`. Every number has the range given in its description;
infinity and NaN are refused. Text must not contain control characters (tab and newline
only in `description` and `filter`) or bidi overrides. Secrets are never literals: write
`${secret:NAME}` or `${env:NAME}`. Column rules accept a short form (`not_null: true`,
`accepted_values: [a, b]`, `regex: '^x'`, `foreign_key: table.column`) or a mapping with
`mostly` and `severity`. The JSON Schema is `docs/pipegen.schema.json` (`pipegen schema`).

Names may be reserved words of any SQL dialect pipegen writes, in any case (`order`, `select`,
`User`): they are rendered quoted per dialect wherever they reach SQL (the lists:
`pipegen.spec.reserved`). Expressions are generic SQL: a plain reference (`order`,
`orders.select`) is always a column, and inside a larger expression a reserved word that SQL
would read as syntax is written in double quotes, `"select" > 0` (single quotes are text).
Values (accepted values, patterns, literals) may hold any printable text, quotes and backslashes
included: every target receives them escaped for its own language.
"""


_SPECIAL = (
    ("parse_latency", "duration or `realtime`"),
    ("parse_duration", "duration"),
    ("check_environment_schedule", "cron or `none`"),
    ("check_cron", "cron"),
    ("column_type", "column type"),
)


def _special(metadata: Any) -> str | None:
    text = " ".join(str(m) for m in metadata)
    return next((name for marker, name in _SPECIAL if marker in text), None)


def _type_name(annotation: Any, metadata: Any = ()) -> str:
    special = _special(metadata)
    if special:
        return special
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _special(args[1:]) or _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(names))
    if origin in (tuple, list):
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.append(annotation)
                for field in annotation.model_fields.values():
                    visit(field.annotation)
            return
        for arg in typing.get_args(annotation):
            visit(arg)

    visit(root)
    return seen


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return "—"
    value = field.default
    if value is PydanticUndefined or value is None or value == ():
        return "—"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(v.value if isinstance(v, Enum) else str(v) for v in value) + "]`"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def render_reference() -> str:
    parts = [INTRO]
    for model in _models(Spec):
        parts.append(f"\n## {model.__name__}\n")
        doc = (model.__doc__ or "").strip().splitlines()
        if doc and model is not Spec:
            parts.append(f"{doc[0]}\n")
        parts.append("| key | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            key = field.alias or name
            desc = (field.description or "").replace("|", "\\|")
            parts.append(f"| `{key}` | {_type_name(field.annotation, field.metadata)} | {_default(field)} | {desc} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_reference(), end="")
