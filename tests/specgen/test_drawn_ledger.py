"""Nothing dropped silently, on specs nobody here wrote: for every drawn spec that validates
(40, a fixed seed), every sampled value reaches a generated file, a located warning, the
allow-list, or is held in place by validate (pipegen.ledger: found by changing the value and
rendering again in memory, not from the generators' own account).

A full trace costs one render per value (~0.1-0.4 s); the suite traces a rotating stride of each
spec's values (every spec, a different offset each, so the sample covers every position of every
shape over the 40) within ~1 minute on 2 cores. `python -m benchmarks.ledger --drawn 40 --seed 2`
traces every value of the same specs."""

from __future__ import annotations

import re
import warnings

import pytest

from pipegen.ledger.core import Baseline, baseline, leaves, trace
from pipegen.spec.diagnostics import Path
from tests.specgen.sample import valid_sample

SEED = 2  # the drawn specs test_invariant.py's in-process judges use
COUNT = 40
PER_SPEC = 10  # values traced per spec (a stride through its values)


# Drops the widened generator found that are not fixed yet, each in docs/judges.md and on issue 19:
# printed (a KnownDrop warning in the run's summary), never counted as accounted. Not strict: the
# traced stride holds about PER_SPEC values of each spec, so a class may not occur among them when
# the generator changes (which specs a seed draws no longer depends on the modules loaded before:
# test_draw_determinism.py).
KNOWN_OPEN = {
    "`deploy` environments' settings and `engines` choices the generated families do not read yet (issues 20 "
    "and 21: an environment's target overrides, the Spark and lakehouse families; `deploy.terraform` and "
    "`deploy.kubernetes` are read)":
        r"^(deploy\.environments|engines)\.",
}  # fmt: skip


class KnownDrop(UserWarning):
    """A drawn spec's value dropped in a known open class (KNOWN_OPEN)."""


def stride(base: Baseline, offset: int, per_spec: int = PER_SPEC) -> list[Path]:
    """About `per_spec` of the spec's values, every k-th from `offset` (mod k), in document order."""
    every = leaves(base.data)
    step = max(1, len(every) // per_spec)
    return [p for i, p in enumerate(every) if i % step == offset % step]


@pytest.fixture(scope="module")
def drawn() -> list[str]:
    return [outcome.text for _, outcome in valid_sample(COUNT, SEED, pool=COUNT * 2)]


def test_every_sampled_value_of_every_drawn_spec_reaches_a_file_or_a_warning(drawn: list[str]) -> None:
    assert len(drawn) == COUNT
    traced = 0
    dropped: dict[str, str] = {}
    for i, text in enumerate(drawn):
        base = baseline(text, f"drawn{i:02d}.yaml")
        for path in stride(base, i):
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
    assert dropped == {}, f"dropped silently (print a spec: tests/specgen/sample.py, seed {SEED}):\n{detail}"
