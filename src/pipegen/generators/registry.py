"""The one registry of artifact families.

Adding a family: a template folder, a generator module, and one line here (moving its tag
from PLANNED to REGISTRY). The plan's component graph decides which families a spec needs
(src/pipegen/plan/components.py); this file says which of them this version generates.
"""

from __future__ import annotations

from pipegen.generators import airflow, dbt, debezium, docs, flink, gx, ingestion, kafka, prefect, project, synthetic
from pipegen.generators.base import Generator
from pipegen.plan.families import DESCRIPTIONS, Family
from pipegen.spec.diagnostics import did_you_mean

REGISTRY: dict[Family, Generator] = {
    Family.PROJECT: project.GENERATOR,
    Family.DOCS: docs.GENERATOR,
    Family.SYNTHETIC: synthetic.GENERATOR,
    Family.INGESTION: ingestion.GENERATOR,
    Family.DBT: dbt.GENERATOR,
    Family.GX: gx.GENERATOR,
    Family.AIRFLOW: airflow.GENERATOR,
    Family.PREFECT: prefect.GENERATOR,
    Family.DEBEZIUM: debezium.GENERATOR,
    Family.KAFKA: kafka.GENERATOR,
    Family.FLINK: flink.GENERATOR,
}

# Families the plan can ask for that this version does not generate yet: they are listed in
# the generated docs as "planned", never silently dropped.
PLANNED: frozenset[Family] = frozenset(
    {
        Family.KUBERNETES,
        Family.TERRAFORM,
        Family.MONITORING,
    }
)


def get(name: str) -> Generator:
    """A generator by family name, with a did-you-mean for a typo."""
    try:
        return REGISTRY[Family(name)]
    except (KeyError, ValueError):
        hint = did_you_mean(name, [f.value for f in REGISTRY]) or "families: " + ", ".join(REGISTRY)
        raise KeyError(f"no artifact family '{name}'; {hint}") from None


def describe(family: Family) -> str:
    return REGISTRY[family].description if family in REGISTRY else DESCRIPTIONS[family]


def families_markdown() -> str:
    """The table of families in docs/families.md (between its `families` markers)."""
    rows = ["| family | status | what it makes |", "|---|---|---|"]
    for family in Family:
        status = "generated" if family in REGISTRY else "planned"
        rows.append(f"| `{family.value}` | {status} | {describe(family)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - used by scripts/refresh-docs.sh
    import sys

    sys.stdout.write(families_markdown())
