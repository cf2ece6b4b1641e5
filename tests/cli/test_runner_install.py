"""`pipegen run`'s first install (issue 23): pip's hundreds of lines go to a log file, the
terminal gets one line per stage, a failure names the log; the interpreter is recorded for make."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipegen import runner
from pipegen.errors import UserError


def test_a_stage_writes_its_output_to_the_log_not_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log_path = tmp_path / "install.log"
    with log_path.open("w", encoding="utf-8") as log:
        code, _ = runner._stage("noise", [sys.executable, "-c", "print('Collecting x\\n' * 300, end='')"], log)
    assert code == 0
    out, err = capfd.readouterr()
    assert "Collecting" not in out + err
    assert log_path.read_text().count("Collecting x\n") == 300  # the command line heads the log


def test_a_failed_install_names_the_log_and_removes_the_half_built_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("this-package-does-not-exist==0.0.0\n")
    monkeypatch.setenv("PIPEGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline: pip fails at once
    with pytest.raises(UserError) as exc:
        runner.ensure_env(requirements)
    log = runner.cache_root() / (runner.env_key(requirements) + ".install.log")
    assert str(log) in exc.value.message and log.is_file()
    assert "this-package-does-not-exist" in log.read_text()
    assert not (runner.cache_root() / runner.env_key(requirements)).exists()
    _, err = capfd.readouterr()
    assert len(err.splitlines()) <= 4, err  # the header and a line per finished stage, no pip output


def test_run_records_the_interpreter_for_the_project_make_targets(tmp_path: Path) -> None:
    from pipegen.localenv import LOCAL_MK

    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "run.py").write_text("")
    (tmp_path / "pipeline" / "__init__.py").write_text("")
    (tmp_path / "requirements.txt").write_text("")
    assert runner.run(tmp_path, Path(sys.executable)) == 0
    recorded = (tmp_path / LOCAL_MK).read_text()
    assert f"PIPEGEN_RUN_PYTHON ?= {sys.executable}" in recorded
    assert "PIPEGEN ?= " in recorded and "PIPEGEN_SPEC ?= " in recorded


def test_a_stream_only_project_is_pointed_at_its_stream_target(tmp_path: Path) -> None:
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "stream.py").write_text("")
    with pytest.raises(UserError) as exc:
        runner.check_project(tmp_path)
    assert exc.value.hint is not None and "make flink-install stream-local" in exc.value.hint
