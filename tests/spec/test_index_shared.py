"""One SpecIndex per spec: rules, planner and families share the index of `index_of(spec)`.

Before, each of them built its own, some once per element (a gx rule, a stream table): at
1,000 tables generation built it ~700 times, each walking every table (quadratic; e-commerce
widened to 1,000 tables rendered in 12 s instead of 1.5 s in gx alone, docs/benchmarks.md). The
guard counts the indexes built, not time."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipegen import pipeline
from pipegen.spec import index as spec_index
from pipegen.spec.index import SpecIndex, index_of
from tests.conftest import SPECS


def test_index_of_returns_one_index_per_spec_object() -> None:
    spec = pipeline.prepare(SPECS / "hello.yaml").spec
    twin = spec.model_copy()
    assert index_of(spec) is index_of(spec)
    assert index_of(twin) is not index_of(spec)  # an equal spec is another object: its own index
    assert index_of(twin).spec is twin


def test_the_recent_indexes_are_bounded() -> None:
    spec = pipeline.prepare(SPECS / "hello.yaml").spec
    copies = [spec.model_copy() for _ in range(3 * spec_index._KEEP)]
    for c in copies:
        assert index_of(c).spec is c
    assert len(spec_index._RECENT) <= spec_index._KEEP


# e-commerce turns on most families (dbt, gx, kafka, flink, debezium, lineage, monitoring,
# terraform ...), spark_lakehouse the lakehouse ones (spark, lakehouse, serving)
@pytest.mark.parametrize("name", ["ecommerce_realtime", "spark_lakehouse"])
def test_check_plan_and_render_build_the_index_once(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = SpecIndex.__init__

    def counting(self: SpecIndex, spec: object) -> None:
        built.append(id(spec))
        original(self, spec)  # type: ignore[arg-type]

    monkeypatch.setattr(SpecIndex, "__init__", counting)
    monkeypatch.setattr(spec_index, "_RECENT", {})
    ready = pipeline.prepare(Path(SPECS / f"{name}.yaml"))
    files = pipeline.render_tree(ready.spec, ready.plan)
    assert files  # the families rendered
    assert built == [id(ready.spec)], f"{len(built)} indexes built for one spec"
