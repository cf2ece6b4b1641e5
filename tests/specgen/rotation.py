"""Which drawn projects the expensive judges run (a local run, a Prefect flow run, a dag.test()):
the CI sample sized to the suite's budget, rotated so that successive days judge different
projects of the same fixed sample, and repeatable.

The sample itself (the specs, the generated projects, the batched judges over all of them) does
not rotate. Of the projects an expensive judge can take, it runs `count` starting at position
`rotation % len(pool)`; the rotation is PIPEGEN_DRAWN_ROTATION when set, else the UTC day number
(days since 1970-01-01), and every choice says which rotation it used and how to repeat it.
PIPEGEN_DRAWN_RUNS=all (or a number) overrides every count: a developer runs the whole sample."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROTATION_ENV = "PIPEGEN_DRAWN_ROTATION"
RUNS_ENV = "PIPEGEN_DRAWN_RUNS"


def rotation() -> int:
    """PIPEGEN_DRAWN_ROTATION, else today's UTC day number."""
    value = os.environ.get(ROTATION_ENV, "").strip()
    return int(value) if value else int(time.time() // 86400)


def runs(count: int) -> int | None:
    """How many projects a judge runs: PIPEGEN_DRAWN_RUNS (None: all), else `count`."""
    value = os.environ.get(RUNS_ENV, "").strip().lower()
    if value == "all":
        return None
    return int(value) if value else count


def rotated(pool: Sequence[Path], start: int) -> list[Path]:
    """The pool from position `start % len(pool)`, wrapping around."""
    if not pool:
        return []
    at = start % len(pool)
    return [*pool[at:], *pool[:at]]


def choose(pool: Sequence[Path], count: int) -> tuple[list[Path], str]:
    """(the projects a judge runs, a line saying which and how to repeat the choice)."""
    turn = rotation()
    chosen = rotated(pool, turn)[: runs(count)]
    names = ", ".join(f"{p.parent.name}" for p in chosen)
    note = (
        f"drawn projects judged: {len(chosen)} of {len(pool)} ({names}); rotation {turn}: repeat with "
        f"{ROTATION_ENV}={turn}, judge all with {RUNS_ENV}=all"
    )
    return chosen, note


def choose_covering(
    pool: Sequence[Path], count: int, features: Callable[[Path], Iterable[str]]
) -> tuple[list[Path], str]:
    """As `choose`, but every feature any project of the pool has (a warehouse adapter, say) is in
    the choice: the rotation's first project, then, while a feature is missing, the project that
    brings most of the missing ones (the first in the rotated order among equals), then the rest in
    the rotated order up to `count` (so the choice may be larger than `count`)."""
    turn, order = rotation(), rotated(pool, rotation())
    wanted = runs(count)
    of = {p: set(features(p)) for p in order}
    missing = set().union(*of.values())
    taken = order[:1]
    missing -= set().union(*(of[p] for p in taken))
    while missing:
        best = max((p for p in order if p not in taken), key=lambda p: len(of[p] & missing))
        taken.append(best)
        missing -= of[best]
    rest = [p for p in order if p not in taken]
    taken += rest if wanted is None else rest[: max(0, wanted - len(taken))]
    chosen = [p for p in order if p in taken]  # in the rotated order
    names = ", ".join(p.parent.name for p in chosen)
    note = (
        f"drawn projects judged: {len(chosen)} of {len(pool)} ({names}), every one of "
        f"{sorted(set().union(*of.values()))} among them; rotation {turn}: repeat with {ROTATION_ENV}={turn}, "
        f"judge all with {RUNS_ENV}=all"
    )
    return chosen, note
