"""Spec migrations: steps that rewrite an older `version` of a spec into the next one.

A step takes the mapping of version N and rewrites it in place into version N + 1 (the
runner sets `version`). It must only use mapping operations and the helpers here
(`rename_key`), so the same step runs on plain data (validate and generate migrate in memory)
and on ruamel's round-trip mapping (`pipegen migrate` rewrites the file, keeping the user's
comments, quoting and layout). `migrate` works on a deep copy: its input is never changed.

The registry is empty today (version 1 is the first); tests register a v0 -> v1 step
(tests/spec/migrations.py) to prove the mechanism end to end.
"""

from __future__ import annotations

import copy
import itertools
import os
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple

from pipegen.errors import UserError

CURRENT_VERSION = 1
Step = Callable[[MutableMapping[str, Any]], None]
# {from_version: step to from_version + 1}
STEPS: dict[int, Step] = {}


class Migrated(NamedTuple):
    data: Any
    from_version: int
    applied: tuple[int, ...]  # the from-versions of the steps that ran


def rename_key(mapping: MutableMapping[str, Any], old: str, new: str) -> None:
    """Rename a key where it stands, keeping its value, its position and (ruamel) its comments."""
    if old not in mapping or new in mapping:
        return
    keys = list(mapping)
    position = keys.index(old)
    value = mapping.pop(old)
    insert = getattr(mapping, "insert", None)
    if insert is not None:  # ruamel CommentedMap: comments hang on the key
        comments = getattr(mapping, "ca", None)
        moved = comments.items.pop(old, None) if comments is not None else None
        insert(position, new, value)
        if moved is not None and comments is not None:
            comments.items[new] = moved
        return
    rest = [(k, mapping.pop(k)) for k in keys[position + 1 :]]
    mapping[new] = value
    mapping.update(rest)


def can_migrate(version: int, steps: Mapping[int, Step] | None = None) -> bool:
    """True when registered steps lead from `version` to the current one."""
    registry = STEPS if steps is None else steps
    return version < CURRENT_VERSION and all(v in registry for v in range(version, CURRENT_VERSION))


def migrate(data: Any, steps: Mapping[int, Step] | None = None) -> Migrated:
    """Run every step from data['version'] up to CURRENT_VERSION on a copy. ValueError when a step is missing."""
    registry = STEPS if steps is None else steps
    start = data.get("version") if isinstance(data, Mapping) else None
    if not isinstance(start, int) or isinstance(start, bool):
        raise ValueError(f"cannot migrate a spec whose version is {start!r}")
    current, applied = copy.deepcopy(data), []
    for version in range(start, CURRENT_VERSION):
        step = registry.get(version)
        if step is None:
            raise ValueError(f"no migration from version {version} to {version + 1}")
        step(current)
        current["version"] = version + 1
        applied.append(version)
    return Migrated(current, start, tuple(applied))


class FileMigration(NamedTuple):
    pending: bool
    message: str


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence, offset = load_yaml_guess_indent(text)
    yaml = YAML()  # round trip: comments, key order, quoting and flow style are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=_mapping_indent(text), sequence=sequence or 2, offset=offset or 0)
    return yaml


def _mapping_indent(text: str) -> int:
    """How far the file indents a nested mapping (ruamel guesses only the sequence style)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in itertools.pairwise(lines):
        body = following.lstrip()
        opens = line.split("#", 1)[0].rstrip().endswith(":")
        if opens and not line.startswith((" ", "-")) and not body.startswith("-"):
            return len(following) - len(body)
    return 2


def migrate_file(path: Path, *, write: bool) -> FileMigration:
    """Migrate the spec at `path` in place (write=True) or only say whether a migration is pending."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    yaml = _yaml(text)
    try:
        data = yaml.load(text)
    except Exception as exc:  # ruamel's parser and scanner errors share no useful base
        raise UserError(f"{path} is not valid YAML: {exc}", hint=f"run `pipegen validate {path}`") from None
    version = data.get("version") if isinstance(data, Mapping) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{path}: `version` is missing or not a number", hint=f"add `version: {CURRENT_VERSION}`")
    if version == CURRENT_VERSION:
        return FileMigration(False, f"{path}: version {version} is current; nothing to migrate")
    if version > CURRENT_VERSION:
        raise UserError(f"{path}: version {version} is newer than this pipegen's ({CURRENT_VERSION})",
                        hint="upgrade pipegen (pip install -U pipegen-cli)")  # fmt: skip
    if not can_migrate(version):
        raise UserError(f"{path}: no migration path from version {version} to {CURRENT_VERSION}",
                        hint=f"rewrite the spec in version {CURRENT_VERSION} (see docs/spec-reference.md)")  # fmt: skip
    steps = " -> ".join(str(v) for v in range(version, CURRENT_VERSION + 1))
    if not write:
        return FileMigration(True, f"{path}: migration pending (version {steps}); run `pipegen migrate {path}`")
    migrated = migrate(data)
    _replace(path, migrated.data, yaml)
    return FileMigration(False, f"{path}: migrated version {steps}; comments and layout kept")


def _replace(path: Path, data: Any, yaml: Any) -> None:
    """Write atomically: a temp file beside the spec, then rename over it (mode kept)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.dump(data, fh)
        Path(tmp).chmod(path.stat().st_mode & 0o7777)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
