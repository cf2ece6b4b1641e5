"""The example specs shipped with pipegen (specs/ in the repo, pipegen/_data/specs in the wheel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipegen.errors import UserError, did_you_mean
from pipegen.resources import data_dir

MODELINE_PREFIX = "# yaml-language-server:"


@dataclass(frozen=True)
class Example:
    name: str
    path: Path
    summary: str


def _summary(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and not line.startswith(MODELINE_PREFIX):
            return line.lstrip("# ").strip()
    return ""


def examples() -> list[Example]:
    folder = data_dir("specs")
    return [Example(p.stem, p, _summary(p)) for p in sorted(folder.glob("*.yaml"))]


def find(name: str) -> Example:
    known = examples()
    for example in known:
        if name in (example.name, example.path.name):
            return example
    names = [e.name for e in known]
    raise UserError(
        f"no example spec named '{name}' (and no such file)",
        hint=did_you_mean(name, names) or "examples: " + ", ".join(names),
    )
