"""The command line, through the installed console script (run_cli: a subprocess), its `main` in this
process (run_cli_here) and CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipegen.cli import app
from tests.conftest import REPO, run_cli, run_cli_here

HELLO = REPO / "specs" / "hello.yaml"
runner = CliRunner()


def test_help_lists_every_command() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("new", "validate", "plan", "generate", "schema", "examples"):
        assert command in proc.stdout


def test_version_flag_prints_the_version() -> None:
    from pipegen import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"pipegen {__version__}"


def test_python_dash_m_runs_the_same_cli() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "pipegen", "validate", str(HELLO)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_validate_valid_spec_exits_zero() -> None:
    proc = run_cli("validate", str(HELLO))
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"{HELLO}: valid"


def test_validate_reports_every_problem_with_location_and_hint(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        HELLO.read_text().replace("orchestrator: airflow", "orchestrator: airflw").replace("  owner:", "  ownr:")
    )
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 1
    assert f"{bad}:8:3: error: unknown key 'ownr' [S101]" in proc.stdout
    assert "hint: did you mean 'owner'?" in proc.stdout
    assert f"{bad}:18:15: error: 'airflw' is not one of: airflow, prefect [S104]" in proc.stdout
    assert "2 error(s), 0 warning(s)" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_json_is_a_stable_list_of_diagnostics(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(HELLO.read_text().replace("latency: 1h", "latency: soon"))
    proc = run_cli("validate", str(bad), "--format", "json")
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)
    assert [set(d) for d in diags] == [{"file", "line", "column", "path", "severity", "code", "message", "hint"}]
    assert diags[0]["code"] == "S106" and diags[0]["path"] == "latency" and diags[0]["line"] == 12


def test_validate_several_files_at_once_exits_one_if_any_is_invalid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    proc = run_cli("validate", str(HELLO), str(bad))
    assert proc.returncode == 1
    assert f"{HELLO}: valid" in proc.stdout and f"{bad}:1:1: error" in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--bogus"],
        ["validate", "x.yaml", "--format", "xml"],
        ["nonsense"],
        ["plan", "a", "b"],
        ["generate", "--bogus"],
    ],
)
def test_usage_errors_exit_two_without_traceback(args: list[str]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_missing_spec_file_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    proc = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 1
    assert "nope.yaml:1:1: error: no such file [P000]" in proc.stdout


def test_plan_text_names_architecture_reasons_files_and_capacity() -> None:
    proc = run_cli_here("plan", str(HELLO))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("pipeline hello: elt\n")
    assert "why: ELT: latency 1h ≥ 15m allows batch loads" in out
    assert "docs/architecture.md" in out and "requirements.txt" in out
    assert "raw volume" in out and "MiB/day" in out


def test_plan_json_is_machine_readable() -> None:
    proc = run_cli_here("plan", str(HELLO), "--format", "json")
    data = json.loads(proc.stdout)
    assert data["architecture"] == "elt"
    assert data["reasons"][0]["rule"] == "batch-warehouse"
    assert "docs/plan.md" in data["files"]
    raw = next(f for f in data["capacity"]["figures"] if f["name"] == "raw volume")
    assert raw == {
        "name": "raw volume",
        "value": 6_000_000,
        "unit": "bytes/day",
        "formula": "Σ rows_per_day × avg_row_bytes",
    }


def test_plan_shows_engines_with_reasons_and_sizes_beside_their_overrides() -> None:
    proc = run_cli_here("plan", str(REPO / "specs" / "ecommerce_realtime.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "  stream: flink (auto: Flink SQL: event-time windows" in proc.stdout
    # marts under kappa: a batch layer (dbt over the tables landed from Kafka), never dropped
    assert "  batch: dbt (auto: marts (fact_orders, order_daily_stats) are built by dbt over the tables" in proc.stdout
    assert "  Flink checkpoint interval: 1m (override; computed 30s)" in proc.stdout
    data = json.loads(run_cli_here("plan", str(REPO / "specs" / "ecommerce_realtime.yaml"), "--format", "json").stdout)
    parallelism = next(z for z in data["capacity"]["sizing"] if z["name"] == "Flink parallelism")
    assert (parallelism["computed"], parallelism["override"], parallelism["value"]) == (1, 3, 3)
    assert data["capacity"]["flink_parallelism"] == 3
    assert {e["layer"]: e["engine"] for e in data["engines"]} == {
        "compute": "kubernetes",
        "stream": "flink",
        "batch": "dbt",
    }


def test_plan_of_invalid_spec_prints_diagnostics_and_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n")
    proc = run_cli_here("plan", str(bad))
    assert proc.returncode == 1
    assert "P007" in proc.stderr and "Traceback" not in proc.stderr


def test_plan_json_of_invalid_spec_prints_json_diagnostics_on_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n")
    proc = run_cli_here("plan", str(bad), "--format", "json")
    assert proc.returncode == 1
    diagnostics = json.loads(proc.stdout)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [("P007", 1, 1)]


def test_schema_prints_json_schema_with_the_spec_keys() -> None:
    proc = run_cli_here("schema")
    schema = json.loads(proc.stdout)
    assert set(schema["required"]) == {"version", "pipeline", "latency", "sources", "targets"}
    assert schema["additionalProperties"] is False


def test_examples_lists_each_spec_with_its_summary() -> None:
    proc = run_cli_here("examples")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names == sorted(p.stem for p in (REPO / "specs").glob("*.yaml"))
    assert "hello" in names
    assert all(len(line.split(None, 1)) == 2 for line in proc.stdout.splitlines())


def test_generate_then_check_then_edit_roundtrip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli_here("generate", str(HELLO), "-o", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    assert (out / "docs" / "architecture.md").is_file() and (out / ".pipegen" / "manifest.json").is_file()
    assert run_cli_here("generate", str(HELLO), "-o", str(out), "--check").returncode == 0
    (out / "docs" / "plan.md").write_text("my notes\n")
    changed_spec = tmp_path / "pipegen.yaml"
    changed_spec.write_text(HELLO.read_text().replace("rows_per_day: 50000", "rows_per_day: 90000"))
    assert run_cli_here("generate", str(changed_spec), "-o", str(out), "--check").returncode == 1
    dry = run_cli_here("generate", str(changed_spec), "-o", str(out), "--dry-run")
    assert dry.returncode == 0 and "docs/plan.md" in dry.stdout
    assert (out / "docs" / "plan.md").read_text() == "my notes\n"
    diff = run_cli_here("generate", str(changed_spec), "-o", str(out), "--diff")
    assert "--- a/docs/plan.md" in diff.stdout
    real = run_cli_here("generate", str(changed_spec), "-o", str(out))
    assert real.returncode == 1  # the whole file was rewritten by both sides: conflict markers
    merged = (out / "docs" / "plan.md").read_text()
    assert merged.startswith("<<<<<<< yours: docs/plan.md\nmy notes\n=======\n") and "90,000" in merged
    assert "90,000" in (out / ".pipegen" / "pending" / "docs" / "plan.md").read_text()


def test_generate_defaults_to_the_spec_folder(tmp_path: Path) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(HELLO.read_text())
    proc = run_cli_here("generate", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "docs" / "architecture.md").is_file()


def test_new_scaffolds_skeleton_spec_and_generated_files(tmp_path: Path) -> None:
    proc = run_cli_here("new", "my-shop", "--spec", "hello", "--output", str(tmp_path), "--no-input")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    project = tmp_path / "my-shop"
    for name in (
        "README.md",
        "Makefile",
        ".gitignore",
        "pyproject.toml",
        "pipegen.yaml",
        "requirements.txt",
        ".env.example",
        "pipegen.schema.json",
        "docs/architecture.md",
        ".pipegen/manifest.json",
    ):
        assert (project / name).is_file(), name
    spec = (project / "pipegen.yaml").read_text()
    assert spec.startswith("# yaml-language-server: $schema=./pipegen.schema.json\n")
    changed = [(a, b) for a, b in zip(HELLO.read_text().splitlines(), spec.splitlines(), strict=True) if a != b]
    assert changed == [  # only the modeline and the name differ: comments and layout are kept byte for byte
        (
            "# yaml-language-server: $schema=../docs/pipegen.schema.json",
            "# yaml-language-server: $schema=./pipegen.schema.json",
        ),
        ("  name: hello", "  name: my_shop"),
    ]
    assert f"Created {project}" in proc.stdout
    assert run_cli_here("validate", str(project / "pipegen.yaml")).returncode == 0
    assert run_cli_here("generate", str(project / "pipegen.yaml"), "--check").returncode == 0
    assert not list(tmp_path.glob(".pipegen-new-*")), "staging directory left behind"


def test_new_refuses_a_non_empty_directory_without_force(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "keep.txt").write_text("mine")
    proc = run_cli_here("new", "proj", "--output", str(tmp_path), "--no-input")
    assert proc.returncode == 1
    assert "already exists and is not empty" in proc.stderr and "--force" in proc.stderr
    forced = run_cli_here("new", "proj", "--output", str(tmp_path), "--no-input", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "proj" / "keep.txt").read_text() == "mine"
    assert (tmp_path / "proj" / "pipegen.yaml").is_file()


def test_new_with_unknown_example_suggests_names(tmp_path: Path) -> None:
    proc = run_cli_here("new", "x", "--spec", "helo", "--output", str(tmp_path), "--no-input")
    assert proc.returncode == 1
    assert "no example spec named 'helo'" in proc.stderr and "did you mean 'hello'?" in proc.stderr


def test_new_with_invalid_spec_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    out = tmp_path / "out"
    proc = run_cli_here("new", "x", "--spec", str(bad), "--output", str(out), "--no-input")
    assert proc.returncode == 1 and "S102" in proc.stderr
    assert not (out / "x").exists()


def test_new_rejects_unsafe_project_names(tmp_path: Path) -> None:
    for name in ("../escape", "a/b", "-rf", "{{cookiecutter}}"):
        proc = run_cli_here("new", name, "--output", str(tmp_path), "--no-input")
        assert proc.returncode in (1, 2), name
        assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_with_a_users_cookiecutter_template(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    (template / "{{cookiecutter.project_name}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text(json.dumps({"project_name": "x", "team": "analytics"}))
    (template / "{{cookiecutter.project_name}}" / "OWNERS").write_text("{{ cookiecutter.team }}\n")
    proc = run_cli_here("new", "custom", "--template", str(template), "--output", str(tmp_path), "--no-input")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "custom" / "OWNERS").read_text() == "analytics\n"
    assert (tmp_path / "custom" / "pipegen.yaml").is_file()
    assert (tmp_path / "custom" / "docs" / "plan.md").is_file()


def test_internal_errors_are_short_with_version_and_report_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipegen.pipeline

    def boom(*args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipegen.pipeline, "validate", boom)
    from pipegen import __version__
    from pipegen.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["validate", str(HELLO)])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err
    assert f"bug in pipegen {__version__}" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError, match="kaboom"):
        main(["--debug", "validate", str(HELLO)])  # --debug shows the real traceback


def test_cli_runner_validate_uses_the_same_path() -> None:
    result = runner.invoke(app, ["validate", str(HELLO)])
    assert result.exit_code == 0
    assert re.search(r"^\S*hello.yaml: valid\b", result.output, re.MULTILINE), result.output
    assert "invalid" not in result.output
