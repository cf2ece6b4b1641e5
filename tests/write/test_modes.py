"""File modes: a generated file declares its mode, the write stage applies it and the
manifest records it, and a user's chmod is an edit that regenerate keeps."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipegen.errors import WriteError
from pipegen.write import OutFile, WriteMeta, write_tree
from pipegen.write.modes import checkout_mode, same_mode

META = WriteMeta("1.0", "abc")
SCRIPT = "#!/bin/sh\necho run\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / ".pipegen/manifest.json").read_text())  # type: ignore[no-any-return]


def actions(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.path: c.action for c in report.changes}


def details(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.path: c.detail for c in report.changes}


def tree(script: str = SCRIPT, script_mode: int = 0o755, readme: str = "# r\n") -> dict[str, str | OutFile]:
    return {"bin/run.sh": OutFile(script, script_mode), "README.md": readme}


@pytest.fixture(autouse=True)
def _umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_script_is_written_executable_and_the_manifest_records_only_non_default_modes(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(), META)
    assert mode(tmp_path / "bin/run.sh") == 0o755 and mode(tmp_path / "README.md") == 0o644
    assert manifest(tmp_path)["modes"] == {"bin/run.sh": "0755"}
    write_tree(tmp_path / "plain", {"README.md": "# r\n"}, META)
    assert "modes" not in manifest(tmp_path / "plain"), "plain strings are 0644 and need no entry"


def test_an_executable_script_stays_executable_after_regenerate(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(), META)
    report = write_tree(tmp_path, tree(script="#!/bin/sh\necho v2\n"), META)
    assert actions(report)["bin/run.sh"] == "update"
    assert mode(tmp_path / "bin/run.sh") == 0o755 and (tmp_path / "bin/run.sh").read_text().endswith("v2\n")
    again = write_tree(tmp_path, tree(script="#!/bin/sh\necho v2\n"), META)
    assert not again.changed


def test_a_user_chmod_is_kept_as_an_edit(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(), META)
    (tmp_path / "README.md").chmod(0o600)
    kept = write_tree(tmp_path, tree(), META)
    assert actions(kept)["README.md"] == "kept" and "you changed its mode to 0600" in details(kept)["README.md"]
    assert mode(tmp_path / "README.md") == 0o600
    updated = write_tree(tmp_path, tree(readme="# r v2\n"), META)  # new content, the user's mode survives
    assert actions(updated)["README.md"] == "update" and details(updated)["README.md"] == "your mode 0600 is kept"
    assert (tmp_path / "README.md").read_text() == "# r v2\n" and mode(tmp_path / "README.md") == 0o600
    assert actions(write_tree(tmp_path, tree(readme="# r v2\n"), META))["README.md"] == "kept"


def test_a_generator_mode_change_updates_an_untouched_file(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(script_mode=0o644), META)
    report = write_tree(tmp_path, tree(script_mode=0o755), META)
    assert actions(report)["bin/run.sh"] == "update"
    assert mode(tmp_path / "bin/run.sh") == 0o755 and manifest(tmp_path)["modes"] == {"bin/run.sh": "0755"}


def test_a_generator_mode_change_reaches_a_file_whose_content_the_user_edited(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(script_mode=0o644), META)
    (tmp_path / "bin/run.sh").write_text("#!/bin/sh\necho mine\n")
    report = write_tree(tmp_path, tree(script_mode=0o755), META)
    assert details(report)["bin/run.sh"] == "mode set to 0755; your edits are kept"
    assert (tmp_path / "bin/run.sh").read_text() == "#!/bin/sh\necho mine\n" and mode(tmp_path / "bin/run.sh") == 0o755
    assert actions(write_tree(tmp_path, tree(script_mode=0o755), META))["bin/run.sh"] == "kept"


def test_a_user_chmod_and_a_different_generator_mode_conflict(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(script_mode=0o755), META)
    (tmp_path / "bin/run.sh").chmod(0o700)
    report = write_tree(tmp_path, tree(script_mode=0o750), META)
    assert actions(report)["bin/run.sh"] == "conflict" and report.exit_code == 1
    assert mode(tmp_path / "bin/run.sh") == 0o700
    assert mode(tmp_path / ".pipegen/pending/bin/run.sh") == 0o750, "the pending copy carries the new mode"
    assert manifest(tmp_path)["modes"] == {"bin/run.sh": "0755"}, "the base stays what was last written"


def test_a_retired_file_the_user_chmodded_is_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(), META)
    (tmp_path / "README.md").chmod(0o755)
    report = write_tree(tmp_path, {"bin/run.sh": OutFile(SCRIPT, 0o755)}, META)
    assert actions(report)["README.md"] == "retired" and (tmp_path / "README.md").exists()


def test_the_mode_a_checkout_gives_under_the_umask_is_not_an_edit(tmp_path: Path) -> None:
    """A teammate's clone with umask 002 has 0664/0775 files: regenerate updates them, no conflict."""
    os.umask(0o002)
    write_tree(tmp_path, tree(), META)
    (tmp_path / "README.md").chmod(0o664)
    (tmp_path / "bin/run.sh").chmod(0o775)
    report = write_tree(tmp_path, tree(script="#!/bin/sh\necho v2\n", readme="# r v2\n"), META)
    assert actions(report) == {"README.md": "update", "bin/run.sh": "update"}
    assert checkout_mode(0o644, 0o002) == 0o664 and checkout_mode(0o755, 0o077) == 0o700
    assert same_mode(0o600, 0o644, 0o077) and not same_mode(0o600, 0o644, 0o022)


@pytest.mark.parametrize("bad", [0o4755, -1, 0o1000, True])
def test_a_mode_outside_the_permission_bits_is_refused(tmp_path: Path, bad: int) -> None:
    with pytest.raises(WriteError, match="is not permission bits"):
        write_tree(tmp_path, {"x.sh": OutFile("x", bad)}, META)
    assert not (tmp_path / "x.sh").exists()


def test_a_damaged_mode_in_the_manifest_is_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, tree(), META)
    data = manifest(tmp_path)
    data["modes"]["bin/run.sh"] = "rwxr-xr-x"
    (tmp_path / ".pipegen/manifest.json").write_text(json.dumps(data))
    with pytest.raises(WriteError, match=r"manifest\.json is damaged"):
        write_tree(tmp_path, tree(), META)
