"""Every file-system error during a write names the path and says what to do, never shows a
traceback, and leaves the tree and manifest as they were (or, once the run is complete, as
the new generation).

Errors are injected (monkeypatch) at every call of each low-level operation of a real write,
without a file name where the OS gives none (a write, flush or fsync on an open file); a
full disk and a read-only file system are also produced for real on a small tmpfs (as root).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO

from pipegen.cli import main
from pipegen.errors import WriteError
from pipegen.write import WriteMeta, interrupted, sha256, write_tree

V1 = {"a.txt": "one\n", "docs/b.md": "# b\n", "gone.txt": "retired next\n"}
V2 = {"a.txt": "two\n", "docs/b.md": "# b v2\n", "docs/new/c.md": "# c\n"}
# what each error must tell the user to do (written from the errno's meaning, not from pipegen)
ADVICE = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "quota",
    errno.EACCES: "writable",
    errno.EROFS: "read-only file system",
    errno.EIO: "check the disk",
    errno.EISDIR: "a directory is where a file must go",
    errno.ENOTDIR: "a file is where a directory must go",
}


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def consistent(out: Path) -> dict[str, str]:
    """The manifest's files match the tree and the base copies; returns its file hashes."""
    files: dict[str, str] = json.loads((out / ".pipegen/manifest.json").read_text())["files"]
    for path, digest in files.items():
        assert sha256((out / path).read_bytes()) == digest, path
        assert sha256((out / ".pipegen/base" / path).read_bytes()) == digest, path
    return files


class Inject:
    """Raise OSError(code) at the n-th call of `owner.name` (1-based), once; count every call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, code: int, nth: int, named: bool):
        self.real, self.calls, self.code, self.nth, self.named = getattr(owner, name), 0, code, nth, named

        def call(*args: Any, **kwargs: Any) -> Any:  # a plain function: bound like the method it replaces
            self.calls += 1
            if self.calls == self.nth:
                where = str(args[0]) if self.named and args else None
                raise OSError(self.code, os.strerror(self.code), where)
            return self.real(*args, **kwargs)

        monkeypatch.setattr(owner, name, call)


# (owner, attribute, carries a file name as the real call's error would)
POINTS = {
    "fsync": (os, "fsync", False),  # staged files, the journal, every changed folder
    "replace": (Path, "replace", True),  # the journal's rename, backups, moves into place
    "mkdir": (Path, "mkdir", True),
    "chmod": (os, "fchmod", False),  # on the staged file's descriptor: the path comes from apply's named()
    "unlink": (Path, "unlink", True),
}


def _calls(tmp_path: Path, point: str) -> int:
    out = tmp_path / "probe"
    write_tree(out, V1, WriteMeta("1.0", "v1"))
    owner, name, named = POINTS[point]
    with pytest.MonkeyPatch.context() as mp:
        counter = Inject(mp, owner, name, 0, 0, named)
        write_tree(out, V2, WriteMeta("1.0", "v2"))
    return counter.calls


@pytest.mark.parametrize("point", sorted(POINTS))
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])  # the others: test_every_errno_gets_its_own_advice
def test_an_error_at_any_operation_names_a_path_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str, code: int
) -> None:
    total = _calls(tmp_path, point)
    assert total >= 2, f"a write calls {point} at least twice"
    failed = 0
    for nth in range(1, total + 1):
        out = tmp_path / f"run{nth}"
        write_tree(out, V1, WriteMeta("1.0", "v1"))
        before = snapshot(out)
        owner, name, named = POINTS[point]
        with pytest.MonkeyPatch.context() as mp:
            Inject(mp, owner, name, code, nth, named)
            try:
                write_tree(out, V2, WriteMeta("1.0", "v2"))
            except WriteError as exc:
                failed += 1
                assert str(out) in exc.message, f"{point} #{nth}: no path in {exc.message!r}"
                assert os.strerror(code) in exc.message, exc.message
                assert exc.hint and ADVICE[code] in exc.hint, exc.hint
                assert snapshot(out) == before, f"{point} #{nth}: the tree changed although the run failed"
                assert not interrupted(out)
                continue
        # no error: the failing call came after the run was complete (tidying up), or was tolerated
        assert set(consistent(out)) == set(V2) and not interrupted(out), f"{point} #{nth}"
    assert failed >= 1, f"no injected {point} error made the run fail"


@pytest.mark.parametrize("code", sorted(ADVICE))
def test_every_errno_gets_its_own_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    write_tree(tmp_path, V1, WriteMeta("1.0", "v1"))
    before = snapshot(tmp_path)
    Inject(monkeypatch, os, "fsync", code, 1, False)  # the first staged file's fsync: no file name from the OS
    with pytest.raises(WriteError) as failed:
        write_tree(tmp_path, V2, WriteMeta("1.0", "v2"))
    assert str(tmp_path / ".pipegen/txn/stage") in failed.value.message and "staging " in failed.value.message
    assert failed.value.hint and ADVICE[code] in failed.value.hint
    assert snapshot(tmp_path) == before


def test_the_command_line_shows_the_path_and_the_advice_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pipegen.yaml"
    spec.write_text((REPO / "specs" / "hello.yaml").read_text())
    with pytest.raises(SystemExit):
        main(["generate", str(spec)])
    spec.write_text(spec.read_text().replace("rows_per_day: 50000", "rows_per_day: 50100"))
    before = snapshot(tmp_path)
    capsys.readouterr()
    Inject(monkeypatch, Path, "replace", errno.ENOSPC, 3, True)
    with pytest.raises(SystemExit) as done:
        main(["generate", str(spec)])
    err = capsys.readouterr().err
    assert done.value.code == 1 and "Traceback" not in err
    first, hint = err.splitlines()[0], err.splitlines()[-1]
    assert first.startswith("error: writing ") and str(tmp_path) in first and "No space left on device" in first
    assert hint.startswith("hint: the disk is full") and "nothing was changed" in hint
    assert snapshot(tmp_path) == before


def test_the_lock_file_that_cannot_be_written_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, V1, WriteMeta("1.0", "v1"))
    Inject(monkeypatch, os, "pwrite", errno.ENOSPC, 1, False)  # the holder line: the OS names no file
    with pytest.raises(WriteError, match=r"cannot take the lock of .*\.pipegen/lock: No space left on device"):
        write_tree(tmp_path, V2, WriteMeta("1.0", "v2"))


# --- real conditions: a small tmpfs, full or read-only (needs root and mount) --------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True,
                             check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")

    def remount(*options: str) -> Path:
        subprocess.run(["mount", "-o", ",".join(("remount", *options)), str(disk)], check=True)
        return disk

    try:
        yield remount
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_real_full_disk_names_the_file_and_changes_nothing(small_disk: Callable[..., Path]) -> None:
    out = small_disk() / "project"
    write_tree(out, V1, WriteMeta("1.0", "v1"))
    before = snapshot(out)
    big = {**V2, "data/big.csv": "x" * 400_000}
    with pytest.raises(WriteError) as failed:
        write_tree(out, big, WriteMeta("1.0", "v2"))
    assert "staging data/big.csv failed" in failed.value.message and str(out) in failed.value.message
    assert "No space left on device" in failed.value.message and "free some space" in str(failed.value.hint)
    assert snapshot(out) == before and not interrupted(out)
    consistent(out)


def test_a_real_read_only_file_system_names_the_path_and_changes_nothing(small_disk: Callable[..., Path]) -> None:
    out = small_disk() / "project"
    write_tree(out, V1, WriteMeta("1.0", "v1"))
    before = snapshot(out)
    small_disk("ro")
    with pytest.raises(WriteError) as failed:
        write_tree(out, V2, WriteMeta("1.0", "v2"))
    assert str(out) in failed.value.message and "Read-only file system" in failed.value.message
    assert "read-only file system" in str(failed.value.hint)
    assert snapshot(out) == before
