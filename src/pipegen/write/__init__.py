"""Write stage: bring an output directory up to date without losing a user's edit.

See docs/regeneration.md. `plan_write` decides (reads only), `apply` performs the plan
atomically, `recover` rolls back an interrupted run. `write_tree` (recover + decide +
apply) and `preview` (decide only, for --dry-run/--check/--diff/status) hold the output
directory's lock, so two pipegen runs never interleave.

Both take the files, or a function that renders them from the last generated copies
(`.pipegen/base/`, read by `base_reader`): that is called under the lock, after recovery,
so a rendering never reads base copies an interrupted run left half-replaced, and every
command that renders (generate, --check, status) reads them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from pipegen.errors import WriteError
from pipegen.write.apply import _apply, _recover, apply, interrupted, recover
from pipegen.write.decide import BaseCopies, FileChange, Op, WriteMeta, WritePlan, WriteReport, plan_write
from pipegen.write.disk import write_error
from pipegen.write.lock import output_lock
from pipegen.write.manifest import FORMAT, Manifest, load_manifest, refuse_newer, sha256
from pipegen.write.modes import DEFAULT_MODE, EXECUTABLE_MODE, OutFile
from pipegen.write.paths import META_DIR, safe_relpath
from pipegen.write.report import render_summary, unified_diff

Files = Mapping[str, str | OutFile]
Reader = Callable[[str], str | None]
Render = Callable[[Reader], Files]


def _files(out: Path, files: Files | Render, base: BaseCopies) -> Files:
    return files(base_reader(out, base)) if callable(files) else files


def _recovery_note(kept: tuple[str, ...]) -> str:
    if not kept:
        return "an interrupted run was rolled back: the previous files and manifest are restored"
    shown = ", ".join(kept[:10]) + (", ..." if len(kept) > 10 else "")
    return (f"an interrupted run was rolled back: the previous files and manifest are restored, except your "
            f"changes made since, which are kept ({shown}); they are merged below like any edit")  # fmt: skip


def write_tree(
    out: Path,
    files: Files | Render,
    meta: WriteMeta,
    *,
    restore_deleted: bool = False,
    on_plan: Callable[[WritePlan], None] | None = None,
) -> WriteReport:
    """Under the lock: refuse a manifest from a newer pipegen, recover any interrupted run, decide,
    show the plan (`on_plan`, before anything is written), apply."""
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} exists and is not a directory", hint="pass another --output folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, f"cannot create the output folder {out}", after="nothing was written") from exc
    with output_lock(out):
        refuse_newer(out, meta.generator_version)  # before recovery touches anything
        kept = _recovered(out)
        planned = _planned(out, files, meta, restore_deleted)
        if kept is not None:
            report = replace(planned.report, notes=(_recovery_note(kept),))
            planned = replace(planned, report=report)
        if on_plan is not None:
            on_plan(planned)
        return _apply(planned)


def _recovered(out: Path) -> tuple[str, ...] | None:
    try:
        return _recover(out)
    except OSError as exc:
        after = f"the restore resumes from {out / META_DIR}/txn when you run generate again"
        raise write_error(exc, f"restoring the run interrupted in {out} failed", path=out, after=after) from exc


def _planned(out: Path, files: Files | Render, meta: WriteMeta, restore_deleted: bool) -> WritePlan:
    """plan_write, with a file-system error (an unreadable file, say) naming its path."""
    base = BaseCopies(out)  # read once, by the rendering and the decision alike
    try:
        return plan_write(out, _files(out, files, base), meta, restore_deleted=restore_deleted, base=base)
    except OSError as exc:
        raise write_error(exc, f"reading {out} failed", path=out, after="nothing was written") from exc


def base_reader(out: Path, base: BaseCopies | None = None) -> Callable[[str], str | None]:
    """Reads the last generated copy of a file (`.pipegen/base/<path>`): a regular UTF-8 file
    at a safe path, else None (never generated, or not readable as text). Text as `read_text`
    gives it (universal newlines). Through `base`, the decision reuses what was read."""
    copies = base if base is not None else BaseCopies(out)

    def read(rel: str) -> str | None:
        try:
            data = copies.read(safe_relpath(rel))
            text = None if data is None else data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")

    return read


def preview(out: Path, files: Files | Render, meta: WriteMeta, *, restore_deleted: bool = False) -> WritePlan:
    """What write_tree would do, writing nothing (the lock file aside). Waits for a run in progress;
    refuses when an interrupted run has to be rolled back first."""
    if not (out / META_DIR).is_dir():  # never generated here: no lock
        return _planned(out, files, meta, restore_deleted)
    with output_lock(out, read_only=True):
        if interrupted(out):
            raise WriteError(f"an interrupted run left {out / META_DIR}/txn",
                             hint="run `pipegen generate` to restore the previous files")  # fmt: skip
        return _planned(out, files, meta, restore_deleted)


__all__ = [
    "DEFAULT_MODE", "EXECUTABLE_MODE", "FORMAT", "FileChange", "Files", "Manifest", "Op", "OutFile", "Reader",
    "Render", "WriteMeta", "WritePlan", "WriteReport", "apply", "base_reader", "interrupted", "load_manifest",
    "plan_write", "preview", "recover", "render_summary", "safe_relpath", "sha256", "unified_diff", "write_tree",
]  # fmt: skip
