"""`pipegen validate` of every example against the import floor (the libraries the CLI is built
on, imported by a fresh interpreter: benchmarks/bench.py's FLOOR), whole processes, interleaved
round by round so every command sees the same machine load. The figure is the child's CPU time
(user + system, from wait4) and its wall time, median of the rounds, each over the floor's.

    python -m benchmarks.bench_floor [--rounds 11] [--json out.json] [--before DIR]

`--before DIR` also runs every validate with DIR/src first on sys.path (another checkout, e.g.
`git archive main | tar -x -C DIR`), interleaved in the same rounds: before and after in one run.

Issue 24's target: validate within 2.0x of the floor (CPU) on every example.

Every child runs with bytecode caching on, as an installed pipegen runs (pip compiles what it
installs): PYTHONDONTWRITEBYTECODE is dropped and the caches go to a temporary
PYTHONPYCACHEPREFIX (the source tree is left alone), filled by one untimed warm-up round.
Without it a checkout run with PYTHONDONTWRITEBYTECODE=1 compiles pipegen's ~80 modules in
every validate while the floor's libraries load theirs from site-packages (`--no-bytecode`
measures that case)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench import FLOOR, REPO, pipegen

BEFORE = "before: "  # a command run with another checkout's sources (--before)


def commands(before: Path | None = None) -> dict[str, list[str]]:
    specs = sorted((REPO / "specs").glob("*.yaml"))
    cmds = {"floor": [sys.executable, "-c", FLOOR]} | {s.stem: [pipegen(), "validate", str(s)] for s in specs}
    if before is not None:  # the same console script with the other checkout first on sys.path
        run = f"import sys; sys.path.insert(0, {str(before / 'src')!r}); from pipegen.entry import main; main()"
        cmds |= {BEFORE + s.stem: [sys.executable, "-c", run, "validate", str(s)] for s in specs}
    return cmds


def child_env(pycache: Path | None) -> dict[str, str]:
    """The children's environment: bytecode cached under `pycache` (None: as inherited)."""
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def once(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU s, wall s) of one process; it must exit 0."""
    started = os.times().elapsed
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} exited {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime, os.times().elapsed - started


def measure(rounds: int, bytecode: bool = True, before: Path | None = None) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="pipegen-pycache-") as tmp:
        env = child_env(Path(tmp) if bytecode else None)
        for args in commands(before).values():
            once(args, env)  # warm-up: fills the bytecode caches (and the OS's file cache)
        return interleaved(rounds, env, before)


def interleaved(rounds: int, env: dict[str, str], before: Path | None = None) -> dict[str, dict[str, float]]:
    cmds = commands(before)
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for name, args in cmds.items():
            c, w = once(args, env)
            cpu[name].append(c)
            wall[name].append(w)
    floor_cpu, floor_wall = statistics.median(cpu["floor"]), statistics.median(wall["floor"])
    return {
        name: {
            "cpu_s": statistics.median(cpu[name]),
            "cpu_ratio": statistics.median(cpu[name]) / floor_cpu,
            "wall_s": statistics.median(wall[name]),
            "wall_ratio": statistics.median(wall[name]) / floor_wall,
        }
        for name in cmds
    }


def table(result: dict[str, dict[str, float]], rounds: int, bytecode: bool = True) -> str:
    lines = ["| process | CPU (s) | / floor | wall (s) | / floor |", "|---|---:|---:|---:|---:|"]
    for name, r in result.items():
        label = f"import floor: `{FLOOR}`" if name == "floor" else f"validate specs/{name.removeprefix(BEFORE)}.yaml"
        label = f"{BEFORE}{label}" if name.startswith(BEFORE) else label
        lines.append(
            f"| {label} | {r['cpu_s']:.3f} | {r['cpu_ratio']:.2f}x | {r['wall_s']:.3f} | {r['wall_ratio']:.2f}x |"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cached = "bytecode cached" if bytecode else "no bytecode cache for pipegen's sources"
    lines.append(f"\n{rounds} interleaved rounds, median, {cached}; load average after: {load}.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--before", type=Path, help="also validate with this checkout's src/ (e.g. main exported)")
    parser.add_argument("--no-bytecode", action="store_true", help="keep the inherited PYTHONDONTWRITEBYTECODE")
    args = parser.parse_args()
    result = measure(args.rounds, bytecode=not args.no_bytecode, before=args.before)
    print(table(result, args.rounds, bytecode=not args.no_bytecode))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
