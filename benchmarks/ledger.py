"""The full ledger sweep: every value of every example spec traced to the generated files it
reaches (pipegen.ledger), with the CPU time each spec took. Not a test: tests/test_ledger.py
runs a deterministic sample within the suite's budget; this runs them all.

Run: python -m benchmarks.ledger [SPEC...]   (exit 1 when a value is dropped silently)
     python -m benchmarks.ledger --drawn 40 --seed 2   (every value of the drawn specs that
     tests/specgen/test_drawn_ledger.py samples)
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from pipegen.ledger import ledger

REPO = Path(__file__).resolve().parents[1]


def sweep(spec: Path | str, name: str | None = None) -> tuple[list[str], str]:
    """(the unaccounted paths, a summary line) of one spec (a file, or YAML text and its name)."""
    start = time.process_time()
    entries = ledger(spec, file=name)
    seconds = time.process_time() - start
    counts = Counter(e.status for e in entries.values())
    bad = [f"  {e.status}: {path} {e.why}" for path, e in entries.items() if not e.accounted]
    label = spec.name if isinstance(spec, Path) else name
    summary = f"{label}: {len(entries)} values, {seconds:.1f} s CPU, " + ", ".join(
        f"{status} {n}" for status, n in sorted(counts.items())
    )
    return bad, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", type=Path, help="spec files (default: every example in specs/)")
    parser.add_argument("--drawn", type=int, default=0, help="sweep this many drawn specs that validate instead")
    parser.add_argument("--seed", type=int, default=2, help="the seed of --drawn (2: the suite's sample)")
    args = parser.parse_args()
    if args.drawn:
        from tests.specgen.sample import valid_sample

        drawn = valid_sample(args.drawn, args.seed, pool=args.drawn * 2)
        specs: list[tuple[Path | str, str | None]] = [(o.text, f"drawn{i:02d}.yaml") for i, (_, o) in enumerate(drawn)]
    else:
        specs = [(p, None) for p in args.specs or sorted((REPO / "specs").glob("*.yaml"))]
    total = time.process_time()
    failed = False
    for spec, name in specs:
        bad, summary = sweep(spec, name)
        print(summary)
        if bad:
            print("\n".join(bad))
        failed = failed or bool(bad)
    print(f"total: {time.process_time() - total:.1f} s CPU")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
