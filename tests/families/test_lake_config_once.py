"""The lake family builds lake.json's data once per render (issue 24: it built it four times, each
walking every table and recomputing the plan's capacity), and a table's capacity
figures come from a map on the plan's Capacity, not a scan of every table per table (quadratic).
Counts and equalities, not timings."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.generators.lakehouse import generator as lake_generator
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO


@pytest.mark.parametrize("example", ["iceberg_lakehouse", "spark_lakehouse", "azure_playground"])
def test_lake_json_and_the_capacity_are_made_once(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ready = prepare(REPO / "specs" / f"{example}.yaml")
    calls = {"lake_config": 0}
    lake_config = lake_generator.lake_config

    def counted_lake_config(*args: Any, **kwargs: Any) -> Any:
        calls["lake_config"] += 1
        return lake_config(*args, **kwargs)

    monkeypatch.setattr(lake_generator, "lake_config", counted_lake_config)
    files = render_tree(ready.spec, ready.plan)
    assert "pipeline/lake.json" in files
    assert calls == {"lake_config": 1}


def test_a_table_s_capacity_is_the_first_of_its_name() -> None:
    ready = prepare(REPO / "specs" / "iceberg_lakehouse.yaml")
    capacity = ready.plan.capacity
    assert capacity.tables
    for t in capacity.tables:
        assert capacity.table(t.table) is next(c for c in capacity.tables if c.table == t.table)
