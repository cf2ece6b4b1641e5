"""Where the suite's time goes: a pytest plugin that records, per test module, the wall time and
the CPU time of the test process and of every process it started (dbt, Airflow, the JVMs),
setup and teardown included. CPU time hardly depends on the machine's load, so a run on a busy
machine still ranks the modules right.

Where the machine lets this process make a cgroup-v1 CPU accounting group (root, with
/sys/fs/cgroup/cpuacct mounted), each pytest process moves itself into its own group and the CPU
is the group's: it includes processes nobody waits for, like the JVM a PyFlink driver leaves to
be killed when it exits, whose time `getrusage` never sees. Elsewhere it is the process's and its
waited-for children's (`getrusage`), and the JVMs' time is missing.

    PIPEGEN_TIMING=timing.json bash scripts/test.sh -p tests.timing
    python -m tests.timing timing.json   # the top modules, as docs/benchmarks.md shows them

Each xdist worker writes `<file>.<worker>`; the report merges them."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Generator
from pathlib import Path

import pytest

_TOTALS: dict[str, list[float]] = {}  # module -> [wall s, cpu s, tests]
_TARGET: list[Path] = []  # where this process writes its figures (read once, before any test runs)
_GROUP: list[Path] = []  # this process's CPU accounting group, when it could make one
_SHARED: dict[str, Path] = {}  # groups of servers this process started for the whole session
CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def pytest_configure(config: pytest.Config) -> None:
    target = os.environ.get("PIPEGEN_TIMING")
    if target:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _TARGET.append(Path(f"{Path(target).resolve()}.{worker}"))
        _join_group(CPUACCT / f"pipegen-timing-{os.getpid()}")


def _join_group(group: Path) -> None:
    """Move this process (and so every process it starts from now on) into a new cpuacct group."""
    try:
        group.mkdir()
        (group / "cgroup.procs").write_text(str(os.getpid()), encoding="utf-8")
    except OSError:
        return
    _GROUP.append(group)


def shared_group(name: str) -> Path | None:
    """A CPU accounting group for a server this process starts and every worker uses (the session's
    Flink JVM: tests/judges/flink_service.py), so its CPU is counted once, in a row of its own
    (record_shared), not in whichever module happened to start it; None where groups cannot be made."""
    if not _GROUP:
        return None
    group = CPUACCT / f"pipegen-timing-{name}-{os.getpid()}"
    try:
        group.mkdir()
    except OSError:
        return None
    _SHARED[name] = group
    return group


def record_shared(row: str, name: str, wall: float) -> None:
    """The CPU of shared_group(name)'s processes, as the row `row` (after they ended)."""
    group = _SHARED.pop(name, None)
    if group is None:
        return
    cpu = int((group / "cpuacct.usage").read_text(encoding="utf-8")) / 1e9
    totals = _TOTALS.setdefault(row, [0.0, 0.0, 0.0])
    totals[0] += wall
    totals[1] += cpu
    for _ in range(50):  # its last process may take a moment to leave the group
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def _cpu() -> float:
    if _GROUP:
        return int((_GROUP[0] / "cpuacct.usage").read_text(encoding="utf-8")) / 1e9
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    wall, cpu = time.perf_counter(), _cpu()
    yield
    row = _TOTALS.setdefault(item.nodeid.split("::")[0], [0.0, 0.0, 0.0])
    row[0] += time.perf_counter() - wall
    row[1] += _cpu() - cpu
    row[2] += 1


def pytest_unconfigure(config: pytest.Config) -> None:
    """Back to the parent group; the group itself goes when nothing of this run is left in it."""
    if _GROUP:
        (CPUACCT / "cgroup.procs").write_text(str(os.getpid()), encoding="utf-8")
        with contextlib.suppress(OSError):
            _GROUP[0].rmdir()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _TARGET or not _TOTALS:
        return
    _TARGET[0].parent.mkdir(parents=True, exist_ok=True)
    _TARGET[0].write_text(json.dumps(_TOTALS, indent=1, sort_keys=True), encoding="utf-8")


def report(target: str, top: int = 20) -> str:
    """A markdown table of the `top` modules by CPU time, with the suite's totals."""
    merged: dict[str, list[float]] = {}
    for part in sorted(Path(target).parent.glob(Path(target).name + ".*")):
        for module, row in json.loads(part.read_text(encoding="utf-8")).items():
            merged.setdefault(module, [0.0, 0.0, 0.0])
            merged[module] = [a + b for a, b in zip(merged[module], row, strict=True)]
    ranked = sorted(merged.items(), key=lambda kv: -kv[1][1])
    cpu_total = sum(row[1] for row in merged.values())
    lines = ["| module | tests | wall (s) | CPU (s) | share of CPU |", "|---|---|---|---|---|"]
    for module, (wall, cpu, tests) in ranked[:top]:
        lines.append(f"| {module} | {int(tests)} | {wall:.0f} | {cpu:.0f} | {100 * cpu / cpu_total:.1f} % |")
    rest = ranked[top:]
    lines.append(
        f"| the other {len(rest)} modules | {int(sum(r[2] for _, r in rest))} | {sum(r[0] for _, r in rest):.0f} "
        f"| {sum(r[1] for _, r in rest):.0f} | {100 * sum(r[1] for _, r in rest) / cpu_total:.1f} % |"
    )
    lines.append(f"\nTotal: {len(merged)} modules, {cpu_total:.0f} s of CPU.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20))
