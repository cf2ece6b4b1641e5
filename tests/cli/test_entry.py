"""The console script's fast path for `validate`: same bytes and exit codes as the typer app,
and every other form handed to typer (help, usage errors, other commands)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from pipegen.entry import GC_MIDDLE_THRESHOLD, GC_YOUNG_THRESHOLD, fast_validate_args, fewer_collections, main
from tests.conftest import REPO

SPECS = REPO / "specs"
INVALID = REPO / "tests" / "invalid" / "fixtures"


def run(args: list[str], module: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys; from {module} import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, timeout=60, cwd=cwd
    )


def invalid_spec() -> Path:
    found = sorted(INVALID.glob("*.yaml"))
    assert found, f"no invalid fixture under {INVALID}"
    return found[0]


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(SPECS / "hello.yaml")],
        ["validate", str(SPECS / "ecommerce_realtime.yaml"), str(SPECS / "hello.yaml"), "--format", "json"],
        ["--debug", "validate", "-f", "text", str(SPECS / "jaffle_shop.yaml")],
        ["validate", "--format=json", "INVALID"],
        ["validate", "INVALID", str(SPECS / "hello.yaml")],
        ["validate", "does-not-exist.yaml"],
    ],
    ids=["one-valid", "json-two", "debug-short-format", "json-invalid", "text-invalid-and-valid", "missing-file"],
)
def test_fast_path_prints_the_same_bytes_and_exit_code_as_the_typer_app(args: list[str], tmp_path: Path) -> None:
    args = [str(invalid_spec()) if a == "INVALID" else a for a in args]
    assert fast_validate_args(args) is not None, "this form must take the fast path"
    fast = run(args, "pipegen.entry", tmp_path)
    slow = run(args, "pipegen.cli", tmp_path)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert "Traceback" not in fast.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "--help"],
        ["validate", "-h"],
        ["validate", "x.yaml", "--debug"],
        ["validate", "x.yaml", "--format", "xml"],
        ["validate", "x.yaml", "--format"],
        ["validate", "-", "x.yaml"],
        ["plan", "x.yaml"],
        ["--version"],
        [],
    ],
)
def test_every_other_form_goes_to_the_typer_app(args: list[str]) -> None:
    assert fast_validate_args(args) is None


def test_fast_path_parses_specs_format_and_debug() -> None:
    assert fast_validate_args(["--debug", "validate", "a.yaml", "-f", "json", "b.yaml"]) == (
        [Path("a.yaml"), Path("b.yaml")],
        "json",
        True,
    )


def test_usage_errors_still_come_from_typer_with_exit_2(tmp_path: Path) -> None:
    proc = run(["validate", "x.yaml", "--format", "xml"], "pipegen.entry", tmp_path)
    assert proc.returncode == 2 and "xml" in proc.stderr and "Traceback" not in proc.stderr


def test_a_command_runs_with_fewer_young_collections_and_restores_the_callers_thresholds(tmp_path: Path) -> None:
    """main() raises the young and middle generations' thresholds for the command (the full collections rescan
    the command's whole heap: docs/benchmarks.md, s38) and gives the caller its own back, also when
    the command exits; a higher threshold of the caller's is never lowered."""
    seen: list[tuple[int, int, int]] = []
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_collections():
            seen.append(gc.get_threshold())
        assert seen == [(GC_YOUNG_THRESHOLD, GC_MIDDLE_THRESHOLD, 10)]
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(SystemExit) as exited:
            main(["validate", str(tmp_path / "missing.yaml")])
        assert exited.value.code != 0
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(50_000, 500, 10)
        with fewer_collections():
            assert gc.get_threshold() == (50_000, 500, 10)
    finally:
        gc.set_threshold(*before)
