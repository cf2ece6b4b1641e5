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
heavy = {heavy!r}
found = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))
print(json.dumps(found), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", str(REPO / "specs" / "hello.yaml")]])
def test_command_does_not_import_heavy_modules(args: list[str]) -> None:
    code = PROBE.format(args=args, heavy=set(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    imported = json.loads(proc.stderr.strip().splitlines()[-1])
    assert imported == [], f"{' '.join(args)} imported {imported}"


def test_plain_validate_does_not_import_typer_or_generation() -> None:
    """The console script serves `pipegen validate SPEC` without typer (half the start-up), and
    validate imports no generator, renderer or naming layer (the plan's findings only), nor
    sqlglot for the e-commerce example's seventeen expressions (spec/quickexpr.py proves them)."""
    generation = {"pipegen.generators", "pipegen.render", "pipegen.plan.names", "pipegen.write"}
    code = PROBE.format(
        args=["validate", str(REPO / "specs" / "ecommerce_realtime.yaml"), "--format", "json"],
        heavy={"typer", "click", "sqlglot", *generation},
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []
