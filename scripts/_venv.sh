# Sourced by the other scripts. Creates (once) and activates a cached virtual environment.
#   ensure_venv NAME REQUIREMENTS_FILE...   then   install_pipegen
# The venv lives outside the clone, keyed by a hash of the pinned requirements and the
# Python version, so a warm run skips the install and a fresh machine still builds it.
set -euo pipefail

PIPEGEN_CACHE="${PIPEGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pipegen}"
PYTHON="${PYTHON:-python3}"

req_hash() {
  # hash of the requirement files (following -r includes) and the interpreter version
  {
    "$PYTHON" -c 'import sys; print(sys.version)'
    for f in "$@"; do
      cat "$f"
      sed -n 's/^-r[[:space:]]*//p' "$f" | while read -r inc; do cat "$(dirname "$f")/$inc"; done
    done
  } | sha256sum | cut -c1-16
}

ensure_venv() {
  local name="$1"; shift
  local dir
  dir="$PIPEGEN_CACHE/venvs/$name-$(req_hash "$@")"
  if [ ! -f "$dir/.complete" ]; then
    echo "==> creating $name environment in $dir (first run only)" >&2
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip >&2
    local args=()
    for f in "$@"; do args+=(-r "$f"); done
    "$dir/bin/python" -m pip install --quiet "${args[@]}" >&2
    touch "$dir/.complete"
  fi
  VENV_DIR="$dir"
  export VENV_DIR
}

install_pipegen() {
  # this checkout, editable, into the venv made by ensure_venv (dependencies are pinned there)
  "$VENV_DIR/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "${root:-.}" >&2
}
