"""The local run shows live progress on a terminal (issue 23): a spinner naming the running step
with its elapsed time and the counts the step reports while it runs, redrawn while the step's own
output scrolls above it; plain output with
no control sequences when stdout is not a terminal (CI logs). Runs the generated pipeline/run.py
with one slow stand-in step, under a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO, read_terminal

# a step that knows its counts: it reports them through the project's pipeline.progress (PIPEGEN_STEP_PROGRESS)
SLOW_STEP = (
    "import time\nfrom pipeline import progress\nprint('step says hello', flush=True)\n"
    "for i in range(1, 6):\n    progress('rows loaded', i * 1000)\n    time.sleep(0.5)\n"
    "print('step says bye', flush=True)"
)
DRIVER = f"""
import sys
sys.path.insert(0, sys.argv[1])
from pipeline import run
run.STEPS = [{{"name": "slowstep", "help": "a slow stand-in", "argv": ["-c", {SLOW_STEP!r}], "environment": "",
              "options": []}}]
sys.exit(run.main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("progress")
    # hello without its metrics and lineage: the run publishes through prometheus_client and
    # openlineage-python, which the interpreter running this stand-in step (pipegen's own) does not have
    spec = root / "pipegen.yaml"
    off = "monitoring: {prometheus: false, lineage: {enabled: false}}\n"
    spec.write_text((REPO / "specs" / "hello.yaml").read_text() + off)
    ready = prepare(spec)
    for path in ("pipeline/__init__.py", "pipeline/run.py", "pipeline/run_report.py"):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_tree(ready.spec, ready.plan)[path], encoding="utf-8")
    return root


def run_in_pty(project: Path, *args: str, **extra: str) -> tuple[int, bytes]:
    """Run the driver with a pseudo-terminal as stdout; everything it wrote, and its exit code."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(project), *args],
        stdout=child, stderr=child, cwd=project, env={**env, **extra},
    )  # fmt: skip
    os.close(child)
    out = read_terminal(main)
    return proc.wait(timeout=30), out


def run_plain(project: Path) -> subprocess.CompletedProcess[str]:
    """Run the driver with pipes (no terminal) as stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(project)], capture_output=True, text=True, cwd=project, check=False
    )


@pytest.fixture(scope="module")
def runs(project: Path) -> dict[str, Any]:
    """The module's four runs of the slow step (2.5 s each, asleep), side by side instead of one after another:
    under a pseudo-terminal (read by several tests), with NO_COLOR, with --quiet, and without a terminal."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = {
            "terminal": pool.submit(run_in_pty, project),
            "no_color": pool.submit(run_in_pty, project, NO_COLOR="1"),
            "quiet": pool.submit(run_in_pty, project, "--quiet"),
            "plain": pool.submit(run_plain, project),
        }
        return {name: future.result() for name, future in started.items()}


@pytest.fixture(scope="module")
def on_terminal(runs: dict[str, Any]) -> tuple[int, bytes]:
    """The run under a pseudo-terminal, read by several tests (the slow step takes 2.5 s)."""
    result: tuple[int, bytes] = runs["terminal"]
    return result


def test_a_long_step_shows_a_spinner_with_its_name_and_elapsed_time_on_a_terminal(
    on_terminal: tuple[int, bytes],
) -> None:
    code, out = on_terminal
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    assert "step says hello" in text and "step says bye" in text
    redraws = text.count("slowstep")
    assert redraws >= 3, f"the progress line was drawn {redraws} time(s):\n{text!r}"
    assert "0:00:01" in text or "0:00:02" in text, "no elapsed time shown while the step ran"
    assert "\x1b[" in text  # a live display: cursor movement


def test_a_step_that_knows_its_counts_shows_them_updating_while_it_runs(on_terminal: tuple[int, bytes]) -> None:
    """The stand-in step reports 1,000 .. 5,000 rows loaded, one every 0.5 s, through the project's
    pipeline.progress: the live line shows the count, and shows it grow before the step ends."""
    code, out = on_terminal
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    during = text.split("step says bye")[0]  # drawn while the step ran, not the summary after it
    shown = [int(n.replace(",", "")) for n in re.findall(r"([0-9][0-9,]*) rows loaded", during)]
    assert shown, f"no count on the progress line:\n{text!r}"
    assert len(set(shown)) >= 3 and shown == sorted(shown), f"the count did not grow while the step ran: {shown}"
    assert set(shown) <= {1000, 2000, 3000, 4000, 5000}, shown


def test_without_a_terminal_the_output_is_plain(runs: dict[str, Any]) -> None:
    proc = runs["plain"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("==> slowstep\nstep says hello\nstep says bye\n")
    assert "\x1b[" not in proc.stdout.split("step says bye")[0]
    assert "rows loaded" not in proc.stdout  # no live counts in a log: the step ran without a progress file


COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7]|38;[25];[0-9;]+)m")  # a foreground colour (SGR 30-39, 90-97)


def test_the_summary_is_coloured_on_a_terminal_and_no_color_turns_colour_off(
    runs: dict[str, Any], on_terminal: tuple[int, bytes]
) -> None:
    _, coloured = on_terminal
    assert COLOUR.search(coloured.decode("utf-8", "replace")), "no colour on a terminal: the control is blind"
    code, out = runs["no_color"]
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    assert not COLOUR.search(text), f"colour despite NO_COLOR: {COLOUR.search(text)}"
    assert text.count("slowstep") >= 3 and "\x1b[" in text  # still live: NO_COLOR is about colour only


def test_quiet_on_a_terminal_shows_no_step_output_only_the_summary(runs: dict[str, Any]) -> None:
    code, out = runs["quiet"]
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    assert "step says hello" not in text and "local run" in text
