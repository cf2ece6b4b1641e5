"""Golden trees: the whole generated output of every example spec.

A failure here means generated output changed. If the change is intended, refresh with
    bash scripts/test.sh tests/golden --snapshot-update
and review the diff of tests/golden/snapshots/ like code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipegen.generators.spark.job import job_source
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO, example_specs, run_cli


def nested(files: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, text in files.items():
        node = tree
        *dirs, name = path.split("/")
        for part in dirs:
            node = node.setdefault(part, {})
        node[name] = text
    return tree


# Files that are the same for every spec: the JSON Schema (it equals `pipegen schema`:
# tests/generators/test_docs_family.py) and every file copied verbatim from templates/ (a
# non-template file: runtimes, dbt macros, project tests; each is judged by running it). Golden
# trees keep what each spec makes (and pytest does not collect a copied test file).
STATIC_TEXTS = frozenset(
    p.read_text(encoding="utf-8") for p in (REPO / "templates").rglob("*") if p.is_file() and p.suffix != ".j2"
) | {job_source()}  # the Spark job: templates/spark/medallion/'s parts joined (judged in tests/families)


def specific(files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if path != "pipegen.schema.json" and text not in STATIC_TEXTS}


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
        # .pipegen/base/: copies of the tree; .pipegen/local/: this machine's paths (pipegen.localenv)
        if p.is_file() and not p.relative_to(root).as_posix().startswith((".pipegen/base/", ".pipegen/local/"))
    }
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "new"
    snapshot.assert_match_dir(nested(specific(files)), "hello_project")
