"""Whole-process timings and peak memory of the pipegen CLI. Not a test: a measurement.

Run: bash scripts/bench.sh   (prints a Markdown table for docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.synth import make_spec

REPO = Path(__file__).resolve().parents[1]


def pipegen() -> str:
    exe = Path(sys.executable).parent / "pipegen"
    return str(exe) if exe.exists() else "pipegen"


def run_once(args: list[str], before: Callable[[], None] | None = None) -> tuple[float, int]:
    """Wall seconds and this child's own peak RSS (KiB), from wait4."""
    if before:
        before()
    start = time.perf_counter()
    proc = subprocess.Popen([pipegen(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err[-500:]}")
    return elapsed, usage.ru_maxrss


def measure(name: str, args: list[str], runs: int, before: Callable[[], None] | None = None) -> dict[str, object]:
    times = []
    peak = 0
    for _ in range(runs):
        elapsed, rss = run_once(args, before)
        times.append(elapsed)
        peak = max(peak, rss)
    return {"case": name, "median_s": statistics.median(times), "min_s": min(times), "runs": runs, "peak_rss_kib": peak}


def cases(work: Path, runs: int) -> list[dict[str, object]]:
    results = [measure("pipegen --help", ["--help"], runs)]
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        results.append(measure(f"validate {spec.name}", ["validate", str(spec)], runs))
    for n in (10, 100, 1000):
        spec = work / f"synthetic_{n}.yaml"
        spec.write_text(json.dumps(make_spec(n)), encoding="utf-8")
        out = work / f"out_{n}"

        def fresh(out: Path = out) -> None:
            shutil.rmtree(out, ignore_errors=True)

        results.append(measure(f"validate {n} tables", ["validate", str(spec)], runs))
        results.append(measure(f"generate {n} tables (fresh)", ["generate", str(spec), "-o", str(out)], runs, fresh))
        results.append(measure(f"regenerate {n} tables (no change)", ["generate", str(spec), "-o", str(out)], runs))
    return results


def markdown(results: list[dict[str, object]]) -> str:
    lines = ["| case | median (s) | min (s) | runs | peak RSS (MiB) |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['case']} | {r['median_s']:.3f} | {r['min_s']:.3f} | {r['runs']} | "
            f"{int(r['peak_rss_kib']) / 1024:.0f} |"  # type: ignore[call-overload]
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = cases(Path(tmp), args.runs)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
