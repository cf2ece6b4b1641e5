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


FLOOR = "import typer, pydantic, ruamel.yaml, jinja2"
# `import pydantic` is lazy (module __getattr__): the floor loads almost none of it. What any
# pydantic model needs is imported here, so the share of the gap that is pydantic's own shows.
FLOOR_PYDANTIC = FLOOR + "; import pydantic.main, pydantic.fields, pydantic.types"
HELLO = REPO / "specs" / "hello.yaml"
ECOMMERCE = REPO / "specs" / "ecommerce_realtime.yaml"


def run_once(args: list[str], before: Callable[[], None] | None = None) -> tuple[float, int]:
    """Wall seconds and this child's own peak RSS (KiB), from wait4. `args` run through the
    pipegen console script, or as given when they start with the interpreter."""
    if before:
        before()
    command = args if args[:1] == [sys.executable] else [pipegen(), *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


def floor_comparison(runs: int) -> dict[str, object]:
    """The import floor (the libraries the CLI cannot avoid) against `pipegen validate` of the
    e-commerce example, interleaved run by run so both see the same machine load."""
    commands = {
        "floor_s": [sys.executable, "-c", FLOOR],
        "floor_real_pydantic_s": [sys.executable, "-c", FLOOR_PYDANTIC],
        "validate_hello_s": ["validate", str(HELLO)],
        "validate_s": ["validate", str(ECOMMERCE)],
    }
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(runs):
        for key, command in commands.items():
            times[key].append(run_once(command)[0])
    result: dict[str, object] = {key: statistics.median(values) for key, values in times.items()}
    floor = statistics.median(times["floor_s"])
    result["ratio"] = statistics.median(times["validate_s"]) / floor
    result["ratio_hello"] = statistics.median(times["validate_hello_s"]) / floor
    result["ratio_real_pydantic"] = statistics.median(times["floor_real_pydantic_s"]) / floor
    result["runs"] = runs
    return result


def import_profile(top: int = 12) -> list[tuple[str, float]]:
    """Where `pipegen validate` of the e-commerce example spends its imports (`-X importtime`):
    the cumulative times of the top-level imports outside the import floor, in milliseconds
    (each includes what it imported first, so the rows do not overlap)."""
    call = f"main(['validate', {str(ECOMMERCE)!r}])"
    code = f"from pipegen.entry import main\ntry:\n    {call}\nexcept SystemExit:\n    pass"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=False)
    floor = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", FLOOR], capture_output=True, text=True, check=False
    )
    in_floor = {line.split("|")[-1].strip() for line in floor.stderr.splitlines() if "|" in line}
    rows: list[tuple[str, float]] = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            if depth == 0 and name.strip() not in in_floor:  # top-level rows: disjoint, they add up
                rows.append((name.strip(), int(parts[1]) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:top]


def comparison_markdown(result: dict[str, object], profile: list[tuple[str, float]]) -> str:
    r = result
    lines = [
        "| process (interleaved, median) | seconds | / floor |",
        "|---|---|---|",
        f"| import floor: `{FLOOR}` | {result['floor_s']:.3f} | 1.00x |",
        f"| floor + pydantic's real import | {r['floor_real_pydantic_s']:.3f} | {r['ratio_real_pydantic']:.2f}x |",
        f"| `pipegen validate hello.yaml` (no expressions) | {r['validate_hello_s']:.3f} | {r['ratio_hello']:.2f}x |",
        f"| `pipegen validate ecommerce_realtime.yaml` | {result['validate_s']:.3f} | {result['ratio']:.2f}x |",
        f"| runs | {result['runs']} | |",
        "",
        "| module (imported beyond the floor) | cumulative import (ms) |",
        "|---|---|",
    ]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in profile]
    return "\n".join(lines)


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
    parser.add_argument("--floor-only", action="store_true", help="only the import-floor comparison")
    args = parser.parse_args()
    comparison = floor_comparison(max(args.runs, 11))
    profile = import_profile()
    if args.floor_only:
        print(json.dumps(comparison, indent=2) if args.json else comparison_markdown(comparison, profile))
        return
    with tempfile.TemporaryDirectory() as tmp:
        results = cases(Path(tmp), args.runs)
    if args.json:
        print(json.dumps({"cases": results, "floor": comparison}, indent=2))
        return
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(markdown(results))
    print()
    print(comparison_markdown(comparison, profile))


if __name__ == "__main__":
    main()
