"""Same spec, same bytes: across runs and hash seeds, with no timestamps. Each hash seed is one
Python process (the seed is fixed when an interpreter starts) that runs `pipegen generate` of
every example through the CLI's own app, so the examples cost one interpreter a seed, not one each."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import example_specs

# every (spec, output folder) pair in argv; exits with the first non-zero code, printing its output
DRIVER = """
import sys
from typer.testing import CliRunner
from pipegen.cli import app

pairs = sys.argv[1:]
for spec, out in zip(pairs[::2], pairs[1::2]):
    result = CliRunner().invoke(app, ["generate", spec, "-o", out])
    if result.exit_code != 0 or result.exception is not None and not isinstance(result.exception, SystemExit):
        print(spec, result.output, repr(result.exception))
        sys.exit(result.exit_code or 1)
"""
SEEDS = ("0", "1", "4242")


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, bytes]]]:
    """{hash seed: {example: {path: bytes}}}: every example generated once under each seed."""
    root = tmp_path_factory.mktemp("determinism")
    out: dict[str, dict[str, dict[str, bytes]]] = {}
    for seed in SEEDS:
        pairs = [(spec, root / seed / spec.stem) for spec in example_specs()]
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, *(str(p) for pair in pairs for p in pair)],
            env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[seed] = {spec.stem: _tree(folder) for spec, folder in pairs}
    return out


def test_every_example_was_generated_under_every_seed(trees: dict[str, dict[str, dict[str, bytes]]]) -> None:
    names = {p.stem for p in example_specs()}
    assert all(set(by_spec) == names and all(by_spec.values()) for by_spec in trees.values())


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_output_is_byte_identical_across_hash_seeds(spec: Path, trees: dict[str, dict[str, dict[str, bytes]]]) -> None:
    assert trees["1"][spec.stem] == trees["4242"][spec.stem] == trees["0"][spec.stem]


def test_output_carries_no_date_from_the_clock(trees: dict[str, dict[str, dict[str, bytes]]]) -> None:
    """No file holds the date of the run (fixed anchors in the output, such as the synthetic
    data's time window, are constants, not clock reads)."""
    now = datetime.now(UTC)
    days = {(now + timedelta(days=d)).strftime("%Y-%m-%d").encode() for d in (-1, 0, 1)}
    for name, tree in trees["0"].items():
        hits = [path for path, data in tree.items() if any(day in data for day in days)]
        assert hits == [], f"{name}: today's date in {hits}"
