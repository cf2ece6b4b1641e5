"""check_inside's symlink test on strings (s45, gen46: Path objects per path part were most of its
cost, twice per file of a run) answers what `Path.is_symlink` answered, on every kind of thing a
path part can be, and check_inside still refuses a link at any depth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipegen.errors import WriteError
from pipegen.write.paths import _is_link, check_inside


def test_is_link_answers_what_path_is_symlink_answered(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "dir")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    os.mkfifo(tmp_path / "fifo")
    names = ["dir", "file", "link", "dangling", "loop", "fifo", "nothing", "file/under", "loop/under", "link/x"]
    for name in names:
        path = tmp_path / name
        assert _is_link(str(path)) == path.is_symlink(), name
    assert _is_link("bad\x00path") == Path("bad\x00path").is_symlink()


@pytest.mark.parametrize("rel", ["link/a.txt", "dir/link/a.txt", "dir/sub/link"])
def test_check_inside_refuses_a_link_at_any_depth(tmp_path: Path, rel: str) -> None:
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for at in ("link", "dir/link", "dir/sub/link"):
        (tmp_path / at).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(WriteError, match="symbolic link"):
        check_inside(tmp_path, rel)
    assert check_inside(tmp_path, "dir/sub/a.txt") == tmp_path / "dir" / "sub" / "a.txt"
