"""A no-change regenerate reads each file once: the rendering's base reader and the decision
share what they read (issue 24). Opens are counted with an audit hook, independent of the code."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pipegen.write import WriteMeta, write_tree

META = WriteMeta("1.0", "abc")
FILES = {"a.txt": "one\n", "docs/b.md": "# b\n", "deep/er/c.txt": "c\r\nd\re\n"}
OPENS: Counter[str] = Counter()
WATCHED: list[str] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and WATCHED and isinstance(args[0], str | bytes | os.PathLike):
        path = os.path.realpath(os.fsdecode(args[0]))  # type: ignore[arg-type]
        mode, flags = args[1], args[2]
        reading = "r" in mode if isinstance(mode, str) else int(flags or 0) & os.O_ACCMODE == os.O_RDONLY  # type: ignore[call-overload]
        if reading and path.startswith(WATCHED[0]):
            OPENS[path[len(WATCHED[0]) :]] += 1


sys.addaudithook(_hook)  # audit hooks cannot be removed: it counts only while WATCHED is set


def render_reading_base(seen: dict[str, str | None]) -> Callable[[Callable[[str], str | None]], dict[str, str]]:
    def render(previous: Callable[[str], str | None]) -> dict[str, str]:
        for path in FILES:  # like gx's suite changes: every previous copy is read
            seen[path] = previous(path)
        return FILES

    return render


def test_no_change_regenerate_reads_each_file_and_base_copy_once(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES, META)
    seen: dict[str, str | None] = {}
    WATCHED.append(os.path.realpath(tmp_path) + os.sep)
    try:
        report = write_tree(tmp_path, render_reading_base(seen), META)
    finally:
        WATCHED.clear()
    assert not report.changed
    assert seen == {p: t.replace("\r\n", "\n").replace("\r", "\n") for p, t in FILES.items()}, "read as read_text"
    for path in FILES:
        assert OPENS[path] == 1, (path, OPENS)
        assert OPENS[f".pipegen/base/{path}"] == 1, (path, OPENS)
