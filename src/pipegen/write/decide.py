"""Decide, per path, what a write would do. Reads the disk; writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipegen.write.manifest import MANIFEST, Manifest, load_manifest, sha256
from pipegen.write.paths import META_DIR, check_inside, safe_relpath

Action = Literal["create", "update", "unchanged", "kept", "conflict", "resolved", "adopt", "delete", "retired"]
CHANGING: frozenset[str] = frozenset({"create", "update", "conflict", "resolved", "adopt", "delete", "retired"})
BASE = f"{META_DIR}/base"
PENDING = f"{META_DIR}/pending"


@dataclass(frozen=True)
class WriteMeta:
    generator_version: str
    spec_hash: str


@dataclass(frozen=True)
class FileChange:
    path: str
    action: Action
    detail: str = ""


@dataclass(frozen=True)
class Op:
    """Make `target` (relative to the output dir) hold `data`, or delete it when data is None."""

    target: str
    data: bytes | None


@dataclass(frozen=True)
class WriteReport:
    out: Path
    changes: tuple[FileChange, ...]

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.action == "conflict"]

    @property
    def changed(self) -> bool:
        return any(c.action in CHANGING for c in self.changes)

    @property
    def exit_code(self) -> int:
        return 1 if self.conflicts else 0


@dataclass(frozen=True)
class WritePlan:
    out: Path
    report: WriteReport
    ops: tuple[Op, ...]
    before: dict[str, str | None] = field(default_factory=dict)  # on-disk text, for diffs
    after: dict[str, str | None] = field(default_factory=dict)  # would-be text

    @property
    def changed(self) -> bool:
        return self.report.changed or any(op.target == MANIFEST for op in self.ops)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


@dataclass
class _Builder:
    out: Path
    old: Manifest
    changes: list[FileChange] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    before: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)
    conflicted: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)

    def emit(self, path: str, action: Action, detail: str = "") -> None:
        self.changes.append(FileChange(path, action, detail))

    def put(self, target: str, data: bytes | None) -> None:
        self.ops.append(Op(target, data))

    def generated(self, path: str, text: str) -> None:
        new = text.encode("utf-8")
        disk = _read(check_inside(self.out, path))
        base = _read(self.out / BASE / path)
        tracked = self.old.files.get(path)
        if tracked is None:
            self._untracked(path, new, disk)
        elif disk is not None and sha256(disk) == tracked:
            self._untouched(path, new, disk, base)
        else:
            self._edited(path, new, disk, base, tracked)

    def _untracked(self, path: str, new: bytes, disk: bytes | None) -> None:
        if disk is None:
            self.emit(path, "create")
            self._write(path, new, disk)
        elif disk == new:
            self.emit(path, "adopt", "already identical; now tracked")
            self.put(f"{BASE}/{path}", new)
            self.files[path] = sha256(new)
        elif self._resolved(path, new):
            self._accept(path, new, "you kept your own file; pipegen tracks it from now on")
        else:
            self._conflict(path, new, disk, "it exists and pipegen did not write it")

    def _untouched(self, path: str, new: bytes, disk: bytes, base: bytes | None) -> None:
        if disk == new:
            self.emit(path, "unchanged")
            self.files[path] = sha256(new)
            if base != new:
                self.put(f"{BASE}/{path}", new)
        else:
            self.emit(path, "update")
            self._write(path, new, disk)

    def _edited(self, path: str, new: bytes, disk: bytes | None, base: bytes | None, tracked: str) -> None:
        what = "you deleted it" if disk is None else "you edited it"
        if base is not None and base == new:
            self.emit(path, "kept", f"{what}; the generator's version is unchanged")
            self.files[path] = tracked
        elif disk == new:
            self._accept(path, new, "your file now equals the generated version")
        elif self._resolved(path, new):
            self._accept(path, new, "you deleted the pending file: your version is kept as the merge")
        else:
            self._conflict(path, new, disk, what)
            self.files[path] = tracked

    def _resolved(self, path: str, new: bytes) -> bool:
        """The user dealt with the conflict pipegen reported for exactly this version: the
        pending file it wrote is gone."""
        return self.old.pending.get(path) == sha256(new) and not (self.out / PENDING / path).exists()

    def _accept(self, path: str, new: bytes, detail: str) -> None:
        """The user's file stays; `new` becomes the base the next changes are measured from."""
        self.emit(path, "resolved", detail)
        self.put(f"{BASE}/{path}", new)
        self.files[path] = sha256(new)

    def _write(self, path: str, new: bytes, disk: bytes | None) -> None:
        self.put(path, new)
        self.put(f"{BASE}/{path}", new)
        self.files[path] = sha256(new)
        self.before[path], self.after[path] = _text(disk), new.decode("utf-8")

    def _conflict(self, path: str, new: bytes, disk: bytes | None, why: str) -> None:
        self.emit(path, "conflict", f"{why}; the new version is in {PENDING}/{path}")
        self.conflicted.add(path)
        self.pending[path] = sha256(new)
        if _read(self.out / PENDING / path) != new:
            self.put(f"{PENDING}/{path}", new)
        self.before[path], self.after[path] = _text(disk), new.decode("utf-8")

    def retired(self, path: str) -> None:
        disk = _read(check_inside(self.out, path))
        if disk is not None and sha256(disk) == self.old.files[path]:
            self.emit(path, "delete", "no longer generated")
            self.put(path, None)
            self.before[path], self.after[path] = _text(disk), None
        else:
            self.emit(path, "retired", "no longer generated; kept because you changed it")
        if (self.out / BASE / path).is_file():
            self.put(f"{BASE}/{path}", None)

    def stale_pending(self) -> None:
        root = self.out / PENDING
        if not root.is_dir():
            return
        for item in sorted(root.rglob("*")):
            rel = str(item.relative_to(root).as_posix())
            if item.is_file() and rel not in self.conflicted:
                self.put(f"{PENDING}/{safe_relpath(rel)}", None)


def plan_write(out: Path, files: Mapping[str, str], meta: WriteMeta) -> WritePlan:
    """What writing `files` into `out` would do, without doing it."""
    old, old_raw = load_manifest(out)
    builder = _Builder(out, old)
    for path in sorted(files):
        builder.generated(safe_relpath(path), files[path])
    for path in sorted(set(old.files) - {safe_relpath(p) for p in files}):
        builder.retired(path)
    builder.stale_pending()
    manifest = Manifest(meta.generator_version, meta.spec_hash, builder.files, builder.pending).dumps().encode()
    if manifest != old_raw:
        builder.put(MANIFEST, manifest)
    report = WriteReport(out, tuple(sorted(builder.changes, key=lambda c: c.path)))
    return WritePlan(out, report, tuple(builder.ops), builder.before, builder.after)
