"""Start-up stays light: --help and validate must not import heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("great_expectations", "pandas", "airflow", "prefect", "sqlglot", "jinja2", "cookiecutter", "numpy")
PROBE = """
import json, sys
from pipegen.entry import main
try:
    main({args!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", str(REPO / "specs" / "hello.yaml")]])
def test_command_does_not_import_heavy_modules(args: list[str]) -> None:
    code = PROBE.format(args=args, heavy=set(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    imported = json.loads(proc.stderr.strip().splitlines()[-1])
    assert imported == [], f"{' '.join(args)} imported {imported}"


def test_plain_validate_does_not_import_typer_or_build_the_cli() -> None:
    """The console script serves `pipegen validate SPEC` without typer (half the start-up)."""
    code = PROBE.format(
        args=["validate", str(REPO / "specs" / "ecommerce_realtime.yaml"), "--format", "json"], heavy={"typer", "click"}
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []
