"""Write stage: bring an output directory up to date without losing a user's edit.

See docs/regeneration.md. `plan_write` decides (reads only), `apply` performs the plan
atomically, `recover` rolls back an interrupted run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipegen.errors import WriteError
from pipegen.write.apply import apply, interrupted, recover
from pipegen.write.decide import FileChange, Op, WriteMeta, WritePlan, WriteReport, plan_write
from pipegen.write.manifest import Manifest, load_manifest, sha256
from pipegen.write.paths import safe_relpath
from pipegen.write.report import render_summary, unified_diff


def write_tree(out: Path, files: Mapping[str, str], meta: WriteMeta) -> WriteReport:
    """Recover any interrupted run, decide, apply."""
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} exists and is not a directory", hint="pass another --output folder")
    out.mkdir(parents=True, exist_ok=True)
    recover(out)
    return apply(plan_write(out, files, meta))


__all__ = [
    "FileChange", "Manifest", "Op", "WriteMeta", "WritePlan", "WriteReport", "apply", "interrupted",
    "load_manifest", "plan_write", "recover", "render_summary", "safe_relpath", "sha256", "unified_diff",
    "write_tree",
]  # fmt: skip
