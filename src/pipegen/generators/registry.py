"""The one registry of artifact families. Adding a family: a template folder, a module, a line here."""

from __future__ import annotations

from pipegen.generators import docs, project
from pipegen.generators.base import Generator
from pipegen.spec.diagnostics import did_you_mean

REGISTRY: dict[str, Generator] = {
    "project": project.GENERATOR,
    "docs": docs.GENERATOR,
}


def get(name: str) -> Generator:
    try:
        return REGISTRY[name]
    except KeyError:
        hint = did_you_mean(name, REGISTRY) or "families: " + ", ".join(REGISTRY)
        raise KeyError(f"no artifact family '{name}'; {hint}") from None
