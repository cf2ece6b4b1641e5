#!/usr/bin/env bash
# The whole test suite: lint, types, tests. Creates the environments it needs.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

ensure_venv dev requirements/dev.txt
py="$VENV_DIR/bin/python"
install_pipegen

echo "==> ruff"
"$VENV_DIR/bin/ruff" check src tests benchmarks
"$VENV_DIR/bin/ruff" format --check src tests benchmarks
echo "==> mypy --strict src/pipegen"
"$VENV_DIR/bin/mypy" src/pipegen
echo "==> pytest"
set +e
"$py" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
