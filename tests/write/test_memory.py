"""The write stage holds one copy of what it writes (issue 24: peak RSS at 5,000 tables).

A plan keeps each generated file as the rendering's own text, encoded only when staged, and the
decision forgets each base copy once it is done with that path. Both are properties of the plan
the code builds, not timings or RSS thresholds."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from pipegen.write import WriteMeta, plan_write, write_tree
from pipegen.write.decide import BASE, BaseCopies

META = WriteMeta("1.0", "abc")
FILES = {"a.txt": "one \u00e9\n", "docs/b.md": "# b \u2603\n", "deep/er/c.txt": "c\nd\n"}


def test_a_fresh_plan_holds_the_rendered_text_not_an_encoded_copy(tmp_path: Path) -> None:
    plan = plan_write(tmp_path, FILES, META)
    written = {op.target: op for op in plan.ops if not op.target.startswith(".pipegen/manifest")}
    assert set(written) == set(FILES) | {f"{BASE}/{p}" for p in FILES}
    for path, text in FILES.items():
        for target in (path, f"{BASE}/{path}"):
            op = written[target]
            assert op.data is text, f"{target}: the plan holds a second copy of the generated text"
            assert op.payload() == text.encode("utf-8")


def test_the_written_bytes_are_the_utf8_of_the_text(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES, META)
    for path, text in FILES.items():
        assert (tmp_path / path).read_bytes() == text.encode("utf-8")
        assert (tmp_path / BASE / path).read_bytes() == text.encode("utf-8")


def test_the_decision_forgets_each_base_copy_it_read(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES, META)
    changed = {**FILES, "a.txt": "two\n"}
    base = BaseCopies(tmp_path)
    plan = plan_write(tmp_path, changed, META, base=base)
    assert [c.action for c in plan.report.changes if c.path == "a.txt"] == ["update"]
    assert base.held() == 0, "base copies stay held after the decision"


def test_the_base_reader_keeps_digests_not_the_copies_bytes(tmp_path: Path) -> None:
    """A rendering that reads every previous copy (gx's suite changes do) leaves nothing of their
    bytes held, and the decision still sees a no-change regenerate as unchanged."""
    big = {f"suite_{i}.json": ("x" * 1023 + "\n") * 512 for i in range(8)}  # 8 copies of 512 KiB
    write_tree(tmp_path, big, META)
    base = BaseCopies(tmp_path)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for path, text in big.items():
            assert base.read(path) == text.encode("utf-8")
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, f"the reader holds {after - before} bytes after reading 4 MiB of copies"
    plan = plan_write(tmp_path, big, META, base=base)
    assert not plan.report.changed and not plan.ops
    assert base.held() == 0


def test_a_no_change_regenerate_does_not_hold_a_base_copy_beside_the_file(tmp_path: Path) -> None:
    """The largest file of a regenerate is held as its new bytes and its on-disk bytes while it is
    decided; its base copy is only hashed, streamed (before: a third copy, 90 MB at 5,000 tables)."""
    size = 4 << 20
    files = {"lineage/jobs.json": "y" * (size - 1) + "\n"}
    write_tree(tmp_path, files, META)
    tracemalloc.start()
    try:
        plan = plan_write(tmp_path, files, META)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not plan.report.changed
    assert peak < 2.5 * size, f"deciding one {size}-byte file peaked at {peak} traced bytes"
