"""`.pipegen/manifest.json`: generator version, spec hash, sha256 of every generated file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipegen.errors import WriteError
from pipegen.write.paths import META_DIR, safe_relpath

MANIFEST = f"{META_DIR}/manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    generator_version: str = ""
    spec_hash: str = ""
    files: dict[str, str] = field(default_factory=dict)
    # conflicts awaiting the user: path -> sha256 of the version written to .pipegen/pending/
    pending: dict[str, str] = field(default_factory=dict)

    def dumps(self) -> str:
        body: dict[str, object] = {
            "files": dict(sorted(self.files.items())),
            "generator_version": self.generator_version,
            "spec_hash": self.spec_hash,
        }
        if self.pending:
            body["pending"] = dict(sorted(self.pending.items()))
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


def load_manifest(out: Path) -> tuple[Manifest, bytes | None]:
    """The manifest and its raw bytes (None when there is none yet)."""
    path = out / MANIFEST
    if not path.is_file():
        return Manifest(), None
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
        files = {safe_relpath(str(k)): str(v) for k, v in dict(data["files"]).items()}
        pending = {safe_relpath(str(k)): str(v) for k, v in dict(data.get("pending", {})).items()}
        version, spec_hash = str(data.get("generator_version", "")), str(data.get("spec_hash", ""))
        return Manifest(version, spec_hash, files, pending), raw
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WriteError(f"{path} is damaged ({exc})",
                         hint=f"restore it from version control, or delete {META_DIR}/ to start over "
                         "(files will then be treated as yours)") from None  # fmt: skip
