"""The write stage holds one copy of what it writes (issue 24: peak RSS at 5,000 tables).

A plan keeps each generated file as the rendering's own text, encoded only when staged, and the
decision forgets each base copy once it is done with that path. Both are properties of the plan
the code builds, not timings or RSS thresholds."""

from __future__ import annotations

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


def test_after_the_rendering_the_decision_holds_digests_not_bytes(tmp_path: Path) -> None:
    """A rendering that reads every previous copy (gx's suite changes do) leaves them read; the
    decision sheds their bytes first and still sees a no-change regenerate as unchanged."""
    write_tree(tmp_path, FILES, META)
    base = BaseCopies(tmp_path)
    for path, text in FILES.items():
        assert base.read(path) == text.encode("utf-8")
    held: list[int] = []
    real_digest = base.digest

    def digest(path: str) -> str | None:
        held.append(sum(1 for p in FILES if p in base._seen))
        return real_digest(path)

    base.digest = digest  # type: ignore[method-assign]
    plan = plan_write(tmp_path, FILES, META, base=base)
    assert not plan.report.changed and not plan.ops
    assert held and max(held) == 0, "the decision holds the copies' bytes the rendering read"
    assert base.held() == 0
