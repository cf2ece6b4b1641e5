"""Golden trees: the whole generated output of every example spec.

A failure here means generated output changed. If the change is intended, refresh with
    bash scripts/test.sh tests/golden --snapshot-update
and review the diff of tests/golden/snapshots/ like code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import example_specs, run_cli


def nested(files: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, text in files.items():
        node = tree
        *dirs, name = path.split("/")
        for part in dirs:
            node = node.setdefault(part, {})
        node[name] = text
    return tree


# Files that are the same for every spec and have their own test (the JSON Schema equals
# `pipegen schema`: tests/generators/test_docs_family.py; the ingestion runtime and tests are
# verbatim copies of templates/ingestion/: tests/generators/test_ingestion_family.py; the Airflow
# project test and deadline callback are verbatim copies of templates/airflow/:
# tests/families/test_orchestration.py): golden trees keep what each spec makes (and pytest does
# not collect a copied test file).
SAME_FOR_EVERY_SPEC = frozenset(
    {"pipegen.schema.json", "pipeline/runtime.py", "tests/test_ingestion.py", "tests/test_dags.py",
     "plugins/pipegen_callbacks.py"}
)  # fmt: skip


def specific(files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if path not in SAME_FOR_EVERY_SPEC}


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_generated_tree_matches_golden(spec: Path, snapshot: Any) -> None:
    ready = prepare(spec)
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "generate"
    snapshot.assert_match_dir(nested(specific(render_tree(ready.spec, ready.plan))), spec.stem)


def test_new_project_tree_matches_golden(tmp_path: Path, snapshot: Any) -> None:
    proc = run_cli("new", "hello_project", "--spec", "hello", "--no-input", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "hello_project"
    files = {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".pipegen/base/")  # copies of the tree
    }
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "new"
    snapshot.assert_match_dir(nested(specific(files)), "hello_project")
