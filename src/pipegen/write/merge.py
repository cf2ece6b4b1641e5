"""Three-way merge of one file's content: `git merge-file` (the user's file, the last generated
copy as base, the new generated version), and finding the conflict markers it leaves.

git is required for automatic merges: without it (or for content git refuses, such as a
binary file) `merge_text` returns None and the write stage reports a conflict with the new
version in `.pipegen/pending/`, as it does for any file it cannot merge. No pure-Python
fallback: a merge that differs from git's in corner cases would be worse than none.

Deterministic: the same three inputs give the same bytes on every run and machine. The
conflict style is fixed on the command line (`merge`, no base section), the user's and the
system's git configuration are not read, and the labels carry only the path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

OURS = "yours"
THEIRS = "pipegen"
BASE_LABEL = "last generated"
_MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)


@dataclass(frozen=True)
class Merged:
    data: bytes
    conflicts: int  # conflicting hunks; 0 for a clean merge


def git_available() -> bool:
    return shutil.which("git") is not None


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def merge_text(user: bytes, base: bytes, generated: bytes, path: str) -> Merged | None:
    """Merge the user's and the generator's changes to `base`; None when git cannot (absent, binary)."""
    git = shutil.which("git")
    if git is None or b"\0" in user + base + generated:
        return None
    with tempfile.TemporaryDirectory(prefix="pipegen-merge-") as tmp:
        names = []
        for name, data in (("user", user), ("base", base), ("generated", generated)):
            (Path(tmp) / name).write_bytes(data)
            names.append(name)
        labels = ["-L", f"{OURS}: {path}", "-L", f"{BASE_LABEL}: {path}", "-L", f"{THEIRS}: {path}"]
        done = subprocess.run(
            [git, "-c", "merge.conflictStyle=merge", "merge-file", "-p", *labels, *names],
            cwd=tmp, env=_env(), capture_output=True, check=False, timeout=60,
        )  # fmt: skip
    if done.returncode < 0 or done.returncode > 127:
        return None
    return Merged(done.stdout, done.returncode)


def marker_lines(data: bytes) -> list[int]:
    """1-based lines holding a conflict marker (`<<<<<<< ` or `>>>>>>> `); empty once resolved.
    A lone `=======` is not counted: it is also a Markdown heading underline."""
    return [data.count(b"\n", 0, m.start()) + 1 for m in _MARKER.finditer(data)]


def has_markers(data: bytes) -> bool:
    return bool(marker_lines(data))
