"""The generator interface: (spec, plan) -> {relative path: text}. Generators never write files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from pipegen.plan.plan import Plan
from pipegen.spec.model import Spec

Files = dict[str, str]


@dataclass(frozen=True)
class GenContext:
    spec: Spec
    plan: Plan
    families: frozenset[str]  # every family generated in this run
    version: str  # pipegen version, stated in generated files


class Generator(Protocol):
    family: str
    description: str

    def applies(self, spec: Spec, plan: Plan) -> bool:
        """Whether this family has anything to generate for the spec."""
        ...

    def requirements(self, ctx: GenContext) -> list[str]:
        """Pinned Python packages the generated files need at run time."""
        ...

    def render(self, ctx: GenContext) -> Files:
        """The files of this family, by relative POSIX path."""
        ...


def merge(parts: Mapping[str, Files]) -> Files:
    """Join families' outputs; two families claiming one path is a bug."""
    out: Files = {}
    for family, files in parts.items():
        for path, text in files.items():
            if path in out:
                raise ValueError(f"family {family} writes {path}, which another family already wrote")
            out[path] = text
    return dict(sorted(out.items()))
