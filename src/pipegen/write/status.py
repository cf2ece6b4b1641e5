"""`pipegen status`: the state of every generated file, from the plan a generate would make.

States (a file may have several): `edited` (differs from what pipegen last wrote), `stale`
(the next generate would write, delete or record it), `deleted` (you deleted it; it stays
deleted), `retired` (no longer generated, kept because you changed it), `conflict` (markers or
a pending version wait for you).

Status reads the same plan as `generate --check` and exits as it does: 1 when any path is
`stale` or in `conflict` (the check would fail), 0 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipegen.write.decide import WritePlan
from pipegen.write.disk import inspect
from pipegen.write.manifest import Manifest, sha256

STATES = ("conflict", "edited", "stale", "deleted", "retired")
_BY_ACTION: dict[str, tuple[str, ...]] = {
    "create": ("stale",),
    "update": ("stale",),
    "merge": ("edited", "stale"),
    "conflict": ("conflict",),
    "delete": ("stale",),
    "retired": ("retired", "stale"),  # the run that retires it records that in the manifest
    "resolved": ("stale",),
    "adopt": ("stale",),
    "user-deleted": ("deleted",),
    "record": ("stale",),
    "kept": ("edited",),  # your content or mode, kept
    "unchanged": (),
}


@dataclass(frozen=True)
class FileStatus:
    path: str
    states: tuple[str, ...]
    detail: str


def file_states(plan: WritePlan, manifest: Manifest) -> list[FileStatus]:
    """Every file with at least one state, sorted by path."""
    states: dict[str, set[str]] = {}
    details: dict[str, str] = {}
    for change in plan.report.changes:
        states.setdefault(change.path, set()).update(_BY_ACTION[change.action])
        details[change.path] = change.detail
    for path, digest in manifest.files.items():
        disk = inspect(plan.out, path)
        if disk.data is not None and sha256(disk.data) != digest:
            states.setdefault(path, set()).add("edited")
    for path in manifest.retired:
        if inspect(plan.out, path).regular:
            states.setdefault(path, set()).add("retired")
    return [
        FileStatus(path, tuple(s for s in STATES if s in found), details.get(path, ""))
        for path, found in sorted(states.items())
        if found
    ]


def status_exit(items: list[FileStatus]) -> int:
    """1 exactly when `generate --check` fails on the same plan: something stale or in conflict."""
    return 1 if any(s in ("stale", "conflict") for i in items for s in i.states) else 0


def render_status(items: list[FileStatus], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{"path": i.path, "states": list(i.states), "detail": i.detail} for i in items], indent=2)
    if not items:
        return "every generated file is as pipegen wrote it and up to date"
    width = max(len(", ".join(i.states)) for i in items)
    return "\n".join(f"  {', '.join(i.states):<{width}}  {i.path}" for i in items)
