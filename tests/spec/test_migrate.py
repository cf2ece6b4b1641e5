"""Spec migrations: the registry, in-memory migration for validate/generate, and `pipegen migrate`
rewriting the file in place with the user's comments and layout kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipegen.cli import main
from pipegen.spec import migrate
from pipegen.spec.validate import check_bytes
from tests.spec.migrations import V0_SPEC, v0_to_v1


@pytest.fixture
def v0_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(migrate.STEPS, 0, v0_to_v1)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


def test_the_shipped_registry_is_empty() -> None:
    assert migrate.STEPS == {}
    assert not migrate.can_migrate(0)


def test_validate_on_an_old_version_migrates_in_memory_and_says_how_to_migrate(v0_step: None) -> None:
    checked = check_bytes(V0_SPEC.encode(), "old.yaml")
    assert checked.ok and checked.spec is not None and checked.spec.latency == 3600
    [diag] = checked.diagnostics
    assert (diag.line, diag.severity, diag.code) == (2, "warning", "P012")
    assert diag.hint is not None and "pipegen migrate old.yaml" in diag.hint


def test_without_a_step_an_older_version_is_unsupported() -> None:
    checked = check_bytes(V0_SPEC.encode(), "old.yaml")
    assert [d.code for d in checked.diagnostics] == ["P009"]


def test_migrate_file_renames_the_key_and_keeps_comments_quotes_and_layout(
    tmp_path: Path, v0_step: None, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(V0_SPEC)
    code, out = _cli(capsys, "migrate", str(spec), "--check")
    assert code == 1 and "migration pending (version 0 -> 1)" in out and spec.read_text() == V0_SPEC
    code, out = _cli(capsys, "migrate", str(spec))
    assert code == 0 and "migrated version 0 -> 1" in out
    expected = V0_SPEC.replace("version: 0   # the draft format", "version: 1   # the draft format").replace(
        "freshness: 1h   #",
        "latency: 1h     #",  # the comment keeps its column
    )
    assert spec.read_text() == expected, "only the renamed key and the version changed"
    assert _cli(capsys, "migrate", str(spec), "--check")[0] == 0
    code, out = _cli(capsys, "validate", str(spec))
    assert code == 0 and "P012" not in out


def test_migrate_runs_steps_in_order_on_a_copy() -> None:
    seen: list[int] = []

    def step(version: int) -> migrate.Step:
        def run(data: Any) -> None:
            seen.append(version)
            data[f"from_{version}"] = True

        return run

    data = {"version": -1, "pipeline_name": "x"}
    result = migrate.migrate(data, {-1: step(-1), 0: step(0)})
    assert seen == [-1, 0] and result.applied == (-1, 0) and result.from_version == -1
    assert result.data["version"] == 1 and result.data["from_-1"] and result.data["from_0"]
    assert data == {"version": -1, "pipeline_name": "x"}


def test_rename_key_keeps_the_position_in_a_plain_mapping() -> None:
    data = {"a": 1, "freshness": "1h", "z": 2}
    migrate.rename_key(data, "freshness", "latency")
    assert list(data.items()) == [("a", 1), ("latency", "1h"), ("z", 2)]


def test_a_gap_in_the_steps_is_an_error_not_a_partial_migration() -> None:
    with pytest.raises(ValueError, match="no migration from version 0 to 1"):
        migrate.migrate({"version": -1}, {-1: lambda d: None})
    assert not migrate.can_migrate(-1, {-1: lambda d: None})


def test_migrate_without_a_path_or_on_a_current_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(V0_SPEC)
    code, out = _cli(capsys, "migrate", str(spec))
    assert code == 1 and "no migration path from version 0 to 1" in out and spec.read_text() == V0_SPEC
    spec.write_text(V0_SPEC.replace("version: 0", "version: 1"))
    assert _cli(capsys, "migrate", str(spec), "--check") == (0, f"{spec}: version 1 is current; nothing to migrate\n")
