"""Builds judge environments that are missing: ``python -m tests.judges [NAME...]`` (default: all).

scripts/test.sh runs this before pytest so the install cost shows up front and an install
failure stops the run with pip's own message; a warm run only hashes the files.

Missing environments are built side by side (PIPEGEN_JUDGE_BUILDS at a time, default one more
than the machine's cores, at most four): a pip install spends much of its time waiting on the
package index and on the disk, so two cores keep three builds busy. Each build's output is held
and printed whole when it ends, so the logs of parallel builds never interleave; every failure is
reported, not only the first.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from tests.judges.envs import JudgeEnvError, ensure_env, env_dir, env_names, is_complete

MAX_BUILDS = 4


def build_workers(missing: int, cores: int | None = None, setting: str | None = None) -> int:
    """How many environments to build at once: PIPEGEN_JUDGE_BUILDS if set (at least 1), else
    cores + 1 capped at MAX_BUILDS; never more than there are environments to build."""
    wanted = max(1, int(setting)) if setting else min(MAX_BUILDS, (cores or os.cpu_count() or 1) + 1)
    return max(1, min(wanted, missing))


def build_all(
    names: Sequence[str],
    workers: int,
    out: TextIO,
    ensure: Callable[[str, TextIO], Path] = ensure_env,
) -> list[str]:
    """Ensures every environment in `names`, `workers` at a time; each one's log is written to
    `out` in one piece when it ends. Returns the error lines (empty: all built)."""
    lock = threading.Lock()
    errors: list[str] = []

    def one(name: str) -> None:
        log = io.StringIO()
        with lock:
            print(f"==> judge environment {name}: building (its log follows when it ends)", file=out, flush=True)
        try:
            venv = ensure(name, log)
            line, failed = f"==> judge environment {name}: {venv}\n", False
        except JudgeEnvError as exc:
            line, failed = f"error: judge environment {name}: {exc}\n", True
        with lock:
            out.write(log.getvalue() + line)
            out.flush()
            if failed:
                errors.append(line.strip())

    if workers > 1:
        with lock:
            print(f"==> building {len(names)} judge environments, {workers} at a time", file=out, flush=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, names))
    return errors


def main(argv: list[str]) -> int:
    names = argv or env_names()
    try:
        missing = [name for name in names if not is_complete(env_dir(name))]
    except JudgeEnvError as exc:  # an unknown name: the known ones are in the message
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name in names:
        if name not in missing:
            print(f"==> judge environment {name}: {env_dir(name)}", file=sys.stderr)
    if not missing:
        return 0
    workers = build_workers(len(missing), setting=os.environ.get("PIPEGEN_JUDGE_BUILDS"))
    errors = build_all(missing, workers, sys.stderr)
    for line in errors:  # again at the end, below every build's log
        print(line, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
