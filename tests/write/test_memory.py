"""The write stage holds one copy of what it writes (issue 24: peak RSS at 5,000 tables).

A plan keeps each generated file as the rendering's own text, encoded only when staged, and the
decision forgets each base copy once it is done with that path. Both are properties of the plan
the code builds, not timings or RSS thresholds."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from pathlib import Path

from pipegen.pipeline import prepare, renderer
from pipegen.write import WriteMeta, plan_write, sha256, write_tree
from pipegen.write.decide import BASE, BaseCopies, _text_sha256

META = WriteMeta("1.0", "abc")
EXAMPLES = Path(__file__).resolve().parents[2] / "specs"
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


def test_a_no_change_regenerate_holds_no_copy_of_an_unchanged_file(tmp_path: Path) -> None:
    """An unchanged file is decided from digests: the file on disk and its base copy hashed
    streamed, the rendering's text hashed a slice at a time. Before: its new bytes and its
    on-disk bytes were held at once (2x the file, 60 MB for lineage's jobs.json at 5,000
    tables), and before s35 its base copy as well (3x)."""
    size = 4 << 20
    files = {"lineage/jobs.json": "y" * (size - 1) + "\n"}
    write_tree(tmp_path, files, META)
    tracemalloc.start()
    try:
        plan = plan_write(tmp_path, files, META)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [c.action for c in plan.report.changes] == ["unchanged"] and not plan.ops
    assert peak < size / 4, f"deciding one unchanged {size}-byte file peaked at {peak} traced bytes"


def test_an_unchanged_file_s_text_hashes_as_its_utf8() -> None:
    text = "\u00e9\u2603\U0001f600 plain\n" * 1000
    for chunk in (1, 2, 3, 7, 1 << 20):
        assert _text_sha256(text, chunk) == sha256(text.encode("utf-8"))


def test_the_renderer_lets_go_of_the_spec_once_it_has_rendered(tmp_path: Path) -> None:
    """generate's rendering frees the validated models before the write stage (their ~100 MiB at
    5,000 tables was held beside the rendered tree while deciding and writing)."""
    ready = prepare(EXAMPLES / "hello.yaml")
    spec = weakref.ref(ready.spec)
    render = renderer(ready)
    del ready
    assert render(lambda _path: None)
    gc.collect()
    assert spec() is None, "the spec is still alive after its rendering"


def test_the_renderer_freezes_the_heap_only_while_it_renders() -> None:
    """The renderer freezes what is alive when it starts (the spec and its plan live through the
    rendering; the collector need not rescan them) and unfreezes it after, so nothing stays frozen
    once a command is done; a caller's own frozen objects are left as they are (neither refrozen
    nor unfrozen)."""
    counts: list[int] = []
    ready = prepare(EXAMPLES / "hello.yaml")
    render = renderer(ready)
    del ready
    assert gc.get_freeze_count() == 0
    files = render(lambda path: counts.append(gc.get_freeze_count()) or None)
    assert files and counts and min(counts) > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        counts = []
        ready = prepare(EXAMPLES / "hello.yaml")
        frozen = gc.get_freeze_count()  # only falls from here (a frozen object freed), never rises
        renderer(ready)(lambda path: counts.append(gc.get_freeze_count()) or None)
        assert counts and max(counts) <= frozen
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
