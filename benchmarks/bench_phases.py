"""Where `generate`'s peak memory is, phase by phase, in one process: an example widened to N
tables (benchmarks/widen.py), then its load alone (dropped), `prepare` (load, validate, plan) and
`render_tree` (every family, nothing written), with the peak RSS (`ru_maxrss`) and the resident
set after each phase and its CPU seconds. The write stage is not in it: `bench_scale` measures the
whole command.

    python -m benchmarks.bench_phases [--spec ecommerce_realtime] [--tables 5000] [--max-bytes N]

A widened spec over the loader's MAX_BYTES is read with the budget raised to --max-bytes in this
process only (as `bench_scale --max-bytes`). `--digest` prints a SHA-256 over every rendered path
and text, to compare two checkouts' output at a size the goldens do not cover.

    python -m benchmarks.bench_phases --generate OUT [--spec ...] [--tables N] [--max-bytes N]

runs the whole `pipegen generate SPEC -o OUT` in process instead, the write stage included, with
each stage's own peak: the kernel's high-water mark (`VmHWM`) is reset before each stage
(`/proc/self/clear_refs`, Linux) and read after it. Run it twice on the same OUT for a fresh
generate, then a no-change regenerate."""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.widen import load, widen

REPO = Path(__file__).resolve().parents[1]


def _rss_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def _peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _hwm_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def _staged(rows: list[tuple[str, int, int, float]], module: object, name: str) -> None:
    """Wrap module.name: its own peak (reset before it), the resident set after it, its CPU."""
    inner = getattr(module, name)

    def stage(*args: object, **kwargs: object) -> object:
        _reset_peak()
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            rows.append((name, _hwm_mib(), _rss_mib(), time.process_time() - start))

    setattr(module, name, stage)


def generate_stages(spec: Path, out: Path) -> list[tuple[str, int, int, float]]:
    """`pipegen generate spec -o out` in this process, stage by stage (see the module doc)."""
    from pipegen import pipeline, write
    from pipegen.entry import main as pipegen

    rows = [("imports", _hwm_mib(), _rss_mib(), time.process_time())]
    for name in ("prepare", "spec_hash", "render_tree"):
        _staged(rows, pipeline, name)
    for name in ("plan_write", "_apply"):
        _staged(rows, write, name)
    try:
        pipegen(["generate", str(spec), "-o", str(out)])
    except SystemExit as exc:
        assert not exc.code, f"pipegen generate exited {exc.code}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="ecommerce_realtime")
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--max-bytes", type=int, default=None)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--generate", type=Path, default=None, metavar="OUT")
    args = parser.parse_args()

    import pipegen.spec.load as spec_load
    from pipegen import pipeline

    if args.max_bytes is not None:
        spec_load.MAX_BYTES = args.max_bytes
    rows = [("imports", _peak_mib(), _rss_mib(), 0.0)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipegen.json"
        wide = widen(load(REPO / "specs" / f"{args.spec}.yaml"), args.tables)
        path.write_text(json.dumps(wide, separators=(",", ":")), "utf-8")
        del wide
        if args.generate is not None:
            stages = generate_stages(path, args.generate)
            print(f"{args.spec} widened to {args.tables:,} tables: pipegen generate, each stage's own peak")
            print("| stage | peak RSS (MiB) | resident after (MiB) | CPU (s) |\n|---|---:|---:|---:|")
            for name, peak, rss, cpu in stages:
                print(f"| {name} | {peak} | {rss} | {cpu:.1f} |")
            return
        start = time.process_time()
        loaded = spec_load.load_file(path)
        assert loaded.ok, [f.message for _, f in loaded.problems]
        del loaded
        rows.append(("load (dropped)", _peak_mib(), _rss_mib(), time.process_time() - start))
        start = time.process_time()
        ready = pipeline.prepare(path)
        rows.append(("prepare", _peak_mib(), _rss_mib(), time.process_time() - start))
        start = time.process_time()
        files = pipeline.render_tree(ready.spec, ready.plan)
        rows.append(("render", _peak_mib(), _rss_mib(), time.process_time() - start))
    print(f"{args.spec} widened to {args.tables:,} tables, {len(files):,} files")
    print("| phase | peak RSS (MiB) | resident after (MiB) | CPU (s) |\n|---|---:|---:|---:|")
    for name, peak, rss, cpu in rows:
        print(f"| {name} | {peak} | {rss} | {cpu:.1f} |")
    if args.digest:
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(f"{name}\0{files[name]}\0".encode())
        print("output sha256", digest.hexdigest())


if __name__ == "__main__":
    main()
