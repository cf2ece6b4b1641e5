"""docs/operations.md (the docs family) names only what the project has: every `make` target it
mentions is a target of the generated pipegen.mk, every `python -m pipeline.X` a module of the
generated tree, every `--flag` of a step module one its argument parser declares, every table it
lists a dead-letter or quarantine table of the naming layer; and it has the seven sections the
operations guide promises, for every example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import example_specs

SECTIONS = ("Deploy per environment", "Replay", "Schema change", "Dead-letter reprocessing", "Secret rotation",
            "Scaling")  # fmt: skip


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_the_operations_guide_names_only_what_the_project_has(spec: Path) -> None:
    ready = prepare(spec)
    tree = render_tree(ready.spec, ready.plan)
    guide = tree["docs/operations.md"]
    headings = re.findall(r"^## (.+)$", guide, flags=re.M)
    assert set(SECTIONS) <= set(headings), headings
    if "pipeline/run.py" in tree and ready.plan.graph.batch_sources:
        assert "Backfill" in headings
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", tree.get("pipegen.mk", ""), flags=re.M))
    named = set(re.findall(r"`make ([a-z][a-z0-9-]*)", guide))
    assert named <= targets, f"targets the guide names that pipegen.mk lacks: {sorted(named - targets)}"
    for module, flags in re.findall(r"python -m (pipeline\.[a-z_]+)((?: --?[a-z-]+(?: [^\s`]+)*)*)", guide):
        source = tree.get(module.replace(".", "/") + ".py")
        assert source is not None, f"the guide runs {module}, which the project does not have"
        for flag in re.findall(r"(--[a-z-]+)", flags):
            assert f'"{flag}"' in source, f"{module} declares no {flag}"
    for table in re.findall(r"`([a-z0-9_]+\.[a-z0-9_]+__(?:dead_letter|quarantine))`", guide):
        assert table.split(".")[0].startswith("raw_"), table
