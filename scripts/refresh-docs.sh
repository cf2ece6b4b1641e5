#!/usr/bin/env bash
# Regenerate the committed files that are derived from code: the JSON Schema and the spec
# reference. Review the diff like code.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/_venv.sh
ensure_venv dev requirements/dev.txt
install_pipegen
"$VENV_DIR/bin/pipegen" schema > docs/pipegen.schema.json
"$VENV_DIR/bin/python" -m pipegen.spec.reference > docs/spec-reference.md
git --no-pager diff --stat -- docs/
