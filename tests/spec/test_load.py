"""The loader: positions of every node, and the fast and pure composers agreeing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipegen.spec.load import load_file, parse
from tests.conftest import example_specs


def test_positions_point_at_keys_and_values() -> None:
    loaded = parse("version: 1\npipeline:\n  name: shop\nsources:\n  - name: db\n    type: postgres\n", "x.yaml")
    name = loaded.positions[("pipeline", "name")]
    assert (name.line, name.column, name.key_line, name.key_column) == (3, 9, 3, 3)
    item = loaded.positions[("sources", 0)]
    assert (item.line, item.column) == (5, 5)
    assert loaded.positions[("sources", 0, "type")].column == 11


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_libyaml_and_pure_composers_give_the_same_data_and_positions(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = load_file(spec)
    monkeypatch.setenv("PIPEGEN_PURE_YAML", "1")
    pure = load_file(spec)
    assert fast.data == pure.data
    assert fast.positions == pure.positions


def test_yaml_1_2_plain_scalars_libyaml_refuses_still_load() -> None:
    loaded = parse("tags: [:0, a:b]\nother: ::x\n", "x.yaml")
    assert loaded.problems == []
    assert loaded.data == {"tags": [":0", "a:b"], "other": "::x"}


def test_yaml_1_2_booleans_and_dates_become_plain_values() -> None:
    loaded = parse("a: yes\nb: on\nc: 2024-01-02\nd: 0x1F\ne: ~\n", "x.yaml")
    assert loaded.data == {"a": "yes", "b": "on", "c": "2024-01-02", "d": 31, "e": None}
