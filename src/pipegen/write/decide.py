"""Decide, per path, what a write would do. Reads the disk; writes nothing.

A file has two parts that are merged separately: its content and its mode. For each, the
user's side wins when only the user changed it, the generator's when only the generator
did, and changes on both sides to different values are a conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from pipegen.errors import WriteError
from pipegen.write.disk import Disk, inspect, regular_digest
from pipegen.write.manifest import MANIFEST, Manifest, load_manifest, sha256
from pipegen.write.merge import marker_lines, merge_text
from pipegen.write.modes import DEFAULT_MODE, OutFile, as_outfile, current_umask, mode_text, same_mode
from pipegen.write.paths import META_DIR, safe_relpath

Action = Literal[
    "create",
    "update",
    "merge",
    "unchanged",
    "kept",
    "conflict",
    "resolved",
    "adopt",
    "delete",
    "retired",
    "user-deleted",
    "record",
]
# what makes a plan write something (and `--check` fail); "record" stands for writes to pipegen's
# own records (.pipegen/) that no file's action accounts for, so a plan never writes while
# saying "up to date"
CHANGING: frozenset[str] = frozenset(
    {"create", "update", "merge", "conflict", "resolved", "adopt", "delete", "retired", "record"}
)
T = TypeVar("T")
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
    blocked: bool = False  # a conflict with something that is not a regular file pipegen may replace
    markers: bool = False  # a conflict written into the file as conflict markers


@dataclass(frozen=True)
class Op:
    """Make `target` (relative to the output dir) hold `data` with `mode`, or delete it when data is None.

    Generated content is kept as the rendering's own text (`str`) and encoded to UTF-8 only when
    it is staged (`payload`): a plan of thousands of files holds one copy of each, not two."""

    target: str
    data: bytes | str | None
    mode: int = DEFAULT_MODE
    expect: str | None = None  # sha256 of the regular file the decision saw at target, None for none

    def payload(self) -> bytes | None:
        """The bytes the target will hold (None: delete it)."""
        return self.data.encode("utf-8") if isinstance(self.data, str) else self.data


@dataclass(frozen=True)
class WriteReport:
    out: Path
    changes: tuple[FileChange, ...]
    notes: tuple[str, ...] = ()  # said before the plan (e.g. an interrupted run was rolled back)

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
        """Whether a write would touch anything; plan_write makes this the report's `changed`."""
        return self.report.changed or bool(self.ops)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def _file_sha256(path: Path) -> str | None:
    """sha256 of what `_read` would return, streamed: the file's bytes are never all held (a
    regenerate decides its largest file, lineage's, beside that file's new and on-disk bytes)."""
    if not path.is_file() or path.is_symlink():
        return None
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class BaseCopies:
    """The last generated copies (`.pipegen/base/<path>`) as the rendering and the decision read
    them, under one lock and after recovery, while nothing writes them. Each copy is read from disk
    once: the reader keeps its SHA-256, not its bytes, which is all the decision compares; the
    bytes are read again only for a three-way merge. A failed read is not kept (it is retried)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._digests: dict[str, str | None] = {}

    def read(self, path: str) -> bytes | None:
        """The copy of the normalised relative `path`, None when there is no regular file."""
        data = _read(self.out / BASE / path)
        self._digests[path] = None if data is None else sha256(data)
        return data

    def digest(self, path: str) -> str | None:
        """The SHA-256 of `path`'s copy (None: no copy), streamed from disk if it was not read."""
        if path not in self._digests:
            self._digests[path] = _file_sha256(self.out / BASE / path)
        return self._digests[path]

    def held(self) -> int:
        """How many copies' digests are held (a method, not `__len__`: an empty reader stays truthy)."""
        return len(self._digests)

    def release(self, path: str) -> None:
        """Forget `path`'s copy: the decision is done with it (the rendering ran before)."""
        self._digests.pop(path, None)


def _text_sha256(text: str, chunk: int = 1 << 18) -> str:
    """sha256 of `text` in UTF-8, encoded a slice of `chunk` characters at a time (slices of a
    `str` split between code points, so the bytes hashed are exactly `text.encode()`)."""
    digest = hashlib.sha256()
    for start in range(0, len(text), chunk):
        digest.update(text[start : start + chunk].encode("utf-8"))
    return digest.hexdigest()


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def merge3(user: T, generated: T, old: T) -> tuple[T, bool]:
    """(result, conflict) of a three-way merge of one value."""
    if user in (old, generated):
        return generated, False
    if generated == old:
        return user, False
    return user, True


@dataclass
class _Builder:
    out: Path
    old: Manifest
    umask: int
    going: set[str] = field(default_factory=set)  # tracked regular files this run deletes
    changes: list[FileChange] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    before: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)
    conflicted: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)
    retired: set[str] = field(default_factory=set)
    restore_deleted: bool = False
    base: BaseCopies | None = None  # set in __post_init__ unless shared with the rendering
    current: tuple[bytes, str] | None = None  # the file being decided: its encoded bytes and its text

    def __post_init__(self) -> None:
        if self.base is None:
            self.base = BaseCopies(self.out)

    def _new_text(self, new: bytes) -> str:
        """The generated text for `after` (the rendering's string, not a decoded copy)."""
        text = self._as_text(new)
        return text if isinstance(text, str) else new.decode("utf-8")

    def copies(self) -> BaseCopies:
        assert self.base is not None
        return self.base

    def emit(self, path: str, action: Action, detail: str = "", blocked: bool = False, markers: bool = False) -> None:
        self.changes.append(FileChange(path, action, detail, blocked, markers))

    def put(self, target: str, data: bytes | None, mode: int = DEFAULT_MODE) -> None:
        seen = inspect(self.out, target).data
        self.ops.append(Op(target, self._as_text(data), mode, None if seen is None else sha256(seen)))

    def _as_text(self, data: bytes | None) -> bytes | str | None:
        """The generated bytes of the file being decided are written as its text: the rendering
        holds that text anyway, and the bytes are encoded again, one file at a time, when staged."""
        current = self.current
        return current[1] if current is not None and data is current[0] else data

    def track(self, path: str, digest: str, mode: int) -> None:
        self.files[path], self.modes[path] = digest, mode

    def generated(self, path: str, gen: OutFile) -> None:
        if self._unchanged(path, gen):
            self.copies().release(path)
            return
        new = gen.text.encode("utf-8")
        self.current = (new, gen.text)
        disk = inspect(self.out, path, self.going)
        tracked = self.old.files.get(path)
        try:
            if disk.blocker is not None:
                self._in_the_way(path, new, gen.mode, disk.blocker, tracked)
            elif tracked is None:
                self._untracked(path, new, gen.mode, disk)
            else:
                self._tracked(path, new, gen.mode, disk, tracked)
        finally:
            self.current = None
            self.copies().release(path)

    def _unchanged(self, path: str, gen: OutFile) -> bool:
        """The common case of a regenerate, decided from digests alone (the file on disk hashed
        streamed, the rendering's text hashed a slice at a time): a tracked file that neither
        the user nor the generator changed, content or mode, with its base copy current. It is
        exactly what `_tracked` decides as "unchanged" from the whole bytes, without holding
        the new bytes beside the file's (lineage's ~30 MB jobs.json at 5,000 tables). Anything
        else (False) goes the whole way."""
        tracked = self.old.files.get(path)
        old_mode = self.old.mode(path)
        if tracked is None or gen.mode != old_mode or path in self.old.pending or path in self.old.markers:
            return False
        seen = regular_digest(self.out, path, self.going)
        if seen is None or seen[0] != tracked or not same_mode(seen[1], old_mode, self.umask):
            return False
        if self.copies().digest(path) != tracked or _text_sha256(gen.text) != tracked:
            return False
        self.emit(path, "unchanged")
        self.track(path, tracked, gen.mode)
        return True

    def _in_the_way(self, path: str, new: bytes, mode: int, blocker: str, tracked: str | None) -> None:
        """Not a regular file pipegen can replace: never touched, never resolved by itself."""
        self._conflict(path, new, mode, None, f"{blocker}; move it away and run generate again", blocked=True)
        del self.before[path], self.after[path]  # nothing would be written there: no diff
        if tracked is not None:
            self.track(path, tracked, self.old.mode(path))

    def _untracked(self, path: str, new: bytes, mode: int, disk: Disk) -> None:
        if disk.data is None:
            self.emit(path, "create")
            self._write(path, new, mode, disk)
        elif disk.data == new:
            kept = "" if same_mode(disk.mode, mode, self.umask) else f"; its mode {mode_text(disk.mode)} is yours"
            self.emit(path, "adopt", f"already identical; now tracked{kept}")
            self._base(path, new)
            self.track(path, sha256(new), mode)
        elif self._resolved(path, new):
            self._accept(path, new, mode, "you kept your own file; pipegen tracks it from now on")
        else:
            self._conflict(path, new, mode, disk.data, "it exists and pipegen did not write it")

    def _tracked(self, path: str, new: bytes, mode: int, disk: Disk, tracked: str) -> None:
        old_mode = self.old.mode(path)
        if disk.data is None:
            self._deleted(path, new, mode, disk)
            return
        pending: bytes | None = None  # the merge's base: the pending copy, or the base copy (read if needed)
        from_base = True
        if path in self.old.markers and path in self.old.pending:
            if self._markers_remain(path, disk.data, tracked, old_mode):
                return
            tracked, pending, from_base = self.old.pending[path], self._pending_copy(path), False
            if sha256(new) == tracked:
                self._accept(path, new, mode, "you resolved the conflict markers: your file is kept as the merge")
                return
        user_mode = old_mode if same_mode(disk.mode, old_mode, self.umask) else disk.mode
        user_hash, new_hash = sha256(disk.data), sha256(new)
        content, content_clash = merge3(user_hash, new_hash, tracked)
        result_mode, mode_clash = merge3(user_mode, mode, old_mode)
        if content_clash or mode_clash:
            if self._resolved(path, new):
                self._accept(path, new, mode, "you deleted the pending file: your version is kept as the merge")
            elif not mode_clash and self._merged(
                path, new, mode, disk, self._base_copy(path, tracked) if from_base else pending, tracked, result_mode
            ):
                return
            else:
                self._conflict(path, new, mode, disk.data, _what_you_did(user_hash != tracked, user_mode, old_mode))
                self.track(path, tracked, old_mode)
            return
        self.track(path, new_hash, mode)
        self._base(path, new)
        data = new if content == new_hash else disk.data
        if data == disk.data and result_mode == user_mode:
            untouched = user_hash == tracked and user_mode == old_mode
            same_generation = new_hash == tracked and mode == old_mode
            self._settled(path, untouched, same_generation, _what_you_did(user_hash != tracked, user_mode, old_mode))
        else:
            self.emit(path, "update", _update_detail(data == new, result_mode, mode, user_hash != tracked))
            self.put(path, data, result_mode)
            self.before[path], self.after[path] = _text(disk.data), _text(data)

    def _settled(self, path: str, untouched: bool, same_generation: bool, what: str) -> None:
        """Nothing to write to the file itself."""
        if untouched:
            self.emit(path, "unchanged")
        elif same_generation:
            self.emit(path, "kept", f"{what}; the generator's version is unchanged")
        else:
            self.emit(path, "resolved", "your file now equals the generated version")

    def _deleted(self, path: str, new: bytes, mode: int, disk: Disk) -> None:
        """A generated file the user deleted stays deleted (the generator's version becomes the
        base, so a later restore writes the current one) unless --restore-deleted asks for it back."""
        if self.restore_deleted:
            self.emit(path, "create", "restored: you had deleted it")
            self._write(path, new, mode, disk)
            return
        self.emit(path, "user-deleted", "you deleted it; it stays deleted (generate --restore-deleted brings it back)")
        self._base(path, new)
        self.track(path, sha256(new), mode)

    def _base_copy(self, path: str, tracked: str) -> bytes | None:
        """The last generated copy, if it is still exactly what the manifest recorded."""
        if self.copies().digest(path) != tracked:
            return None
        data = self.copies().read(path)
        return data if data is not None and sha256(data) == tracked else None

    def _pending_copy(self, path: str) -> bytes | None:
        data = _read(self.out / PENDING / path)
        return data if data is not None and sha256(data) == self.old.pending.get(path) else None

    def _markers_remain(self, path: str, data: bytes, tracked: str, old_mode: int) -> bool:
        """A conflict written as markers stays open, untouched, while any marker is left in the file."""
        lines = marker_lines(data)
        if not lines:
            return False
        where = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
        what = f"conflict markers remain at line(s) {where}; edit them out, then run generate again"
        self.emit(path, "conflict", what, markers=True)
        self.conflicted.add(path)
        self.markers.add(path)
        self.pending[path] = self.old.pending[path]  # the version the markers show, until resolved
        self.track(path, tracked, old_mode)
        return True

    def _merged(
        self, path: str, new: bytes, mode: int, disk: Disk, base: bytes | None, tracked: str, result_mode: int
    ) -> bool:
        """Both sides changed the content: a three-way merge. False when it cannot run (no git,
        no base copy, binary content): the caller reports a conflict with a pending file."""
        assert disk.data is not None
        merged = None if base is None else merge_text(disk.data, base, new, path)
        if merged is None:
            return False
        self.before[path], self.after[path] = _text(disk.data), _text(merged.data)
        if merged.conflicts == 0:
            if merged.data == disk.data and result_mode == disk.mode:  # your file already had the change
                self.emit(path, "merge", "your file already holds the generator's changes; nothing written")
            else:
                self.emit(path, "merge", "your edits and the generator's changes merged")
                self.put(path, merged.data, result_mode)
            self._base(path, new)
            self.track(path, sha256(new), mode)
            return True
        lines = marker_lines(merged.data)
        self.emit(path, "conflict",
                  f"you and the generator changed the same lines: {merged.conflicts} conflict(s), markers at "
                  f"line(s) {', '.join(str(n) for n in lines[:10])}; edit them out, then run generate again",
                  markers=True)  # fmt: skip
        self.put(path, merged.data, disk.mode)
        self.conflicted.add(path)
        self.markers.add(path)
        self.pending[path] = sha256(new)
        if _read(self.out / PENDING / path) != new:
            self.put(f"{PENDING}/{path}", new, mode)
        self.track(path, tracked, self.old.mode(path))
        return True

    def _resolved(self, path: str, new: bytes) -> bool:
        """The user dealt with the conflict pipegen reported for exactly this version: the
        pending file it wrote is gone."""
        return self.old.pending.get(path) == sha256(new) and not (self.out / PENDING / path).exists()

    def _accept(self, path: str, new: bytes, mode: int, detail: str) -> None:
        """The user's file stays; `new` becomes the base the next changes are measured from."""
        self.emit(path, "resolved", detail)
        self._base(path, new)
        self.track(path, sha256(new), mode)

    def _base(self, path: str, new: bytes) -> None:
        if self.copies().digest(path) != sha256(new):
            self.put(f"{BASE}/{path}", new)

    def _write(self, path: str, new: bytes, mode: int, disk: Disk) -> None:
        self.put(path, new, mode)
        self.put(f"{BASE}/{path}", new)
        self.track(path, sha256(new), mode)
        self.before[path], self.after[path] = _text(disk.data), self._new_text(new)

    def _conflict(self, path: str, new: bytes, mode: int, disk: bytes | None, why: str, blocked: bool = False) -> None:
        self.emit(path, "conflict", f"{why}; the new version is in {PENDING}/{path}", blocked)
        self.conflicted.add(path)
        self.pending[path] = sha256(new)
        if _read(self.out / PENDING / path) != new:
            self.put(f"{PENDING}/{path}", new, mode)
        self.before[path], self.after[path] = _text(disk), self._new_text(new)

    def retiring(self, path: str) -> None:
        """A tracked file no longer generated: deleted only if it is still exactly what pipegen wrote."""
        disk = inspect(self.out, path)
        untouched = disk.data is not None and sha256(disk.data) == self.old.files[path]
        if untouched and same_mode(disk.mode, self.old.mode(path), self.umask):
            self.emit(path, "delete", "no longer generated")
            self.put(path, None)
            self.going.add(path)
            self.before[path], self.after[path] = _text(disk.data), None
        else:
            self.emit(path, "retired", "no longer generated; kept because you changed it")
            self.retired.add(path)
        if (self.out / BASE / path).is_file():
            self.put(f"{BASE}/{path}", None)

    def stale_pending(self) -> None:
        root = self.out / PENDING
        if not root.is_dir():
            return
        for item in sorted(root.rglob("*")):
            rel = str(item.relative_to(root).as_posix())
            if (item.is_file() or item.is_symlink()) and rel not in self.conflicted:
                self.put(f"{PENDING}/{safe_relpath(rel)}", None)


def _what_you_did(content: bool, user_mode: int, old_mode: int) -> str:
    chmod = f"you changed its mode to {mode_text(user_mode)}" if user_mode != old_mode else ""
    edit = "you edited it" if content else ""
    return " and ".join(p for p in (edit, chmod) if p) or "you edited it"


def _update_detail(theirs: bool, result_mode: int, generated_mode: int, edited: bool) -> str:
    if theirs and result_mode != generated_mode:
        return f"your mode {mode_text(result_mode)} is kept"
    if not theirs and edited:
        return f"mode set to {mode_text(result_mode)}; your edits are kept"
    return ""


def _record(old: Manifest, new: Manifest, targets: list[str]) -> tuple[str, Action, str]:
    """The line for writes to .pipegen/ alone: no generated file changes, pipegen's records do."""
    why = []
    if old.spec_hash != new.spec_hash:
        why.append("the spec changed but no generated file did: the manifest records the new spec")
    if old.generator_version != new.generator_version:
        why.append(f"the manifest records pipegen {new.generator_version} (was {old.generator_version or 'unknown'})")
    if old.files != new.files or old.modes != new.modes:
        why.append("the generated version of a file you deleted changed: recorded for --restore-deleted")
    if any(t != MANIFEST for t in targets):
        why.append(f"pipegen's copies in {BASE}/ or {PENDING}/ are brought up to date")
    path = MANIFEST if MANIFEST in targets else targets[0]
    return path, "record", "; ".join(why or ["the manifest is rewritten in the current format"])


def _normalised(files: Mapping[str, str | OutFile]) -> dict[str, OutFile]:
    out = {safe_relpath(path): as_outfile(path, value) for path, value in files.items()}
    for path in out:
        parts = path.split("/")
        clash = next(("/".join(parts[:i]) for i in range(1, len(parts)) if "/".join(parts[:i]) in out), None)
        if clash is not None:
            raise WriteError(f"{clash} is generated both as a file and as the directory of {path}",
                             hint="this is a bug in a generator")  # fmt: skip
    return out


def plan_write(
    out: Path,
    files: Mapping[str, str | OutFile],
    meta: WriteMeta,
    *,
    restore_deleted: bool = False,
    base: BaseCopies | None = None,
) -> WritePlan:
    """What writing `files` into `out` would do, without doing it. A plain string is a 0644 file.
    `restore_deleted` writes generated files the user deleted again (by default they stay deleted).

    Refuses a manifest written by a newer pipegen than `meta.generator_version`. Takes no
    lock: write_tree and preview hold it around this call. `base`: the base copies the rendering
    already read (each file is then read once), else they are read here."""
    wanted = _normalised(files)
    old, old_raw = load_manifest(out, meta.generator_version)
    builder = _Builder(out, old, current_umask(), restore_deleted=restore_deleted, base=base)
    for path in sorted(set(old.files) - set(wanted)):
        builder.retiring(path)
    for path in sorted(wanted):
        builder.generated(path, wanted[path])
    builder.stale_pending()
    still_retired = {p for p in old.retired if p not in wanted and inspect(out, p).regular}
    manifest = Manifest(
        meta.generator_version, meta.spec_hash, builder.files, builder.pending, builder.modes,
        markers=tuple(sorted(builder.markers)), retired=tuple(sorted(builder.retired | still_retired)),
    )  # fmt: skip
    raw = manifest.dumps().encode()
    if raw != old_raw:
        builder.put(MANIFEST, raw)
    if builder.ops and not any(c.action in CHANGING for c in builder.changes):
        builder.emit(*_record(old, manifest, [op.target for op in builder.ops]))
    report = WriteReport(out, tuple(sorted(builder.changes, key=lambda c: c.path)))
    return WritePlan(out, report, tuple(builder.ops), builder.before, builder.after)
