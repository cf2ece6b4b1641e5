"""The suite's hand-out order (tests/conftest.py): the modules it names first exist, once each,
so a renamed slow module is not silently dropped to the end of the run."""

from __future__ import annotations

from tests.conftest import HEAVY_FIRST, REPO, SLOWEST_FIRST


def test_every_module_named_slowest_first_exists_once() -> None:
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)
    assert [m for m in SLOWEST_FIRST if not (REPO / m).is_file()] == []
    assert all((REPO / folder).is_dir() for folder in HEAVY_FIRST)
