"""`pipegen run` checks Java before it builds any environment (issue 23): a chosen step that
runs on Java (the stream step: PyFlink, Java 11 or 17) with no `java` on PATH, or an older one,
stops the run with one message naming the step and the JDK to install (exit 1, no traceback, no
environment built); a run without that step, or with a Java it runs on, goes on (here to the
next check: the --python given does not exist, so nothing is installed). `java` is a stand-in
script printing what real JDKs print for `java -version`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipegen.javacheck import java_release
from pipegen.pipeline import prepare, render_tree
from tests.conftest import REPO, run_cli_here

# what `java -version` prints (on stderr) for each release, from the JDKs themselves
VERSIONS = {
    8: 'openjdk version "1.8.0_392"\nOpenJDK Runtime Environment (build 1.8.0_392-b08)',
    11: 'openjdk version "11.0.21" 2023-10-17\nOpenJDK Runtime Environment (build 11.0.21+9)',
    17: 'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
    21: 'openjdk version "21" 2023-09-19\nOpenJDK Runtime Environment (build 21+35-2513)',
}
NO_PYTHON = "/nonexistent/python"  # the check after Java's: reached means the Java check passed


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("javacheck")
    ready = prepare(REPO / "specs" / "ecommerce_realtime.yaml")
    tree = render_tree(ready.spec, ready.plan)
    for path in ("pipeline/__init__.py", "pipeline/run.py", "requirements.txt"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(tree[path], encoding="utf-8")
    return root


def path_with(tmp_path: Path, release: int | None) -> dict[str, str]:
    """PATH holding only a stand-in `java` of this release (none: no java at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    if release is not None:
        java = bin_dir / "java"
        lines = " ".join(f"'{line}'" for line in VERSIONS[release].splitlines())
        java.write_text(f"#!/bin/sh\nprintf '%s\\n' {lines} >&2\n")  # builtins only: PATH has nothing else
        java.chmod(0o755)
    return {"PATH": str(bin_dir), "JAVA_HOME": "", "PIPEGEN_CACHE": str(tmp_path / "cache")}


def test_no_java_stops_the_run_naming_the_step_and_what_to_install(project: Path, tmp_path: Path) -> None:
    proc = run_cli_here("run", str(project), env=path_with(tmp_path, None))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "step stream runs on Java 11 or 17, and there is no `java` on PATH" in proc.stderr
    assert "openjdk-17-jdk-headless" in proc.stderr and "--only" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr
    assert not (tmp_path / "cache").exists()  # before any environment build


def test_an_older_java_is_refused_with_its_release(project: Path, tmp_path: Path) -> None:
    proc = run_cli_here("run", str(project), env=path_with(tmp_path, 8))
    assert proc.returncode == 1
    assert f"and {tmp_path / 'bin' / 'java'} is Java 8" in proc.stderr and "openjdk-17" in proc.stderr


@pytest.mark.parametrize("release", [11, 17])
def test_a_java_the_step_runs_on_lets_the_run_go_on(project: Path, tmp_path: Path, release: int) -> None:
    proc = run_cli_here("run", str(project), "--python", NO_PYTHON, env=path_with(tmp_path, release))
    assert proc.returncode == 1 and f"no Python interpreter at {NO_PYTHON}" in proc.stderr
    assert "Java" not in proc.stderr


def test_a_newer_java_is_a_note_and_a_run_without_the_step_needs_none(project: Path, tmp_path: Path) -> None:
    newer = run_cli_here("run", str(project), "--python", NO_PYTHON, env=path_with(tmp_path, 21))
    assert "is Java 21; step stream is known to run on Java 11 or 17" in newer.stderr
    assert f"no Python interpreter at {NO_PYTHON}" in newer.stderr
    batch_only = run_cli_here("run", str(project), "--only", "ingest,transform", "--python", NO_PYTHON,
                         env=path_with(tmp_path / "again", None))  # fmt: skip
    assert "Java" not in batch_only.stderr and f"no Python interpreter at {NO_PYTHON}" in batch_only.stderr


def test_the_capture_step_needs_java_17_only_when_a_local_database_is_named(project: Path, tmp_path: Path) -> None:
    """The capture step (Debezium's engine: Java 17) runs only with its source's DSN set: without it
    Java 11 is enough (the stream step's), with it Java 11 is refused naming the capture step."""
    dsn = {"PIPEGEN_CDC_ECOMMERCE_REALTIME_SHOP_DSN": "postgresql://debezium@127.0.0.1:5432/shop"}
    without = run_cli_here("run", str(project), "--python", NO_PYTHON, env=path_with(tmp_path / "without", 11))
    assert "Java" not in without.stderr and f"no Python interpreter at {NO_PYTHON}" in without.stderr
    named = run_cli_here("run", str(project), "--python", NO_PYTHON, env={**path_with(tmp_path / "with", 11), **dsn})
    assert named.returncode == 1 and "step capture runs on Java 17" in named.stderr, named.stderr


def test_java_release_reads_every_version_scheme() -> None:
    assert {r: java_release(text) for r, text in VERSIONS.items()} == {8: 8, 11: 11, 17: 17, 21: 21}
    assert java_release('java version "22-ea" 2024-03-19') == 22 and java_release("no version here") is None
