"""The migration hook: the validator runs registered steps for an older `version`."""

from __future__ import annotations

from typing import Any

import pytest

from pipegen.spec import migrate
from pipegen.spec.validate import check_bytes

V0_SPEC = b"""version: 0
pipeline_name: shop
latency: 1h
sources:
  - name: db
    type: postgres
    tables:
      - name: orders
        primary_key: id
        watermark: id
        columns: [{name: id, type: bigint}]
targets:
  - {name: wh, type: duckdb}
"""


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A fake step: version 0 had a flat `pipeline_name`."""
    out = {k: v for k, v in data.items() if k != "pipeline_name"}
    out["pipeline"] = {"name": data["pipeline_name"]}
    return out


def test_the_registry_is_empty_today() -> None:
    assert migrate.STEPS == {}
    assert not migrate.can_migrate(0)


def test_a_registered_step_lets_an_older_spec_validate_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(migrate.STEPS, 0, _v0_to_v1)
    checked = check_bytes(V0_SPEC, "old.yaml")
    assert checked.ok and checked.spec is not None
    assert checked.spec.pipeline.name == "shop"
    assert [(d.line, d.column, d.severity, d.code, d.message) for d in checked.diagnostics] == [
        (1, 10, "warning", "P012", "spec version 0 was migrated in memory to version 1")
    ]


def test_without_a_step_an_older_version_is_unsupported() -> None:
    checked = check_bytes(V0_SPEC, "old.yaml")
    assert [d.code for d in checked.diagnostics] == ["P009"]


def test_migrate_runs_steps_in_order_and_never_mutates_its_input() -> None:
    seen: list[int] = []

    def step(version: int) -> migrate.Step:
        def run(data: dict[str, Any]) -> dict[str, Any]:
            seen.append(version)
            return {**data, f"from_{version}": True}

        return run

    data = {"version": -1, "pipeline_name": "x"}
    result = migrate.migrate(data, {-1: step(-1), 0: step(0)})
    assert seen == [-1, 0] and result.applied == (-1, 0) and result.from_version == -1
    assert result.data["version"] == 1 and result.data["from_-1"] and result.data["from_0"]
    assert data == {"version": -1, "pipeline_name": "x"}


def test_a_gap_in_the_steps_is_an_error_not_a_partial_migration() -> None:
    with pytest.raises(ValueError, match="no migration from version 0 to 1"):
        migrate.migrate({"version": -1}, {-1: lambda d: d})
    assert not migrate.can_migrate(-1, {-1: lambda d: d})
