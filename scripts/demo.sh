#!/usr/bin/env bash
# The main job on a fresh machine: install pipegen in a cached virtual environment,
# scaffold a project from an example spec with `pipegen new`, show its plan, check it, and run
# it locally on its embedded defaults (`pipegen run`: synthetic source data -> dlt -> DuckDB ->
# dbt build; the project's own pinned requirements are installed once into a cached venv).
# Usage: bash scripts/demo.sh [EXAMPLE]     (default: hello; see `pipegen examples`)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
example="${1:-hello}"

ensure_venv demo requirements/demo.txt
install_pipegen
pipegen="$VENV_DIR/bin/pipegen"

project="$root/demo/${example}_demo"
rm -rf "$project"
echo "==> pipegen new ${example}_demo --spec $example"
"$pipegen" new "${example}_demo" --spec "$example" --output "$root/demo" --no-input
echo
echo "==> pipegen plan"
"$pipegen" plan "$project/pipegen.yaml"
echo
echo "==> pipegen generate --check (a fresh project is up to date)"
"$pipegen" generate "$project/pipegen.yaml" --check
echo
echo "==> pipegen run (local run: synthetic data, ingestion, transforms; first run installs the project's requirements)"
"$pipegen" run "$project"
echo
echo "Project: $project"
echo "pipegen: $pipegen (\`. $VENV_DIR/bin/activate\` puts \`pipegen\` on your PATH; then: cd $project && pipegen report)"
echo "Data:    $project/warehouse.duckdb (schemas raw_<source>, staging, marts); rerun: $pipegen run $project"
echo "Try:     $pipegen validate $project/pipegen.yaml"
echo "         edit $project/pipegen.yaml, then: $pipegen generate $project/pipegen.yaml --diff"
