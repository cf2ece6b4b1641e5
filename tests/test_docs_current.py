"""Committed generated artifacts must match what the code produces now."""

from __future__ import annotations

import json

from pipegen.spec.reference import render_reference
from pipegen.spec.schema import spec_schema
from tests.conftest import REPO

REFRESH = "refresh with: bash scripts/refresh-docs.sh"


def test_committed_json_schema_is_current() -> None:
    committed = json.loads((REPO / "docs" / "pipegen.schema.json").read_text(encoding="utf-8"))
    assert committed == spec_schema(), f"docs/pipegen.schema.json is stale; {REFRESH}"


def test_committed_spec_reference_is_current() -> None:
    committed = (REPO / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(), f"docs/spec-reference.md is stale; {REFRESH}"


def test_committed_rule_kinds_are_current() -> None:
    """templates/runtime/rules.json: what the runtime templates read when run in place (tests,
    benchmarks); generated projects get the same file from the project family."""
    from pipegen.spec.rulekinds import rules_json

    committed = (REPO / "templates" / "runtime" / "rules.json").read_text(encoding="utf-8")
    assert committed == rules_json(), f"templates/runtime/rules.json is stale; {REFRESH}"


def test_spec_reference_documents_every_field() -> None:
    from pipegen.spec.model import Spec
    from pipegen.spec.reference import _models

    text = render_reference()
    for model in _models(Spec):
        assert f"## {model.__name__}" in text
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            assert f"| `{field.alias or name}` |" in text


def test_schema_validates_every_example_spec() -> None:
    import jsonschema
    from ruamel.yaml import YAML

    validator = jsonschema.Draft202012Validator(spec_schema())
    for path in sorted((REPO / "specs").glob("*.yaml")):
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], f"{path.name}: {errors}"


def test_families_doc_lists_the_registry() -> None:
    from pipegen.generators.registry import families_markdown

    text = (REPO / "docs" / "families.md").read_text(encoding="utf-8")
    table = text.split("<!-- families:start -->\n", 1)[1].split("<!-- families:end -->", 1)[0]
    assert table == families_markdown(), f"docs/families.md is stale; {REFRESH}"


def test_transforms_doc_lists_the_function_catalogue() -> None:
    from pipegen.spec.functions import functions_markdown

    text = (REPO / "docs" / "transforms.md").read_text(encoding="utf-8")
    table = text.split("<!-- functions:start -->\n", 1)[1].split("<!-- functions:end -->", 1)[0]
    assert table == functions_markdown(), f"docs/transforms.md is stale; {REFRESH}"


def test_readme_family_table_is_the_registry() -> None:
    """README.md's "What is generated today" is the registry's table (issue 23: it had said GX,
    Debezium and Flink were planned after they were generated)."""
    from pipegen.generators.registry import families_markdown

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## What is generated today", 1)[1]
    table = section.split("<!-- families:start -->\n", 1)[1].split("<!-- families:end -->", 1)[0]
    assert table == families_markdown(), f"README.md's family table is stale; {REFRESH}"
