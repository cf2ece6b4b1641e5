"""A seed gives the same drawn specs whatever the process imported first. Hypothesis mixes into an
integer draw, now and then, integer literals it finds in the source of the local modules loaded so
far (hypothesis.internal.conjecture.providers; literals between -100 and 100 are never taken), so
a draw over a range reaching 100 depends on what ran before. The spec generator draws only over
smaller ranges (tests/specgen/hostile.py: `pick`, `number`, `one_in`): the specs a seed draws in a
fresh process are the ones it draws after other test modules and a module full of such literals
were imported. A control draw over 0..999 shows the bait does change a wide draw (so the test
cannot pass because nothing was mixed in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCRIPT = """
import hashlib, importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from hypothesis import Phase, given, seed, settings, strategies as st
from tests.specgen.sample import draw

wide = []

@seed(1)
@settings(max_examples=300, phases=[Phase.generate], database=None, derandomize=False)
@given(st.integers(0, 999))
def control(x):
    wide.append(x)

specs = draw(20, 1)
control()
print(json.dumps({"specs": hashlib.sha256(json.dumps(specs, sort_keys=True).encode()).hexdigest(),
                  "count": len(specs), "control": wide}))
"""
OTHER_MODULES = ("tests.spec.test_fuzz", "tests.render.test_filters", "tests.hostile.test_drawn_values")


def run(folder: Path, *modules: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), str(folder)])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *modules], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def test_a_seed_draws_the_same_specs_whatever_was_imported_before(tmp_path: Path) -> None:
    bait = "pipegen_bait_constants"
    literals = ", ".join(str(n) for n in range(100, 1000, 3))  # < 1024 literals: Hypothesis reads them all
    (tmp_path / f"{bait}.py").write_text(f'"""Integer literals a wide draw may pick."""\nVALUES = ({literals})\n')
    fresh = run(tmp_path)
    baited = run(tmp_path, *OTHER_MODULES, bait)
    assert fresh["count"] == baited["count"] == 20
    assert fresh["control"] != baited["control"]  # the bait reaches a draw over 0..999
    assert fresh["specs"] == baited["specs"]


def test_a_draw_stopped_early_is_the_whole_draws_first_specs_and_the_sample_the_same() -> None:
    """draw's `until` stops the pool's draws (valid_sample stops at its `count`-th valid spec): the specs
    drawn are the whole draw's first ones, names included, and the sample is the one a whole pool gives."""
    from tests.specgen.invariant import static
    from tests.specgen.sample import draw, valid_sample

    whole = draw(30, 5)
    taken: list[str] = []

    def until(spec: dict[str, object]) -> bool:
        taken.append(str(spec["pipeline"]))
        return len(taken) == 12

    early = draw(30, 5, until=until)
    assert len(early) == 12 and early == whole[:12]
    reference = [s for s in whole if (o := static(s, render=False)).valid and o.failure is None][:10]
    assert [spec for spec, _ in valid_sample(10, 5, pool=30, render=False)] == reference
