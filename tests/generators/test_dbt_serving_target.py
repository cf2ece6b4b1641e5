"""A MySQL target is for serving and stream sinks (marts cannot be built there, R254): a batch
project that also names one generates, and dbt neither targets it nor pins an adapter for it
(dbt-mysql's last release needs dbt-core 1.7, older than the project pipegen writes)."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from pipegen.pipeline import families_for, prepare, render_tree
from tests.conftest import example_specs


def test_a_batch_project_with_a_mysql_serving_target_generates_without_a_dbt_target_for_it(tmp_path: Path) -> None:
    yaml = YAML()
    source = next(p for p in example_specs() if p.stem == "jaffle_shop")
    doc = yaml.load(source.read_text(encoding="utf-8"))
    doc["targets"].append(
        {"name": "backoffice", "type": "mysql",
         "connection": {"host": "${env:BO_HOST}", "database": "bo", "user": "app", "password": "${secret:BO_PW}"}}
    )  # fmt: skip
    spec = tmp_path / "pipegen.yaml"
    with spec.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)
    ready = prepare(spec)
    assert "dbt" in families_for(ready.plan)
    files = render_tree(ready.spec, ready.plan)  # raised KeyError('mysql') before
    assert "dbt/requirements-backoffice.txt" not in files
    outputs = YAML(typ="safe").load(files["dbt/profiles.yml"])
    assert all("backoffice" not in profile.get("outputs", {}) for profile in outputs.values())
