"""Same spec, same bytes: across runs and hash seeds, with no timestamps."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import example_specs, pipegen_exe


def _generate(spec: Path, out: Path, seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [pipegen_exe(), "generate", str(spec), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_output_is_byte_identical_across_hash_seeds(spec: Path, tmp_path: Path) -> None:
    first = _generate(spec, tmp_path / "a", "1")
    second = _generate(spec, tmp_path / "b", "4242")
    assert first == second


def test_output_carries_no_date_from_the_clock(tmp_path: Path) -> None:
    """No file holds the date of the run (fixed anchors in the output, such as the synthetic
    data's time window, are constants, not clock reads)."""
    now = datetime.now(UTC)
    days = {(now + timedelta(days=d)).strftime("%Y-%m-%d").encode() for d in (-1, 0, 1)}
    for spec in example_specs():
        tree = _generate(spec, tmp_path / spec.stem, "0")
        hits = [path for path, data in tree.items() if any(day in data for day in days)]
        assert hits == [], f"{spec.stem}: today's date in {hits}"
