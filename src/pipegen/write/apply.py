"""Apply a WritePlan atomically with respect to interruption, and recover from one.

Protocol (all paths under `.pipegen/txn/`):
1. stage every new file under `stage/`, fsynced;
2. write `journal.json` (temp file, fsync, rename): the commit point;
3. for each operation: move the old file (if any) to `backup/`, then move the staged file
   into place (or leave it deleted); the manifest is the last operation;
4. delete the journal (the run is complete), then the rest of `txn/`.
`recover` rolls an interrupted run BACK: with a journal, every backed-up file is restored
and every file the run created is removed, so the previous tree and manifest are intact;
without one, nothing had been touched and the staging area is discarded. Recovery is
idempotent, so a crash during recovery is recovered by the next one.

Test hook: PIPEGEN_FAULT_AFTER_OPS=N kills the process (SIGKILL) after the Nth filesystem
operation of step 3; PIPEGEN_FAULT_AFTER_OPS=stage kills it after staging.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

from pipegen.write.decide import WritePlan, WriteReport
from pipegen.write.paths import META_DIR, check_inside, safe_relpath

TXN = f"{META_DIR}/txn"
JOURNAL = "journal.json"


def _fsync_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    path.chmod(0o644)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Fault:
    def __init__(self) -> None:
        self.setting = os.environ.get("PIPEGEN_FAULT_AFTER_OPS", "")
        self.count = 0

    def at(self, stage: str) -> None:
        if self.setting == stage:
            os.kill(os.getpid(), signal.SIGKILL)

    def step(self) -> None:
        self.count += 1
        if self.setting.isdigit() and self.count == int(self.setting):
            os.kill(os.getpid(), signal.SIGKILL)


def _target(out: Path, rel: str) -> Path:
    """A journal or plan target: a safe path in the tree, or under .pipegen/ (base, pending, manifest)."""
    inner = rel[len(META_DIR) + 1 :] if rel.startswith(f"{META_DIR}/") else None
    safe_relpath(inner if inner is not None else rel)
    return check_inside(out, rel)


def apply(plan: WritePlan) -> WriteReport:
    out = plan.out
    recover(out)
    if not plan.ops:
        return plan.report
    txn = out / TXN
    fault = _Fault()
    entries = []
    for i, op in enumerate(plan.ops):
        target = _target(out, op.target)
        staged = None
        if op.data is not None:
            staged = f"stage/{i}"
            _fsync_write(txn / staged, op.data)
        backup = f"backup/{i}" if target.exists() else None
        entries.append({"target": op.target, "stage": staged, "backup": backup})
    (txn / "backup").mkdir(parents=True, exist_ok=True)
    fault.at("stage")
    tmp = txn / (JOURNAL + ".tmp")
    _fsync_write(tmp, json.dumps({"ops": entries}, indent=1).encode())
    tmp.replace(txn / JOURNAL)
    _fsync_dir(txn)
    for entry in entries:
        target = _target(out, str(entry["target"]))
        if entry["backup"]:
            target.replace(txn / str(entry["backup"]))
            fault.step()
        if entry["stage"]:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            (txn / str(entry["stage"])).replace(target)
            fault.step()
    _finish(txn)
    _prune_empty(out, [str(e["target"]) for e in entries if not e["stage"]])
    return plan.report


def _finish(txn: Path) -> None:
    (txn / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(txn)
    shutil.rmtree(txn, ignore_errors=True)


def _prune_empty(out: Path, removed: list[str]) -> None:
    """Remove directories left empty by deleted files (never the output dir itself)."""
    for rel in removed:
        parent = (out / rel).parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def interrupted(out: Path) -> bool:
    return (out / TXN).exists()


def recover(out: Path) -> bool:
    """Roll back an interrupted run. True if there was one."""
    txn = out / TXN
    if not txn.exists():
        return False
    journal = txn / JOURNAL
    if journal.is_file():
        entries = json.loads(journal.read_text(encoding="utf-8"))["ops"]
        created = []
        for entry in reversed(entries):
            target = _target(out, str(entry["target"]))
            backup = txn / str(entry["backup"]) if entry["backup"] else None
            if backup is not None and backup.exists():
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
                backup.replace(target)
            elif backup is None and target.exists() and (entry["stage"] is None or not (txn / entry["stage"]).exists()):
                target.unlink()
                created.append(str(entry["target"]))
        _prune_empty(out, created)
    _finish(txn)
    return True
