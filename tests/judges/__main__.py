"""Builds judge environments that are missing: ``python -m tests.judges [NAME...]`` (default: all).

scripts/test.sh runs this before pytest so the install cost shows up front and an install
failure stops the run with pip's own message; a warm run only hashes the files.
"""

from __future__ import annotations

import sys

from tests.judges.envs import JudgeEnvError, ensure_env, env_names


def main(argv: list[str]) -> int:
    names = argv or env_names()
    for name in names:
        try:
            venv = ensure_env(name)
        except JudgeEnvError as exc:
            print(f"error: judge environment {name}: {exc}", file=sys.stderr)
            return 1
        print(f"==> judge environment {name}: {venv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
