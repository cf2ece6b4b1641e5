#!/usr/bin/env bash
# Benchmarks (whole process, median of several runs). Figures go in docs/benchmarks.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/_venv.sh
ensure_venv dev requirements/dev.txt
install_pipegen
exec "$VENV_DIR/bin/python" -m benchmarks.bench "$@"
