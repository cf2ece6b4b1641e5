"""Every `pipegen` command docs/*.md shows is executed (issue 23: "every CLI example in README and
docs/ is executed by a test"; README's are run by test_conventions.py and the walk-throughs), in a
fresh folder, in this process (Typer's runner: no interpreter per command), with the setup each
needs: a project made by `pipegen new shop --spec hello` in a git repository with two commits
(`pipegen diff HEAD~1:pipegen.yaml pipegen.yaml`), and the example specs the benchmarks page
validates by file name. A usage line's placeholders are filled in (SPEC and FILE: the project's
pipegen.yaml, DIR: a fresh output folder, PATH: a spec path hello has), each `[optional]` part is
run without and with it, each `a|b` alternative on its own. A command named in prose without the
arguments it requires (`pipegen explain` in a heading) is a mention, not an example: the test asserts
that the same command ran from a full example. `pipegen run` and `pipegen report` are the README
walk-through's (tests/judges/test_readme_walkthrough.py runs both on a real project; a run here
would cost a dbt and GX start per example)."""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.cli.test_conventions import cli_examples, git, readme_block
from tests.conftest import REPO

PLACEHOLDERS = {"SPEC": "pipegen.yaml", "FILE": "pipegen.yaml", "DIR": "out", "PATH": "sources[0].tables[0].watermark"}
WALKED = ("run", "report")  # run by the README's walk-through, on a project that has run
OPTIONAL = re.compile(r"\[([^\[\]]+)\]")


def variants(example: str) -> list[list[str]]:
    """The commands a usage line stands for: each `[part]` without and with it, each `a|b` on its
    own, placeholders filled in (`explain [SPEC] PATH` -> `explain PATH`, `explain pipegen.yaml PATH`)."""
    parts = OPTIONAL.split(example)  # even indexes: always there; odd: optional
    choices = [[part] if i % 2 == 0 else ["", part] for i, part in enumerate(parts)]
    out = []
    for chosen in itertools.product(*choices):
        words = shlex.split(" ".join(chosen))
        alternatives = [word.split("|") if "|" in word and not word.startswith("HEAD") else [word] for word in words]
        for picked in itertools.product(*alternatives):
            out.append([PLACEHOLDERS.get(word, word) for word in picked])
    return out


def required_arguments(command: str) -> int:
    import typer.main

    from pipegen.cli import app

    params = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    return sum(1 for p in params if p.param_type_name == "argument" and p.required)


def positionals(words: list[str]) -> int:
    """Positional arguments after the command (an option's value is not one; every option of
    these examples that takes a value is `-o`/`--output` or `--format`)."""
    count, skip = 0, False
    for word in words[2:]:
        if skip:
            skip = False
        elif word in ("-o", "--output", "--format"):
            skip = True
        elif not word.startswith("-"):
            count += 1
    return count


def test_variants_fill_placeholders_and_expand_optional_parts_and_alternatives() -> None:
    assert variants("pipegen explain [SPEC] PATH [--format text|json]") == [
        ["pipegen", "explain", PLACEHOLDERS["PATH"]],
        ["pipegen", "explain", PLACEHOLDERS["PATH"], "--format", "text"],
        ["pipegen", "explain", PLACEHOLDERS["PATH"], "--format", "json"],
        ["pipegen", "explain", "pipegen.yaml", PLACEHOLDERS["PATH"]],
        ["pipegen", "explain", "pipegen.yaml", PLACEHOLDERS["PATH"], "--format", "text"],
        ["pipegen", "explain", "pipegen.yaml", PLACEHOLDERS["PATH"], "--format", "json"],
    ]
    assert variants("pipegen diff HEAD~1:pipegen.yaml pipegen.yaml") == [
        ["pipegen", "diff", "HEAD~1:pipegen.yaml", "pipegen.yaml"]
    ]


def test_every_cli_example_of_the_docs_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from pipegen.cli import app

    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(app, ["new", "shop", "--spec", "hello", "--no-input"])
    assert made.exit_code == 0, made.output
    project = tmp_path / "shop"
    monkeypatch.chdir(project)
    for example in ("hello", "ecommerce_realtime"):  # docs/benchmarks.md validates them by file name
        shutil.copy(REPO / "specs" / f"{example}.yaml", project / f"{example}.yaml")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "first")
    git(project, "commit", "-q", "--allow-empty", "-m", "second")

    ran, mentioned, failed = {"new"}, set(), []
    done: set[str] = set()  # a command shown on several pages runs once
    examples = [(page.name, e) for page in sorted((REPO / "docs").glob("*.md"))
                for e in cli_examples(page.read_text(encoding="utf-8"))]  # fmt: skip
    assert len(examples) > 40
    for page, example in examples:
        for words in variants(example):
            command = words[1]
            if command in WALKED or shlex.join(words) in done:
                continue
            if positionals(words) < required_arguments(command):
                mentioned.add(command)  # named in prose: a full example of it must run
                continue
            if "out" in words:  # DIR: a fresh output folder each time
                shutil.rmtree(project / "out", ignore_errors=True)
            result = runner.invoke(app, words[1:])
            if result.exit_code != 0:
                failed.append(f"{page}: {shlex.join(words)}: exit {result.exit_code}\n{result.output[-800:]}")
            ran.add(command)
            done.add(shlex.join(words))
    assert failed == [], "\n".join(failed)
    assert mentioned <= ran, f"commands only named, never run from an example: {sorted(mentioned - ran)}"
    every = {"new", "validate", "plan", "generate", "status", "diff", "explain", "migrate", "schema"}
    assert every <= ran, sorted(every - ran)
    assert set(WALKED) <= {shlex.split(c)[1] for c in readme_block("walkthrough") if c.startswith("pipegen ")}
