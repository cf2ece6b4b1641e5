"""Where the suite's scratch files should live: the same test modules run with pytest's basetemp
on the disk's file system and on a memory one (/dev/shm), interleaved in one run, each run's user
and system CPU (the pytest process and every child it waited for, `wait4`) and the peak size of its
scratch folder (sampled every second) printed per run and as medians per arm.

    python -m benchmarks.bench_scratch --pairs 2 tests/cli tests/write tests/golden

Arms: `disk` (basetemp in a new folder under the repo's parent, the disk pytest uses by default),
`shm` (basetemp under /dev/shm), `shm+tmpdir` (that and TMPDIR there too, for the tools the tests
start). Each run gets its own new folder and removes it after; other sessions' folders are never
touched. One process (`-n 0`), so the figures are one pytest's, not two workers' competing."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.scratch import occupied

REPO = Path(__file__).resolve().parents[1]
ARMS = ("disk", "shm", "shm+tmpdir")


def sample_peak(root: Path, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(1.0):
        peak[0] = max(peak[0], occupied(root))


def run_arm(arm: str, modules: list[str], python: str) -> dict[str, float]:
    """One pytest run of `modules` in `arm`: wall, user and system seconds, peak scratch MiB."""
    parent = Path("/dev/shm") if arm.startswith("shm") else REPO.parent
    scratch = Path(tempfile.mkdtemp(prefix="bench-scratch-", dir=parent))
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
    if arm == "shm+tmpdir":
        (scratch / "tmp").mkdir()
        env["TMPDIR"] = str(scratch / "tmp")
    command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "--basetemp", str(scratch / "bt")]
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=sample_peak, args=(scratch, stop, peak), daemon=True)
    log = scratch.with_suffix(".log")
    try:
        with log.open("w", encoding="utf-8") as out:
            started = time.perf_counter()
            process = subprocess.Popen([*command, *modules], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
            sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        lines = log.read_text(encoding="utf-8").strip().splitlines()
    finally:
        stop.set()
        shutil.rmtree(scratch, ignore_errors=True)
        log.unlink(missing_ok=True)
    row = {"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime, "peak_mib": peak[0] / 2**20}
    print(
        f"  {arm:11s} wall {wall:6.1f} s  user {row['user']:6.1f} s  sys {row['sys']:5.1f} s  "
        f"peak {row['peak_mib']:6.1f} MiB  exit {os.waitstatus_to_exitcode(status)}  {lines[-1] if lines else ''}",
        flush=True,
    )
    for line in lines:
        if line.startswith(("FAILED", "ERROR")):  # -ra's summary: which test, to re-run it alone
            print(f"    {line}", flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2, help="rounds, each running every arm once")
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("modules", nargs="+")
    args = parser.parse_args(argv)
    arms = args.arms.split(",")
    print(f"{len(arms)} arms x {args.pairs} rounds, interleaved: {' '.join(args.modules)}", flush=True)
    rows: dict[str, list[dict[str, float]]] = {arm: [] for arm in arms}
    for round_ in range(args.pairs):
        order = arms if round_ % 2 == 0 else arms[::-1]  # alternate who goes first
        print(f"round {round_ + 1}: load {os.getloadavg()[0]:.1f}", flush=True)
        for arm in order:
            rows[arm].append(run_arm(arm, args.modules, sys.executable))
    print("medians:")
    for arm, runs in rows.items():
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(
            f"  {arm:11s} wall {med['wall']:6.1f} s  user {med['user']:6.1f} s  sys {med['sys']:5.1f} s  "
            f"user+sys {med['user'] + med['sys']:6.1f} s  peak {med['peak_mib']:6.1f} MiB"
        )


if __name__ == "__main__":
    main()
