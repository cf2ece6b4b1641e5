"""`.pipegen/manifest.json`: format, generator version, spec hash, sha256 and mode of every
generated file, the conflicts awaiting the user (`pending`; those written as conflict markers
into the file itself also in `markers`) and the retired files kept because the user edited them.

A manifest written by a newer pipegen (or in a newer format) is refused: an older pipegen
would otherwise delete files of families it does not know. Manifests without `format`
(written before it existed) are format 1 and load as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipegen.errors import WriteError
from pipegen.render.jsondoc import json_doc
from pipegen.write.modes import DEFAULT_MODE, mode_text, parse_mode
from pipegen.write.paths import META_DIR, safe_relpath

MANIFEST = f"{META_DIR}/manifest.json"
FORMAT = 2
UPGRADE = "pip install -U pipegen-cli"
_LEADING_DIGITS = re.compile(r"^(\d+)")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    generator_version: str = ""
    spec_hash: str = ""
    files: dict[str, str] = field(default_factory=dict)
    # conflicts awaiting the user: path -> sha256 of the version written to .pipegen/pending/
    pending: dict[str, str] = field(default_factory=dict)
    # mode pipegen gave each file, only where it is not 0644
    modes: dict[str, int] = field(default_factory=dict)
    format: int = FORMAT
    # pending conflicts written into the file itself as conflict markers (a subset of pending)
    markers: tuple[str, ...] = ()
    # files no longer generated that were kept because the user changed them (untracked now)
    retired: tuple[str, ...] = ()

    def mode(self, path: str) -> int:
        return self.modes.get(path, DEFAULT_MODE)

    def dumps(self) -> str:
        body: dict[str, object] = {
            "files": dict(sorted(self.files.items())),
            "format": FORMAT,
            "generator_version": self.generator_version,
            "spec_hash": self.spec_hash,
        }
        modes = {p: mode_text(m) for p, m in sorted(self.modes.items()) if m != DEFAULT_MODE and p in self.files}
        if modes:
            body["modes"] = modes
        if self.pending:
            body["pending"] = dict(sorted(self.pending.items()))
        markers = sorted(p for p in set(self.markers) if p in self.pending)
        if markers:
            body["markers"] = markers
        if self.retired:
            body["retired"] = sorted(set(self.retired))
        return json_doc(body, sort_keys=True, ensure_ascii=True) + "\n"


def version_key(version: str) -> tuple[int, ...]:
    """'0.10.2' -> (0, 10, 2); stops at the first part without leading digits; trailing zeros dropped."""
    key: list[int] = []
    for part in version.split("."):
        match = _LEADING_DIGITS.match(part)
        if match is None:
            break
        key.append(int(match.group(1)))
    while key and key[-1] == 0:
        key.pop()
    return tuple(key)


def check_compatible(path: Path, manifest: Manifest, running: str) -> None:
    """Refuse a manifest this pipegen could misread: a newer format, or written by a newer pipegen."""
    newer_format = manifest.format > FORMAT
    if not newer_format and version_key(manifest.generator_version) <= version_key(running):
        return
    wrote = f"pipegen {manifest.generator_version or '(unknown version)'}"
    raise WriteError(
        f"{path} was written by {wrote} (manifest format {manifest.format}); this is pipegen {running} "
        f"(format {FORMAT}), which could delete or overwrite files it does not know about",
        hint=f"upgrade pipegen ({UPGRADE}), then run generate again",
    )


def _parse(data: object) -> Manifest:
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    fmt = data.get("format", 1)
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise ValueError(f"format {fmt!r} is not a positive integer")
    files = {safe_relpath(str(k)): str(v) for k, v in dict(data["files"]).items()}
    pending = {safe_relpath(str(k)): str(v) for k, v in dict(data.get("pending", {})).items()}
    modes = {safe_relpath(str(k)): parse_mode(str(v)) for k, v in dict(data.get("modes", {})).items()}
    markers = tuple(safe_relpath(str(p)) for p in list(data.get("markers", [])))
    retired = tuple(safe_relpath(str(p)) for p in list(data.get("retired", [])))
    version, spec_hash = str(data.get("generator_version", "")), str(data.get("spec_hash", ""))
    return Manifest(version, spec_hash, files, pending, modes, fmt, markers, retired)


def refuse_newer(out: Path, running: str) -> None:
    """Refuse the manifest in `out` if a newer pipegen wrote it; a missing or damaged one is
    left for load_manifest to report. Reads only the two keys, so any future layout is judged."""
    path = out / MANIFEST
    try:
        raw = path.read_bytes()
    except OSError:
        return
    _refuse_newer(path, raw, running)


def _refuse_newer(path: Path, raw: bytes, running: str) -> None:
    try:
        data = json.loads(raw)
    except ValueError:
        return
    if not isinstance(data, dict):
        return
    fmt, version = data.get("format", 1), data.get("generator_version", "")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and isinstance(version, str):
        check_compatible(path, Manifest(version, format=fmt), running)


def load_manifest(out: Path, running: str | None = None) -> tuple[Manifest, bytes | None]:
    """The manifest and its raw bytes (None when there is none yet). With `running` (the
    version of the pipegen about to write), a manifest it could misread is refused."""
    path = out / MANIFEST
    if not path.is_file():
        return Manifest(), None
    raw = path.read_bytes()  # once: the version check and the parse read the same bytes
    if running is not None:
        _refuse_newer(path, raw, running)
    try:
        return _parse(json.loads(raw)), raw
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WriteError(f"{path} is damaged ({exc})",
                         hint=f"restore it from version control, or delete {META_DIR}/ to start over "
                         "(files will then be treated as yours)") from None  # fmt: skip
