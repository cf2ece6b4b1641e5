#!/usr/bin/env bash
# Regenerate the committed files that are derived from code: the JSON Schema, the spec
# reference, the family table of docs/families.md and README.md, the README's exit codes,
# the function catalogue of docs/transforms.md
# and the rule kinds the runtime templates read
# in place (templates/runtime/rules.json). Review the diff like code.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/_venv.sh
ensure_venv dev requirements/dev.txt
# this checkout's code, without repointing the shared dev environment's editable install (another
# checkout's test run may be using it)
export PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}"
"$VENV_DIR/bin/python" -m pipegen schema > docs/pipegen.schema.json
"$VENV_DIR/bin/python" -m pipegen.spec.reference > docs/spec-reference.md
"$VENV_DIR/bin/python" -m pipegen.spec.rulekinds > templates/runtime/rules.json
"$VENV_DIR/bin/python" - <<'PY'
from pathlib import Path
from pipegen.cliparams import exit_codes_markdown
from pipegen.generators.registry import families_markdown

def between(file, marker, table):
    path = Path(file)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(f"<!-- {marker}:start -->\n", 1)
    _, tail = rest.split(f"<!-- {marker}:end -->", 1)
    path.write_text(f"{head}<!-- {marker}:start -->\n{table}<!-- {marker}:end -->{tail}", encoding="utf-8")

between("docs/families.md", "families", families_markdown())
between("README.md", "families", families_markdown())
between("README.md", "exit-codes", exit_codes_markdown())
from pipegen.spec.functions import functions_markdown
path = Path("docs/transforms.md")
text = path.read_text(encoding="utf-8")
head, rest = text.split("<!-- functions:start -->\n", 1)
_, tail = rest.split("<!-- functions:end -->", 1)
path.write_text(f"{head}<!-- functions:start -->\n{functions_markdown()}<!-- functions:end -->{tail}", encoding="utf-8")
PY
git --no-pager diff --stat -- docs/ README.md templates/runtime/rules.json
