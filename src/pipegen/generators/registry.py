"""The one registry of artifact families: one line per family package.

Adding a family: a template folder, a package `generators/<family>/` whose `FAMILY` declares
it (docs/families.md, "Adding a family"), and its line in `FAMILIES` below (taking its
declaration out of `planned.py` if it was planned). Everything else is derived from the
declarations: the vocabulary of tags, which families a plan needs, which are generated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipegen.generators import (
    airflow,
    compose,
    databricks,
    dbt,
    debezium,
    docs,
    flink,
    gx,
    ingestion,
    kafka,
    kubernetes,
    lakehouse,
    lineage,
    monitoring,
    prefect,
    project,
    serving,
    spark,
    synthetic,
    terraform,
)
from pipegen.generators.base import Declaration, Family, GenContext, Generator, no_previous
from pipegen.generators.planned import PLANNED as PLANNED_FAMILIES
from pipegen.plan.plan import Plan
from pipegen.spec.diagnostics import did_you_mean
from pipegen.spec.model import Spec

FAMILIES: tuple[Declaration, ...] = (
    project.FAMILY,
    docs.FAMILY,
    synthetic.FAMILY,
    ingestion.FAMILY,
    dbt.FAMILY,
    gx.FAMILY,
    airflow.FAMILY,
    prefect.FAMILY,
    debezium.FAMILY,
    kafka.FAMILY,
    flink.FAMILY,
    terraform.FAMILY,
    compose.FAMILY,
    kubernetes.FAMILY,
    monitoring.FAMILY,
    lineage.FAMILY,
    lakehouse.FAMILY,
    serving.FAMILY,
    spark.FAMILY,
    databricks.FAMILY,
)


class Registry:
    """Declarations in order (generated first, then planned); everything else derives from them."""

    def __init__(self, declarations: Sequence[Declaration]) -> None:
        tags = [d.tag for d in declarations]
        if len(set(tags)) != len(tags):
            raise ValueError(f"a family tag is declared twice: {sorted(t for t in tags if tags.count(t) > 1)}")
        self.declarations = tuple(declarations)
        self.by_tag = {d.tag: d for d in declarations}

    @property
    def generators(self) -> dict[Family, Generator]:
        return {d.tag: d.generator for d in self.declarations if d.generator is not None}

    @property
    def planned(self) -> frozenset[Family]:
        return frozenset(d.tag for d in self.declarations if d.generator is None)

    def owners(self) -> dict[str, Family]:
        """Component kind -> the family that makes it (the first declaration that needs it)."""
        out: dict[str, Family] = {}
        for d in self.declarations:
            for kind in d.needs:
                out.setdefault(str(kind), d.tag)
        return out

    def needed(self, plan: Plan) -> list[Declaration]:
        """The families a plan needs, generated or planned, in declaration order."""
        return [d for d in self.declarations if d.on(plan.graph.kinds)]

    def generated(self, plan: Plan) -> list[Family]:
        return [d.tag for d in self.needed(plan) if d.generator is not None]

    def context(
        self, spec: Spec, plan: Plan, version: str, previous: Callable[[str], str | None] | None = None
    ) -> GenContext:
        """The context every generated family renders with (before contributions are merged): the
        generated families, which family makes each component kind, the planned families."""
        needed = self.needed(plan)
        return GenContext(
            spec, plan, frozenset(d.tag for d in needed if d.generator is not None), version,
            previous=previous or no_previous, owners=self.owners(),
            planned=tuple((d.tag, d.description) for d in needed if d.generator is None),
        )  # fmt: skip

    def get(self, name: str) -> Generator:
        """A generator by family tag, with a did-you-mean for a typo."""
        generators = self.generators
        if name in generators:
            return generators[name]
        hint = did_you_mean(name, list(generators)) or "families: " + ", ".join(generators)
        raise KeyError(f"no artifact family '{name}'; {hint}")

    def markdown(self) -> str:
        """The table of families in docs/families.md (between its `families` markers)."""
        rows = ["| family | status | on when | what it makes |", "|---|---|---|---|"]
        for d in self.declarations:
            status = "generated" if d.generator is not None else "planned"
            on = "always" if d.always else ", ".join(f"`{k}`" for k in d.needs)
            rows.append(f"| `{d.tag}` | {status} | {on} | {d.description} |")
        return "\n".join(rows) + "\n"


REGISTRY = Registry((*FAMILIES, *PLANNED_FAMILIES))
GENERATORS: dict[Family, Generator] = REGISTRY.generators
PLANNED: frozenset[Family] = REGISTRY.planned


def get(name: str) -> Generator:
    return REGISTRY.get(name)


def families_markdown() -> str:
    return REGISTRY.markdown()


if __name__ == "__main__":  # pragma: no cover - used by scripts/refresh-docs.sh
    import sys

    sys.stdout.write(families_markdown())
