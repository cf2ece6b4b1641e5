"""Runtime modules cannot import pipegen, so a few tables exist twice: once in pipegen (what the
generator and its tests use) and once in the generated project. Each such pair is one table by
contract: these tests fail when the copies drift apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from pipegen.render import flinksql
from pipegen.resources import data_dir
from pipegen.spec.types import TYPE_ALIASES

TEMPLATES = data_dir("templates")


def _constant(path: Path, name: str) -> Any:
    """A module-level literal of a template module, without importing it (its imports need the
    judge envs)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    raise AssertionError(f"{path.name} has no {name}")


def test_the_runners_legacy_window_lint_is_pipegens() -> None:
    node = _constant(TEMPLATES / "flink" / "flink_sql.py", "LEGACY_WINDOW")
    assert isinstance(node, ast.Call)
    pattern = "".join(ast.literal_eval(part) for part in node.args[:1])
    assert re.compile(pattern, re.IGNORECASE | re.DOTALL).pattern == flinksql.LEGACY_WINDOW.pattern


def test_the_synthetic_generators_type_aliases_are_the_specs() -> None:
    aliases = ast.literal_eval(_constant(TEMPLATES / "runtime" / "synthetic.py", "TYPE_ALIASES"))
    assert aliases == TYPE_ALIASES


def test_the_runners_compose_switches_and_project_truststore_are_the_naming_layers() -> None:
    from pipegen.plan.names import ENV

    path = TEMPLATES / "flink" / "flink_sql.py"
    assert ast.literal_eval(_constant(path, "PLAINTEXT_ENV")) == ENV.flink_kafka_plaintext
    assert ast.literal_eval(_constant(path, "ICEBERG_REST_ENV")) == ENV.flink_iceberg_rest
    assert ast.literal_eval(_constant(path, "PROJECT_TRUSTSTORE")) == "${" + ENV.kafka_truststore + "}"
