"""The regeneration lifecycle through the command line, on a real generated project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_cli_here

HELLO = (REPO / "specs" / "hello.yaml").read_text()
STG = "dbt/models/staging/stg_shop__orders.sql"
NOTE = "-- reviewed by the data team\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick-start generated once by the console script, beside its spec (each test edits a copy:
    the project holds no absolute path, and copying keeps the files' times)."""
    root = tmp_path_factory.mktemp("hello")
    spec = root / "pipegen.yaml"
    spec.write_text(HELLO)
    first = run_cli_here("generate", str(spec))
    assert first.returncode == 0, first.stdout + first.stderr
    return root


def _project(tmp_path: Path, generated: Path) -> tuple[Path, Path]:
    shutil.copytree(generated, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path / "pipegen.yaml", tmp_path


def test_edit_plus_spec_change_keeps_the_edit_and_adds_the_new_column(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    (out / STG).write_text((out / STG).read_text() + NOTE)
    spec.write_text(HELLO.replace("          - {name: updated_at,", "          - {name: channel, type: string}\n"
                                  "          - {name: updated_at,"))  # fmt: skip
    dry = run_cli_here("generate", str(spec), "--dry-run")
    assert dry.returncode == 0 and f"merge        {STG}" in dry.stdout and " 1 merge," in dry.stdout
    real = run_cli_here("generate", str(spec))
    assert real.returncode == 0, real.stdout + real.stderr
    assert real.stdout.index(f"merge        {STG}") < len(real.stdout)
    text = (out / STG).read_text()
    assert text.endswith(NOTE) and "cast(channel as" in text
    assert run_cli_here("generate", str(spec), "--check").returncode == 0


def test_overlapping_edit_gives_markers_exit_1_until_resolved(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    mine = "        cast(status as varchar) as status,  -- mine\n"
    (out / STG).write_text((out / STG).read_text().replace(
        "        cast(status as {{ pipegen_type('string') }}) as status,\n", mine))  # fmt: skip
    spec.write_text(HELLO.replace("{name: status, type: string,", "{name: status, rename: order_status, type: string,"))
    real = run_cli_here("generate", str(spec))
    assert real.returncode == 1 and "conflict" in real.stderr
    text = (out / STG).read_text()
    assert f"<<<<<<< yours: {STG}\n{mine}=======\n" in text and f">>>>>>> pipegen: {STG}\n" in text
    check = run_cli_here("generate", str(spec), "--check")
    assert check.returncode == 1 and "conflict markers remain at line(s) 11, 15" in check.stdout
    status = run_cli_here("status", str(spec), "--format", "json")
    assert status.returncode == 1
    assert {
        k: v for k, v in next(i for i in json.loads(status.stdout) if i["path"] == STG).items() if k != "detail"
    } == {"path": STG, "states": ["conflict", "edited"]}
    lines = text.splitlines(keepends=True)
    start, end = lines.index(f"<<<<<<< yours: {STG}\n"), lines.index(f">>>>>>> pipegen: {STG}\n")
    (out / STG).write_text("".join([*lines[:start], mine, *lines[end + 1 :]]))  # the user keeps their line
    again = run_cli_here("generate", str(spec))
    assert again.returncode == 0 and f"resolved     {STG}" in again.stdout
    assert run_cli_here("generate", str(spec), "--check").returncode == 0
    assert (out / STG).read_text().count(mine) == 1


def test_renamed_table_retires_only_unedited_files(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    edited = "gx/expectations/stg_shop__orders.json"
    (out / edited).write_text((out / edited).read_text().replace("{", "{ ", 1))
    spec.write_text(HELLO.replace("- name: orders", "- name: purchases"))
    real = run_cli_here("generate", str(spec))
    assert real.returncode == 0, real.stdout + real.stderr
    assert f"retired      {edited}" in real.stdout and f"delete       {STG}" in real.stdout
    assert (out / edited).is_file() and not (out / STG).exists()
    assert (out / "dbt/models/staging/stg_shop__purchases.sql").is_file()
    status = run_cli_here("status", str(spec))
    assert status.returncode == 0 and f"retired  {edited}" in status.stdout


def test_regenerate_without_change_writes_nothing(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    stats = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".pipegen/lock" not in str(p)}
    proc = run_cli_here("generate", str(spec))
    assert proc.returncode == 0 and "up to date" in proc.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stats


def test_deleted_file_stays_deleted_until_restored(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    (out / "docs/quality.md").unlink()
    proc = run_cli_here("generate", str(spec))
    assert proc.returncode == 0 and "user-deleted docs/quality.md" in proc.stdout
    assert not (out / "docs/quality.md").exists()
    assert run_cli_here("generate", str(spec), "--check").returncode == 0
    restored = run_cli_here("generate", str(spec), "--restore-deleted")
    assert restored.returncode == 0 and (out / "docs/quality.md").is_file()


def test_diff_flag_shows_the_merge_result_and_dry_run_writes_nothing(tmp_path: Path, generated: Path) -> None:
    spec, out = _project(tmp_path, generated)
    (out / STG).write_text((out / STG).read_text() + NOTE)
    before = (out / STG).read_text()
    spec.write_text(HELLO.replace("          - {name: updated_at,", "          - {name: channel, type: string}\n"
                                  "          - {name: updated_at,"))  # fmt: skip
    proc = run_cli_here("generate", str(spec), "--diff")
    assert proc.returncode == 0 and f"--- a/{STG}\n+++ b/{STG}\n" in proc.stdout
    assert "+        cast(channel as" in proc.stdout and f"-{NOTE}" not in proc.stdout, "the diff keeps the edit"
    assert (out / STG).read_text() == before


def test_validate_format_github_prints_annotations(tmp_path: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(HELLO.replace("latency: 1h", "latency: soon"))
    proc = run_cli("validate", str(spec), "--format", "github")
    assert proc.returncode == 1
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("::error ")]
    assert line.startswith(f"::error file={spec},line=12,col=10,title=pipegen ")
    spec.write_text(HELLO)
    ok = run_cli("validate", str(spec), "--format", "github")
    assert ok.returncode == 0 and ok.stdout == ""
