"""The write stage makes each folder once per run, not once per file in it (issue 24: a generate of
2,000 files asked for its folders 4,000 times), and a safe relative path is returned as given (it
was normalised through PurePosixPath, which changes nothing in a path `_problem` lets through).
Counts and equalities, not timings."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipegen.errors import WriteError
from pipegen.write import WriteMeta, write_tree
from pipegen.write.paths import safe_relpath

META = WriteMeta("1.0", "abc")


def test_each_folder_is_made_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"docs/part_{i}.md": f"# {i}\n" for i in range(40)} | {f"deep/er/f_{i}.txt": "x\n" for i in range(40)}
    asked: Counter[str] = Counter()
    mkdir = Path.mkdir

    def counting(self: Path, *args: object, **kwargs: object) -> None:
        asked[os.path.relpath(self, tmp_path)] += 1
        mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", counting)
    write_tree(tmp_path, files, META)
    # deep/er twice: mkdir(parents=True) asks again after making deep/; before, once per file in it (40)
    for top in ("", ".pipegen/base/"):
        assert asked[f"{top}docs"] == 1 and asked[f"{top}deep/er"] == 2, asked
    assert all((tmp_path / p).read_text() == text for p, text in files.items())


PART = st.text(st.characters(blacklist_characters="/\\\x00"), min_size=1, max_size=6)


@given(st.lists(st.one_of(PART, st.sampled_from(["", ".", "..", ".pipegen", "a"])), min_size=1, max_size=5))
def test_a_safe_relpath_is_what_purepath_would_make_of_it(parts: list[str]) -> None:
    path = "/".join(parts)
    try:
        safe = safe_relpath(path)
    except WriteError:
        return
    assert safe == str(PurePosixPath(path)) == path
