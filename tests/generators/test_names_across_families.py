"""The naming layer is the one source of physical names: every family that refers to a landed
table uses the name plan.names gives it (ingestion lands it there, dbt reads it from there,
the orchestrators name their tasks after the same source keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pipegen.pipeline import prepare, render_tree
from pipegen.plan.families import Family
from tests.conftest import example_specs


def batch_examples() -> list[Path]:
    return [p for p in example_specs() if {Family.INGESTION, Family.DBT} <= set(prepare(p).plan.families)]


@pytest.mark.parametrize("spec", batch_examples(), ids=lambda p: p.stem)
def test_ingestion_and_dbt_agree_on_every_landed_name(spec: Path) -> None:
    ready = prepare(spec)
    files = render_tree(ready.spec, ready.plan)
    sources_py = files["pipeline/sources.py"]
    dbt_sources = YAML(typ="safe").load(files["dbt/models/staging/_sources.yml"])["sources"]
    declared = {(s["schema"], t["name"]) for s in dbt_sources for t in s["tables"]}
    names = ready.plan.names
    for i in ready.plan.graph.batch_sources:
        source = ready.spec.sources[i]
        for dataset in source.tables:
            n = names.dataset(source.name, dataset.name)
            # ingestion lands the table under these names ...
            assert f'landed="{n.raw_table}"' in sources_py, n.raw_table
            assert f'dead_letter="{n.dead_letter_table}"' in sources_py, n.dead_letter_table
            assert f'"{n.raw_schema}"' in sources_py, n.raw_schema
            # ... and dbt reads exactly those, into the staging model of the same name
            assert (n.raw_schema, n.raw_table) in declared
            model = files[f"dbt/models/staging/{n.staging_model}.sql"]
            assert f"source('{n.raw_schema}', '{n.raw_table}')" in model
            for spec_name, landed in n.columns:
                assert f'"{landed}"' in sources_py, (spec_name, landed)
