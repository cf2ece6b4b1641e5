"""A section the spec leaves out is made by `empty(Model)` (spec/model/base.py), without its own
validator: it must be the very section pydantic's validated construction `Model()` makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from pipegen.spec.model import Spec
from pipegen.spec.model.base import Model


def _walk(model: type[BaseModel], found: dict[str, Callable[[], Any]], walked: set[type[BaseModel]]) -> None:
    walked.add(model)
    for field in model.model_fields.values():
        factory = field.default_factory
        if factory is not None and factory.__qualname__.startswith("empty("):
            found[factory.__qualname__] = factory  # type: ignore[assignment]
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in walked:
                _walk(arg, found, walked)


def factories() -> dict[str, Callable[[], Any]]:
    """Every `empty(...)` default factory in the spec's models, by its name."""
    found: dict[str, Callable[[], Any]] = {}
    _walk(Spec, found, set())
    return dict(sorted(found.items()))


def test_every_left_out_section_default_is_made_by_empty() -> None:
    named = set(factories())
    assert {"empty(Connection)", "empty(Quality)", "empty(Events)", "empty(Sizing)", "empty(Deploy)"} <= named
    for model in (Spec, *(type(f()) for f in factories().values())):
        for field in model.model_fields.values():
            factory = field.default_factory
            assert not (isinstance(factory, type) and issubclass(factory, BaseModel)), (model, field)


@pytest.mark.parametrize("name", list(factories()))
def test_empty_section_equals_the_validated_default(name: str) -> None:
    made = factories()[name]()
    assert isinstance(made, Model)
    validated = type(made)()
    assert made == validated
    assert made.model_dump(mode="json") == validated.model_dump(mode="json")
    assert made.model_fields_set == validated.model_fields_set == set()
    assert made.__pydantic_extra__ == validated.__pydantic_extra__
