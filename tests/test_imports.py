"""Start-up stays light: --help and validate must not import heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_generate_imports_the_generators_of_its_families_only(tmp_path: Path) -> None:
    """A family's generator module is imported when the plan asks it for its files
    (`generators.base.Lazy`): generating the hello example imports the generator modules of the
    families its plan turns on and of no other family (docs/benchmarks.md, "generate's constant
    cost": the other families' imports were part of every command's fixed cost)."""
    from pipegen.generators.registry import FAMILIES
    from pipegen.pipeline import families_for, prepare

    spec = REPO / "specs" / "hello.yaml"
    on = set(families_for(prepare(spec).plan))
    code = PROBE.format(args=["generate", str(spec), "-o", str(tmp_path / "out")], heavy={"pipegen.generators"})
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    imported = json.loads(proc.stderr.strip().splitlines()[-1])
    families = {d.tag for d in FAMILIES}
    loaded = {m.split(".")[2] for m in imported if m.count(".") >= 3 and m.split(".")[2] in families}
    assert on < families  # hello leaves families off, so the test can tell
    assert (tmp_path / "out" / ".pipegen" / "manifest.json").is_file()  # it generated
    assert loaded == on, f"imported the code of {sorted(loaded - on)}; missing {sorted(on - loaded)}"
