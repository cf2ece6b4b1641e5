"""scripts/demo.sh, the README's first command (issue 23): bash parses it and _venv.sh, and it runs
as a new user's machine runs it, with the demo environment it would build replaced by the pipegen
under test (PIPEGEN=...) and the project environment `pipegen run` would build by the batch judge
env (PIPEGEN_RUN_PYTHON): scaffold, plan, check and run an example, then print paths and commands
that exist and work. The run is narrowed to the synthesize step (RUN OPTIONs go to `pipegen run`):
the same example's whole run is the README walk-through's (tests/judges/test_readme_walkthrough.py).
Building the demo environment (pip, the network) is not run here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.judges import offline_env

pytestmark = pytest.mark.judge
SCRIPTS = ("demo.sh", "_venv.sh")


@pytest.mark.parametrize("script", SCRIPTS)
def test_bash_parses_the_script(script: str) -> None:
    proc = subprocess.run(["bash", "-n", str(REPO / "scripts" / script)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_demo_scaffolds_checks_and_runs_an_example_and_its_closing_lines_are_true(
    tmp_path: Path, batch_python: Path
) -> None:
    root = tmp_path / "clone"  # the script works in its clone: a copy of its folder, not this checkout
    (root / "scripts").mkdir(parents=True)
    for script in SCRIPTS:
        shutil.copy(REPO / "scripts" / script, root / "scripts" / script)
    pipegen = f"{sys.executable} -m pipegen"
    env = offline_env(tmp_path / "home", PIPEGEN=pipegen, PIPEGEN_RUN_PYTHON=str(batch_python),
                      PYTHONPATH=str(REPO / "src"))  # fmt: skip
    cmd = ["bash", str(root / "scripts" / "demo.sh"), "hello", "--only", "synthesize", "--no-docs"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    project = root / "demo" / "hello_demo"
    marks = ["==> pipegen new hello_demo --spec hello\n", f"Created {project}\n", "==> pipegen plan\n",
             "pipeline hello_demo: elt\n", "==> pipegen generate --check", f"{project}: up to date:",
             "==> pipegen run --only synthesize --no-docs", "==> synthesize\n", "hello_demo: local run",
             f"report: {project / 'reports' / 'index.html'}\n", f"Project: {project}\n"]  # fmt: skip
    found = [out.find(mark) for mark in marks]
    assert -1 not in found and found == sorted(found), list(zip(marks, found, strict=True))
    assert re.search(r"[│|]\s*synthesize\s*[│|]\s*ok\s*[│|]", out), out[-2000:]
    closing = dict(re.findall(r"^(Report|Rerun|Try): +(.*)$", out, flags=re.M))
    assert Path(closing["Report"].split(" (")[0]).is_file()  # the run wrote the report it names
    assert closing["Rerun"] == f"{pipegen} run {project}"
    assert closing["Try"] == f"{pipegen} validate {project / 'pipegen.yaml'}"
    assert {p.name for p in root.iterdir()} == {"scripts", "demo"}  # it writes under demo/ only
