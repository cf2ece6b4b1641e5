"""Absurd numbers never crash the CLI: exit 1 with a located diagnostic, never 3 (a bug)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli_here

STREAMING = (REPO / "specs" / "ecommerce_realtime.yaml").read_text(encoding="utf-8")
HUGE = "9" * 300


@pytest.mark.parametrize(
    ("old", "new", "line_text"),
    [
        ("  avg_row_bytes: 400", f"  avg_row_bytes: {HUGE}", "a 300-digit number is out of range"),
        ("  rows_per_day: 2055000 ", f"  rows_per_day: {HUGE} ", "a 300-digit number is out of range"),
        ("  retention_days: 400", f"  retention_days: {HUGE}", "a 300-digit number is out of range"),
        ("  peak_factor: 5 ", "  peak_factor: .inf ", "inf is not a finite number"),
        ("  peak_factor: 5 ", "  peak_factor: .nan ", "nan is not a finite number"),
        ("  rows_per_day: 2055000 ", "  rows_per_day: 1.0e+300 ", "is far too large"),
        ("  retention_days: 400", "  retention_days: 1e300", "is far too large"),
        ("        rows_per_day: 2000000", "        rows_per_day: 1.0e+300", "is far too large"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_absurd_numbers_exit_1_with_a_located_error(
    tmp_path: Path, command: str, old: str, new: str, line_text: str
) -> None:
    assert old in STREAMING
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(STREAMING.replace(old, new, 1), encoding="utf-8")
    proc = run_cli_here(command, str(spec))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    output = proc.stdout + proc.stderr
    located = [ln for ln in output.splitlines() if ln.startswith(f"{spec}:") and "[S107]" in ln]
    assert len(located) == 1 and line_text in located[0], output
    line = int(located[0].split(":")[1])
    assert new.strip().split(":")[0] in STREAMING.replace(old, new, 1).splitlines()[line - 1]


def test_the_largest_accepted_volume_gives_finite_figures(tmp_path: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    text = STREAMING.replace("  rows_per_day: 30000000", "  rows_per_day: 10000000000000", 1)
    text = text.replace("  avg_row_bytes: 400", "  avg_row_bytes: 104857600", 1)
    spec.write_text(text.replace("  peak_factor: 5 ", "  peak_factor: 1000 ", 1), encoding="utf-8")
    proc = run_cli_here("plan", str(spec), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "inf" not in proc.stdout.lower().replace("info", "")
