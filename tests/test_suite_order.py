"""The suite's hand-out order (tests/conftest.py): the modules it names first exist, once each,
so a renamed slow module is not silently dropped to the end of the run."""

from __future__ import annotations

from tests.conftest import HEAVY_FIRST, REPO, SLOWEST_FIRST


def test_every_module_named_slowest_first_exists_once() -> None:
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)
    assert [m for m in SLOWEST_FIRST if not (REPO / m).is_file()] == []
    assert all((REPO / folder).is_dir() for folder in HEAVY_FIRST)


def test_modules_reorder_as_asked_and_keep_each_modules_tests_in_order() -> None:
    import pytest

    from tests.conftest import modules_reordered

    items = ["a.py::1", "a.py::2", "b.py::1", "c.py::1", "c.py::2", "d.py::1"]
    module = lambda item: item.split("::")[0]  # noqa: E731
    assert modules_reordered(items, "reverse", module) == [
        "d.py::1",
        "c.py::1",
        "c.py::2",
        "b.py::1",
        "a.py::1",
        "a.py::2",
    ]
    shuffled = modules_reordered(items, "shuffle:7", module)
    assert shuffled == modules_reordered(items, "shuffle:7", module)  # a seed is one fixed order
    assert sorted(shuffled) == sorted(items)
    assert [i for i in shuffled if i.startswith("c.py")] == ["c.py::1", "c.py::2"]
    orders = {tuple(modules_reordered(items, f"shuffle:{seed}", module)) for seed in range(20)}
    assert len(orders) > 5  # seeds give different orders
    with pytest.raises(pytest.UsageError, match="reverse"):
        modules_reordered(items, "sideways", module)
