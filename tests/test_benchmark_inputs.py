"""The benchmark's synthetic specs stay valid, so the figures measure real work."""

from __future__ import annotations

import json

import pytest
from benchmarks.synth import make_spec

from pipegen.spec.validate import check_bytes


@pytest.mark.parametrize("n", [1, 10, 25])
def test_synthetic_spec_is_valid_and_has_n_tables(n: int) -> None:
    checked = check_bytes(json.dumps(make_spec(n)).encode(), "synthetic.yaml")
    assert checked.ok, checked.diagnostics
    assert checked.spec is not None
    assert sum(len(s.tables) for s in checked.spec.sources) == n
