"""Nothing dropped silently, on specs nobody here wrote: for every drawn spec that validates
(COUNT per seed, fixed seeds), every sampled value reaches a generated file, a located warning,
the allow-list, or is held in place by validate (pipegen.ledger: found by changing the value and
rendering again in memory, not from the generators' own account).

A full trace costs one render per value (~0.1-0.4 s); the suite traces a rotating stride of each
spec's values (every spec, a different offset each, so the sample covers every position of every
shape over the specs) on several seeds, a few specs each: more kinds of spec for the same cost
than many specs of one seed (seed 2 alone drew none of the drops seeds 3-5 found). Within ~40 s
of CPU. `python -m benchmarks.ledger --drawn 40 --seed N` traces every value of a seed's specs."""

from __future__ import annotations

import re
import warnings

import pytest

from pipegen.ledger.core import Baseline, baseline, leaves, trace
from pipegen.spec.diagnostics import Path
from tests.specgen.sample import valid_sample

SEEDS = (2, 3, 4, 5, 6, 7)  # 2: the drawn specs test_invariant.py's in-process judges use
COUNT = 10  # specs per seed
PER_SPEC = 6  # values traced per spec (a stride through its values)


# Drops the widened generator found that are not fixed yet, each in docs/judges.md and on issue 19:
# printed (a KnownDrop warning in the run's summary), never counted as accounted. Not strict: the
# traced stride holds about PER_SPEC values of each spec, so a class may not occur among them when
# the generator changes (which specs a seed draws no longer depends on the modules loaded before:
# test_draw_determinism.py).
KNOWN_OPEN: dict[str, str] = {}  # `deploy.environments` and `engines` settings: located since (R413-R415)


class KnownDrop(UserWarning):
    """A drawn spec's value dropped in a known open class (KNOWN_OPEN)."""


def stride(base: Baseline, offset: int, per_spec: int = PER_SPEC) -> list[Path]:
    """About `per_spec` of the spec's values, every k-th from `offset` (mod k), in document order."""
    every = leaves(base.data)
    step = max(1, len(every) // per_spec)
    return [p for i, p in enumerate(every) if i % step == offset % step]


def drawn(seed: int) -> list[str]:
    return [outcome.text for _, outcome in valid_sample(COUNT, seed, pool=COUNT * 3, render=False)]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_sampled_value_of_every_drawn_spec_reaches_a_file_or_a_warning(seed: int) -> None:
    texts = drawn(seed)
    assert len(texts) == COUNT
    traced = 0
    dropped: dict[str, str] = {}
    for i, text in enumerate(texts):
        base = baseline(text, f"drawn{i:02d}.yaml")
        for path in stride(base, seed * COUNT + i):
            entry = trace(base, path)
            traced += 1
            if not entry.accounted:
                dropped[f"drawn{i:02d}.yaml: {entry.path}"] = f"{entry.status}: {entry.why} ({entry.how})"
    assert traced >= COUNT * PER_SPEC // 2, traced  # judged something
    for name in list(dropped):
        known = next((why for why, pattern in KNOWN_OPEN.items() if re.search(pattern, name.split(": ", 1)[1])), None)
        if known is not None:
            warnings.warn(KnownDrop(f"{name}: {known} (docs/judges.md)"), stacklevel=1)
            del dropped[name]
    detail = "\n".join(f"{k}\n  {v}" for k, v in dropped.items())
    assert dropped == {}, f"dropped silently (print a spec: tests/specgen/sample.py, seed {seed}):\n{detail}"
