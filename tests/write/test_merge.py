"""Regeneration scenarios on a real temporary output directory: three-way merges, conflict
markers that keep generate failing until they are gone, deleted and retired files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipegen.write import WriteMeta, load_manifest, plan_write, render_summary, write_tree
from pipegen.write import merge as merge_module
from pipegen.write.merge import marker_lines, merge_text
from pipegen.write.status import file_states

META = WriteMeta("1.0", "abc")
BASE = "header\none\ntwo\nthree\nfour\nfive\nfooter\n"


def actions(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.path: c.action for c in report.changes}


def manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / ".pipegen/manifest.json").read_text())  # type: ignore[no-any-return]


def test_edit_and_generator_change_in_different_places_merge_cleanly(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.sql": BASE}, META)
    (tmp_path / "m.sql").write_text(BASE.replace("one\n", "one -- my note\n"))
    report = write_tree(tmp_path, {"m.sql": BASE.replace("five\n", "FIVE\n")}, META)
    assert actions(report) == {"m.sql": "merge"} and report.exit_code == 0
    assert (tmp_path / "m.sql").read_text() == BASE.replace("one\n", "one -- my note\n").replace("five\n", "FIVE\n")
    assert (tmp_path / ".pipegen/base/m.sql").read_text() == BASE.replace("five\n", "FIVE\n")
    assert "1 merge" in render_summary(report).splitlines()[0]
    again = write_tree(tmp_path, {"m.sql": BASE.replace("five\n", "FIVE\n")}, META)
    assert actions(again) == {"m.sql": "kept"}, "the merged file is the user's edit over the new base"


def test_a_user_who_already_made_the_generators_change_is_not_rewritten(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.sql": BASE}, META)
    mine = BASE.replace("one\n", "one -- note\n").replace("five\n", "FIVE\n")
    (tmp_path / "m.sql").write_text(mine)
    stat = (tmp_path / "m.sql").stat()
    report = write_tree(tmp_path, {"m.sql": BASE.replace("five\n", "FIVE\n")}, META)
    assert actions(report) == {"m.sql": "merge"} and "nothing written" in report.changes[0].detail
    after = (tmp_path / "m.sql").stat()
    assert (after.st_mtime_ns, after.st_ino) == (stat.st_mtime_ns, stat.st_ino)
    assert (tmp_path / ".pipegen/base/m.sql").read_text() == BASE.replace("five\n", "FIVE\n")


def _overlap(out: Path) -> None:
    write_tree(out, {"m.sql": BASE, "other.txt": "x\n"}, META)
    (out / "m.sql").write_text(BASE.replace("two\n", "two (mine)\n"))


def test_overlapping_edits_write_labelled_markers_and_exit_1(tmp_path: Path) -> None:
    _overlap(tmp_path)
    report = write_tree(tmp_path, {"m.sql": BASE.replace("two\n", "TWO\n"), "other.txt": "x\n"}, META)
    assert actions(report)["m.sql"] == "conflict" and report.exit_code == 1
    text = (tmp_path / "m.sql").read_text()
    assert "<<<<<<< yours: m.sql\ntwo (mine)\n=======\nTWO\n>>>>>>> pipegen: m.sql\n" in text
    assert text.startswith("header\none\n") and text.endswith("three\nfour\nfive\nfooter\n")
    assert (tmp_path / ".pipegen/base/m.sql").read_text() == BASE, "the base stays until the conflict is resolved"
    assert (tmp_path / ".pipegen/pending/m.sql").read_text() == BASE.replace("two\n", "TWO\n")
    assert manifest(tmp_path)["markers"] == ["m.sql"]
    summary = render_summary(report)
    assert "markers at line(s) 3, 7" in summary and "hold conflict markers" in summary


def test_markers_keep_generate_and_check_failing_and_say_where(tmp_path: Path) -> None:
    _overlap(tmp_path)
    new = {"m.sql": BASE.replace("two\n", "TWO\n"), "other.txt": "x\n"}
    write_tree(tmp_path, new, META)
    marked = (tmp_path / "m.sql").read_bytes()
    for _ in range(2):
        assert plan_write(tmp_path, new, META).changed, "--check stays red"
        report = write_tree(tmp_path, new, META)
        change = next(c for c in report.changes if c.path == "m.sql")
        assert change.action == "conflict" and "markers remain at line(s) 3, 7" in change.detail
        assert report.exit_code == 1 and (tmp_path / "m.sql").read_bytes() == marked
    assert [s.states for s in file_states(plan_write(tmp_path, new, META), load_manifest(tmp_path)[0])] == [
        ("conflict", "edited")
    ]


def test_resolving_the_markers_is_recorded_by_the_next_generate(tmp_path: Path) -> None:
    _overlap(tmp_path)
    new = {"m.sql": BASE.replace("two\n", "TWO\n"), "other.txt": "x\n"}
    write_tree(tmp_path, new, META)
    resolved = BASE.replace("two\n", "TWO (mine)\n")
    (tmp_path / "m.sql").write_text(resolved)
    report = write_tree(tmp_path, new, META)
    assert actions(report)["m.sql"] == "resolved" and report.exit_code == 0
    assert (tmp_path / "m.sql").read_text() == resolved
    assert (tmp_path / ".pipegen/base/m.sql").read_text() == new["m.sql"]
    assert not (tmp_path / ".pipegen/pending").exists()
    assert "markers" not in manifest(tmp_path) and "pending" not in manifest(tmp_path)
    assert not plan_write(tmp_path, new, META).changed
    later = {"m.sql": new["m.sql"].replace("footer\n", "FOOTER\n"), "other.txt": "x\n"}
    assert actions(write_tree(tmp_path, later, META))["m.sql"] == "merge"
    assert (tmp_path / "m.sql").read_text() == resolved.replace("footer\n", "FOOTER\n")


def test_generator_moving_on_while_markers_remain_is_merged_after_the_resolution(tmp_path: Path) -> None:
    _overlap(tmp_path)
    first = {"m.sql": BASE.replace("two\n", "TWO\n"), "other.txt": "x\n"}
    write_tree(tmp_path, first, META)
    second = {"m.sql": first["m.sql"].replace("header\n", "HEADER\n"), "other.txt": "x\n"}
    assert actions(write_tree(tmp_path, second, META))["m.sql"] == "conflict"
    assert (tmp_path / ".pipegen/pending/m.sql").read_text() == first["m.sql"], "pending shows what the markers show"
    (tmp_path / "m.sql").write_text(BASE.replace("two\n", "TWO (mine)\n"))
    report = write_tree(tmp_path, second, META)
    assert actions(report)["m.sql"] == "merge", "the resolution is measured against the version it resolved"
    assert (tmp_path / "m.sql").read_text() == BASE.replace("two\n", "TWO (mine)\n").replace("header\n", "HEADER\n")


def test_the_same_merge_gives_the_same_bytes_every_run(tmp_path: Path) -> None:
    trees = []
    for name in ("a", "b"):
        out = tmp_path / name
        _overlap(out)
        write_tree(out, {"m.sql": BASE.replace("two\n", "TWO\n"), "other.txt": "x\n"}, META)
        trees.append((out / "m.sql").read_bytes())
    assert trees[0] == trees[1]
    runs = {merge_text(b"a\nmine\nc\n", b"a\nb\nc\n", b"a\ngen\nc\n", "p") for _ in range(5)}
    assert len(runs) == 1 and next(iter(runs)) is not None


def test_git_configuration_does_not_change_the_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = merge_text(b"a\nmine\nc\n", b"a\nb\nc\n", b"a\ngen\nc\n", "p")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[merge]\n\tconflictStyle = diff3\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'merge.conflictstyle'='zdiff3'")
    assert merge_text(b"a\nmine\nc\n", b"a\nb\nc\n", b"a\ngen\nc\n", "p") == plain


def test_without_git_a_double_edit_is_a_conflict_with_a_pending_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge_module.shutil, "which", lambda name: None)
    write_tree(tmp_path, {"m.sql": BASE}, META)
    (tmp_path / "m.sql").write_text(BASE.replace("one\n", "one -- mine\n"))
    report = write_tree(tmp_path, {"m.sql": BASE.replace("five\n", "FIVE\n")}, META)
    assert actions(report) == {"m.sql": "conflict"} and "pending/m.sql" in report.changes[0].detail
    assert (tmp_path / "m.sql").read_text() == BASE.replace("one\n", "one -- mine\n")
    assert "markers" not in manifest(tmp_path)


def test_binary_content_is_not_merged(tmp_path: Path) -> None:
    assert merge_text(b"a\0mine", b"a\0b", b"a\0gen", "p") is None


def test_deleted_generated_file_stays_deleted_and_is_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": "one\n", "b.txt": "b\n"}, META)
    (tmp_path / "a.txt").unlink()
    for text in ("one\n", "ONE\n"):  # whether or not the generator changed it
        report = write_tree(tmp_path, {"a.txt": text, "b.txt": "b\n"}, META)
        assert actions(report)["a.txt"] == "user-deleted" and report.exit_code == 0
        assert not (tmp_path / "a.txt").exists()
        assert "--restore-deleted" in render_summary(report)
    assert not plan_write(tmp_path, {"a.txt": "ONE\n", "b.txt": "b\n"}, META).changed
    states = file_states(plan_write(tmp_path, {"a.txt": "ONE\n", "b.txt": "b\n"}, META), load_manifest(tmp_path)[0])
    assert [(s.path, s.states) for s in states] == [("a.txt", ("deleted",))]
    restored = write_tree(tmp_path, {"a.txt": "ONE\n", "b.txt": "b\n"}, META, restore_deleted=True)
    assert actions(restored)["a.txt"] == "create" and (tmp_path / "a.txt").read_text() == "ONE\n"


def test_retired_files_removed_only_if_unedited_and_listed_until_gone(tmp_path: Path) -> None:
    write_tree(tmp_path, {"models/orders.sql": "select 1\n", "models/order_items.sql": "select 2\n"}, META)
    (tmp_path / "models/orders.sql").write_text("select 1 -- tuned\n")
    renamed = {"models/purchases.sql": "select 1\n", "models/purchase_items.sql": "select 2\n"}
    report = write_tree(tmp_path, renamed, META)
    assert actions(report) == {"models/orders.sql": "retired", "models/order_items.sql": "delete",
                               "models/purchases.sql": "create", "models/purchase_items.sql": "create"}  # fmt: skip
    assert (tmp_path / "models/orders.sql").read_text() == "select 1 -- tuned\n"
    assert not (tmp_path / "models/order_items.sql").exists()
    assert manifest(tmp_path)["retired"] == ["models/orders.sql"]
    states = file_states(plan_write(tmp_path, renamed, META), load_manifest(tmp_path)[0])
    assert [(s.path, s.states) for s in states] == [("models/orders.sql", ("retired",))]
    (tmp_path / "models/orders.sql").unlink()
    write_tree(tmp_path, renamed, META)
    assert "retired" not in manifest(tmp_path)


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (b"a\n<<<<<<< yours: x\nb\n=======\nc\n>>>>>>> pipegen: x\n", [2, 6]),
        (b"title\n=======\n", []),  # a Markdown heading underline is not a marker
        (b"a\n>>>>>>> pipegen: x\n", [2]),  # half a resolution still fails
        (b"<<<<<<<<< not a marker\n", []),
    ],
)
def test_marker_lines(text: bytes, lines: list[int]) -> None:
    assert marker_lines(text) == lines
