"""The drawn-spec judges' rotation (tests/specgen/rotation.py): a day's choice is repeatable from
the printed rotation, successive rotations cover the whole pool, and PIPEGEN_DRAWN_RUNS=all takes
every project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.specgen.rotation import ROTATION_ENV, RUNS_ENV, choose, choose_covering, rotated

POOL = [Path(f"/drawn/spec{i:02d}/project") for i in range(5)]


def test_a_printed_rotation_repeats_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RUNS_ENV, raising=False)
    monkeypatch.setenv(ROTATION_ENV, "7")
    chosen, note = choose(POOL, 2)
    assert chosen == [POOL[2], POOL[3]]
    assert f"{ROTATION_ENV}=7" in note and "2 of 5 (spec02, spec03)" in note
    assert choose(POOL, 2)[0] == chosen


def test_successive_rotations_judge_every_project_of_the_pool() -> None:
    assert {rotated(POOL, day)[0] for day in range(len(POOL))} == set(POOL)
    assert rotated(POOL, 4) == [POOL[4], *POOL[:4]]
    assert rotated([], 3) == []


def test_the_whole_sample_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ROTATION_ENV, "1")
    monkeypatch.setenv(RUNS_ENV, "all")
    assert choose(POOL, 1)[0] == rotated(POOL, 1)
    monkeypatch.setenv(RUNS_ENV, "3")
    assert len(choose(POOL, 1)[0]) == 3


def test_without_a_rotation_the_day_rotates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROTATION_ENV, raising=False)
    monkeypatch.delenv(RUNS_ENV, raising=False)
    monkeypatch.setattr("tests.specgen.rotation.time.time", lambda: 86400 * 3 + 5.0)
    assert choose(POOL, 1)[0] == [POOL[3]]
    monkeypatch.setattr("tests.specgen.rotation.time.time", lambda: 86400 * 4 + 5.0)
    assert choose(POOL, 1)[0] == [POOL[4]]


def test_a_covering_choice_takes_every_feature_of_the_pool_and_rotates_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapters = {POOL[0]: {"a"}, POOL[1]: {"b", "c"}, POOL[2]: {"a"}, POOL[3]: {"c"}, POOL[4]: {"a"}}
    monkeypatch.delenv(RUNS_ENV, raising=False)
    seen: set[Path] = set()
    for day in range(len(POOL)):
        monkeypatch.setenv(ROTATION_ENV, str(day))
        chosen, note = choose_covering(POOL, 1, adapters.__getitem__)
        assert set().union(*(adapters[p] for p in chosen)) == {"a", "b", "c"}, (day, chosen)
        assert chosen[0] == rotated(POOL, day)[0] and len(chosen) <= 3 and "every one of ['a', 'b', 'c']" in note
        seen |= set(chosen)
    assert seen == set(POOL)  # successive days take every project of the pool
    monkeypatch.setenv(ROTATION_ENV, "0")
    assert choose_covering(POOL, 3, adapters.__getitem__)[0] == POOL[:3]  # filled up to the count
    assert choose_covering([], 1, adapters.__getitem__)[0] == []
    monkeypatch.setenv(RUNS_ENV, "all")
    assert choose_covering(POOL, 1, adapters.__getitem__)[0] == POOL
