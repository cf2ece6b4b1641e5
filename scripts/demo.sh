#!/usr/bin/env bash
# The main job on a fresh machine: install pipegen in a cached virtual environment,
# scaffold a project from an example spec with `pipegen new`, show its plan, check it, and run
# it locally on its embedded defaults (`pipegen run`: synthetic source data -> dlt -> DuckDB ->
# dbt build; the project's own pinned requirements are installed once into a cached venv).
# Usage: bash scripts/demo.sh [EXAMPLE [RUN OPTION...]]   (default: hello; see `pipegen examples`)
#   RUN OPTIONs go to `pipegen run` (e.g. bash scripts/demo.sh ecommerce_realtime --rows 100 --quiet).
#   PIPEGEN="python -m pipegen" (a pipegen already installed) skips building the demo environment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
example="${1:-hello}"
shift || true

if [ -n "${PIPEGEN:-}" ]; then
  read -r -a pipegen <<< "$PIPEGEN"
  activate="(PIPEGEN was given: the pipegen you chose)"
else
  ensure_venv demo requirements/demo.txt
  install_pipegen
  pipegen=("$VENV_DIR/bin/pipegen")
  activate="(\`. $VENV_DIR/bin/activate\` puts \`pipegen\` on your PATH; then: cd PROJECT && pipegen report)"
fi

project="$root/demo/${example}_demo"
rm -rf "$project"
echo "==> pipegen new ${example}_demo --spec $example"
"${pipegen[@]}" new "${example}_demo" --spec "$example" --output "$root/demo" --no-input
echo
echo "==> pipegen plan"
"${pipegen[@]}" plan "$project/pipegen.yaml"
echo
echo "==> pipegen generate --check (a fresh project is up to date)"
"${pipegen[@]}" generate "$project/pipegen.yaml" --check
echo
echo "==> pipegen run $* (local run: synthetic data, every layer, a summary; first run installs the project's requirements)"
"${pipegen[@]}" run "$project" "$@"
echo
echo "Project: $project"
echo "pipegen: ${pipegen[*]} ${activate/PROJECT/$project}"
echo "Report:  $project/reports/index.html (\`pipegen report --open\` in the project opens it)"
echo "Rerun:   ${pipegen[*]} run $project"
echo "Try:     ${pipegen[*]} validate $project/pipegen.yaml"
echo "         edit $project/pipegen.yaml, then: ${pipegen[*]} generate $project/pipegen.yaml --diff"
