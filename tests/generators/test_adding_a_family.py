"""Adding a family touches three places (docs/families.md, "Adding a family"): a template
folder, a package that declares itself, and one registry line. The toy family in
tests/generators/toy_family/ is exactly that; this test registers it and checks it reaches
every place a family reaches — its file, the plan's family list, the families table, the
shared files from its contribution, the CI workflow — and changes nothing else."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from pipegen.generators import registry
from pipegen.generators.planned import PLANNED
from pipegen.pipeline import families_for, render_tree
from pipegen.plan.plan import make_plan
from pipegen.render import env
from pipegen.resources import data_dir
from pipegen.spec.model import Spec
from tests.conftest import spec_data
from tests.generators.toy_family import toy

TOY_TEMPLATES = Path(__file__).parent / "toy_family" / "templates"
SHARED = {"pipegen.mk", ".env.example", ".github/workflows/pipegen.yml"}


@pytest.fixture
def toy_registered(monkeypatch: pytest.MonkeyPatch) -> registry.Registry:
    """The registry with one more line, and the toy's template folder beside templates/."""
    with_toy = registry.Registry((*registry.FAMILIES, toy.FAMILY, *PLANNED))  # the one registry line
    monkeypatch.setattr(registry, "REGISTRY", with_toy)
    loader = jinja2.FileSystemLoader([str(data_dir("templates")), str(TOY_TEMPLATES)])
    monkeypatch.setattr(env.environment(), "loader", loader)
    return with_toy


def test_the_toy_family_is_generated_with_its_file_and_contributions(toy_registered: registry.Registry) -> None:
    spec = Spec.model_validate(spec_data())
    plan = make_plan(spec)
    assert "toy" in families_for(plan)
    files = render_tree(spec, plan)
    assert files["docs/toy.md"].startswith("# shop: toy notes\n")
    assert "`orders`" in files["docs/toy.md"]
    assert "TOY_LEVEL=1" in files[".env.example"]
    assert "\ntoy:" in files["pipegen.mk"] and "print the toy notes" in files["pipegen.mk"]
    assert 'name: "Toy notes exist"' in files[".github/workflows/pipegen.yml"]
    assert "| `toy` | generated | always |" in toy_registered.markdown()


def test_registering_the_toy_changes_no_other_file(
    toy_registered: registry.Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = Spec.model_validate(spec_data())
    plan = make_plan(spec)
    with_toy = render_tree(spec, plan)
    monkeypatch.setattr(registry, "REGISTRY", registry.Registry((*registry.FAMILIES, *PLANNED)))
    without = render_tree(spec, plan)
    assert set(with_toy) - set(without) == {"docs/toy.md"}
    changed = {p for p in without if with_toy[p] != without[p]}
    assert changed <= SHARED | {".pipegen/manifest.json"}, changed - SHARED


def test_a_typo_in_a_family_name_is_answered_with_the_closest_one(toy_registered: registry.Registry) -> None:
    with pytest.raises(KeyError, match="did you mean 'toy'"):
        toy_registered.get("tyo")
