"""`-o` that cannot be what the user meant is refused with exit 2 and a hint, before anything
is written (docs/regeneration.md, "The output folder"); a folder, even one still to create or
reached through a link, is used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipegen.cli import main
from pipegen.resources import data_dir
from tests.conftest import REPO

HELLO = (REPO / "specs" / "hello.yaml").read_text()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def _file(tmp: Path) -> str:
    (tmp / "notes.txt").write_text("mine\n")
    return str(tmp / "notes.txt")


def _under_a_file(tmp: Path) -> str:
    return _file(tmp) + "/sub"


def _records(tmp: Path) -> str:
    (tmp / "project/.pipegen").mkdir(parents=True)
    return str(tmp / "project/.pipegen/out")


# (the -o value, built in the test's folder; words the error must hold)
REFUSED: dict[str, tuple[Callable[[Path], str], str]] = {
    "empty": (lambda tmp: "", "--output is empty: it would write into the current folder"),
    "blank": (lambda tmp: "  ", "--output is blank"),
    "leading-space": (lambda tmp: " out", "starts or ends with white space"),
    "newline": (lambda tmp: "out\n", "control character"),
    "a-file": (_file, "is a file, not a folder"),
    "under-a-file": (_under_a_file, "cannot be created: "),
    "templates": (lambda tmp: str(data_dir("templates") / "out"), "inside pipegen's own templates"),
    "example-specs": (lambda tmp: str(data_dir("specs")), "inside pipegen's own example specs"),
    "package": (lambda tmp: str(Path(__import__("pipegen").__file__).parent / "out"), "inside pipegen's own package"),
    "records": (_records, "inside a .pipegen/ folder"),
    "root": (lambda tmp: "/", "is the file system root"),
}


@pytest.mark.parametrize("command", ["generate", "status"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_odd_output_is_refused_with_exit_2_and_nothing_is_written(
    case: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec/pipegen.yaml"
    spec.parent.mkdir()
    spec.write_text(HELLO)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    build, words = REFUSED[case]
    value = build(tmp_path)
    before = sorted(p for p in tmp_path.rglob("*"))
    code, out, err = _cli(capsys, command, str(spec), "-o", value)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and words in err and "\nhint: " in err, err
    assert sorted(p for p in tmp_path.rglob("*")) == before and list(cwd.iterdir()) == []


def test_the_home_folder_is_refused_unless_pipegen_generated_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("unrelated\n")
    monkeypatch.setenv("HOME", str(home))
    spec = home / "pipegen.yaml"
    spec.write_text(HELLO)
    for args in (["-o", str(home)], []):  # given, or the spec's own folder
        code, _, err = _cli(capsys, "generate", str(spec), *args)
        assert code == 2 and "is your home folder" in err and "-o ~/projects/NAME" in err, err
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt", "pipegen.yaml"]
    (home / ".pipegen").mkdir()  # a project generated there before (by an earlier pipegen): keep serving it
    code, out, err = _cli(capsys, "generate", str(spec))
    assert code == 0, out + err
    assert (home / "docs/plan.md").is_file()


def test_a_folder_to_create_or_behind_a_link_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text(HELLO)
    code, out, err = _cli(capsys, "generate", str(spec), "-o", str(tmp_path / "build/new/shop"))
    assert code == 0, out + err
    assert (tmp_path / "build/new/shop/docs/plan.md").is_file()
    (tmp_path / "link").symlink_to(tmp_path / "build/new/shop")
    code, out, err = _cli(capsys, "generate", str(spec), "-o", str(tmp_path / "link"), "--check")
    assert code == 0 and "up to date" in out, out + err
    monkeypatch.chdir(tmp_path / "build")
    code, out, err = _cli(capsys, "status", str(spec), "-o", "new/shop")
    assert code == 0, out + err
