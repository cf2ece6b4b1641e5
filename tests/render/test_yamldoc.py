"""render/yamldoc.py's keys: a key a YAML 1.1 reader (PyYAML, as dbt reads profiles.yml and
dbt_project.yml) would resolve to a boolean or null is quoted, so a pipeline named `true` is dbt's
profile `true`, the string (found by the spec generator, docs/corpus.md class 55)."""

from __future__ import annotations

import yaml
from ruamel.yaml import YAML

from pipegen.plan.idents import DBT_BANNED_PROJECT_NAMES, dbt_project_name
from pipegen.render.yamldoc import yaml_doc

WORDS = ("true", "True", "TRUE", "false", "yes", "No", "on", "OFF", "y", "N", "null", "Null", "NULL")


def test_keys_a_yaml_reader_would_not_read_as_strings_are_quoted() -> None:
    doc = yaml_doc({word: {"target": "local"} for word in WORDS} | {"plain_key": 1})
    for reader in (yaml.safe_load, YAML(typ="safe").load):
        assert list(reader(doc)) == [*WORDS, "plain_key"]
    assert "\nplain_key: 1" in doc  # other keys stay plain


def test_a_pipeline_named_like_a_name_of_dbts_jinja_context_gets_another_dbt_project_name() -> None:
    assert dbt_project_name("column") == "column_pipeline" and dbt_project_name("orders") == "orders"
    assert {"column", "ref", "source", "this", "var", "target"} <= DBT_BANNED_PROJECT_NAMES
