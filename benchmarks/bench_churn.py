"""`pipegen generate` right after many files were deleted (a churned file system), with the write
stage's staging done three ways, interleaved in one run: each trial creates and deletes N files
beside the output folder, then generates a widened example into a new folder in a fresh process,
whose user and system CPU (`wait4`) and wall time are printed, with medians per variant.

    python -m benchmarks.bench_churn --tables 1000 --churn 6000 --rounds 3 --dir /work/x

Variants (monkeypatched in the child, pipegen's code unchanged):
  w8      the write stage as it is: SYNC_WORKERS=8 threads each create, write and fsync a file
  w1      SYNC_WORKERS=1: one thread creates, writes and fsyncs every file in turn
  create1 the calling thread creates and writes each staged file; the 8 threads only fsync it
  split   as w8, the staged files spread over 8 sub-folders (stage/<i % 8>/<i>, the journal's
          entries rewritten to match): the creating threads mostly hold different folders' locks"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.widen import load, widen

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ("w8", "w1", "create1", "split")

CHILD = r"""
import importlib, os, sys
apply = importlib.import_module("pipegen.write.apply")

variant, spec, out = sys.argv[1:4]
if variant == "w1":
    apply.SYNC_WORKERS = 1
elif variant == "create1":
    class Together(apply._Together):
        def add(self, target, path, payload, mode):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            self.slots.acquire()
            self.futures.append(self.pool.submit(self._run, (fd,)))
    def sync_close(fd):
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    original = apply._Together
    def together(work):
        return Together(sync_close) if work is apply._stage_one else original(work)
    apply._Together = together
elif variant == "split":
    original_stage_one, original_stage = apply._stage_one, apply._stage
    def stage_one(target, path, payload, mode):
        sub = path.parent / str(int(path.name) % 8)
        sub.mkdir(exist_ok=True)
        original_stage_one(target, sub / path.name, payload, mode)
    def stage(out, txn, ops):
        entries = original_stage(out, txn, ops)
        for entry in entries:
            if entry["stage"]:
                i = int(entry["stage"].split("/")[1])
                entry["stage"] = f"stage/{i % 8}/{i}"
        return entries
    apply._stage_one, apply._stage = stage_one, stage
from pipegen.entry import main
main(["generate", spec, "-o", out])
"""


def churn(folder: Path, count: int) -> None:
    """Create `count` small files in `folder`, then delete them all."""
    folder.mkdir()
    for i in range(count):
        (folder / f"f{i}").write_bytes(b"x" * 200)
    shutil.rmtree(folder)


def trial(variant: str, spec: Path, work: Path, count: int) -> dict[str, float]:
    churn(work / "churn", count)
    out = work / "out"
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, variant, str(spec), str(out)], env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    files = sum(len(names) for _, _, names in os.walk(out))
    shutil.rmtree(out)
    row = {"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime}
    print(
        f"  {variant:8s} wall {wall:5.2f} s  user {usage.ru_utime:5.2f} s  sys {usage.ru_stime:5.2f} s  "
        f"{files} files  exit {os.waitstatus_to_exitcode(status)}",
        flush=True,
    )
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--example", default="specs/ecommerce_realtime.yaml")
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--churn", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--dir", type=Path, default=REPO.parent, help="a folder on the file system to measure")
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-churn-", dir=args.dir))
    try:
        spec = work / "spec.yaml"  # JSON is YAML: compact, as benchmarks/bench_scale.py writes it
        spec.write_text(json.dumps(widen(load(REPO / args.example), args.tables), separators=(",", ":")), "utf-8")
        rows: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}: load {os.getloadavg()[0]:.1f}", flush=True)
            for variant in variants if round_ % 2 == 0 else variants[::-1]:
                rows[variant].append(trial(variant, spec, work, args.churn))
        print("medians:")
        for variant, runs in rows.items():
            med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            print(f"  {variant:8s} wall {med['wall']:5.2f} s  user {med['user']:5.2f} s  sys {med['sys']:5.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
