"""What `validate` costs per example spec, in process (imports excluded), beside the bare
YAML parse it starts with (libyaml's composer through ruamel.yaml, nodes with line numbers, as
pipegen reads a spec: the floor no validator goes below).

    python -m benchmarks.bench_validate [--repeat 30] [--json out.json]

Run it on two checkouts in the same session to compare (the issue's budget: validate within
10 % of the previous release on the examples). Figures: median of --repeat runs after a warm-up,
each run on a fresh parse (pipegen caches expressions per process: the cache is cleared)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import ruamel.yaml

REPO = Path(__file__).resolve().parents[1]


def _compose(text: str) -> Any:
    loader = ruamel.yaml.CSafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _clear_caches() -> None:
    from pipegen.spec import expr

    expr.parse.cache_clear()


def measure(path: Path, repeat: int) -> dict[str, float]:
    from pipegen.pipeline import check

    raw = path.read_text(encoding="utf-8")
    yaml_times, validate_times = [], []
    check(path)  # warm-up: imports, template-free code paths
    for _ in range(repeat):
        started = time.perf_counter()
        _compose(raw)
        yaml_times.append(time.perf_counter() - started)
        _clear_caches()
        started = time.perf_counter()
        checked, _plan = check(path)
        validate_times.append(time.perf_counter() - started)
        assert checked.ok, path
    return {"yaml_ms": 1000 * statistics.median(yaml_times), "validate_ms": 1000 * statistics.median(validate_times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = {p.stem: measure(p, args.repeat) for p in sorted((REPO / "specs").glob("*.yaml"))}
    print("| spec | YAML parse (ms) | validate + plan (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['yaml_ms']:.1f} | {r['validate_ms']:.1f} | {r['validate_ms'] / r['yaml_ms']:.1f}x |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
