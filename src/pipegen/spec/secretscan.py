"""The one secret scan: every place in a spec that may hold a secret or a reference to one
(connections of sources, targets and per-environment targets, environment variables,
notification endpoints). The secrets rule reads it over the raw YAML data (a literal
secret is reported even when the spec does not validate); the project family reads it
over the validated spec to list every `${secret:...}`/`${env:...}` in `.env.example`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pipegen.spec.diagnostics import Path
from pipegen.spec.model import Spec
from pipegen.spec.types import parse_secret_ref

_NOTIFICATION_KEYS = ("webhook", "routing_key", "channel")


def _pairs(value: Any) -> Iterator[tuple[Any, Any]]:
    """The items of a mapping; nothing for anything else (the model reports wrong shapes)."""
    return iter(value.items()) if isinstance(value, Mapping) else iter(())


def _entries(value: Any) -> Iterator[tuple[int, Any]]:
    """The indexed entries of a list; nothing for anything else."""
    return enumerate(value) if isinstance(value, list) else iter(())


_NESTED = ("options", "schema_registry")  # a connection's mappings whose values are scanned too


def _connection(path: Path, conn: Any) -> Iterator[tuple[Path, str, Any]]:
    for key, value in _pairs(conn):
        if key in _NESTED and isinstance(value, Mapping):
            for inner, inner_value in _pairs(value):
                yield (*path, key, inner), str(inner), inner_value
        elif value is not None:
            yield (*path, key), str(key), value


def candidates(data: Any) -> Iterator[tuple[Path, str, Any]]:
    """Every (path, key, value) that may hold a secret, from the raw data."""
    if not isinstance(data, Mapping):
        return
    for section in ("sources", "targets"):
        for i, entry in _entries(data.get(section)):
            if isinstance(entry, Mapping):
                yield from _connection((section, i, "connection"), entry.get("connection"))
    deploy = data.get("deploy")
    environments = deploy.get("environments") if isinstance(deploy, Mapping) else None
    for env, environment in _pairs(environments):
        if not isinstance(environment, Mapping):
            continue
        for name, conn in _pairs(environment.get("targets")):
            yield from _connection(("deploy", "environments", env, "targets", name), conn)
        for key, value in _pairs(environment.get("variables")):
            yield ("deploy", "environments", env, "variables", key), str(key), value
    for path, notes in _notification_lists(data):
        for ni, note in _entries(notes):
            for key in _NOTIFICATION_KEYS if isinstance(note, Mapping) else ():
                if note.get(key) is not None:
                    yield (*path, ni, key), key, note[key]


def _notification_lists(data: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    """Every list of notifications: quality's, each stream job's `notify`, orchestration's."""
    quality = data.get("quality")
    if isinstance(quality, Mapping):
        yield ("quality", "notifications"), quality.get("notifications")
    transforms = data.get("transforms")
    streams = transforms.get("streams") if isinstance(transforms, Mapping) else None
    for ji, job in _entries(streams):
        if isinstance(job, Mapping):
            yield ("transforms", "streams", ji, "notify"), job.get("notify")
    orchestration = data.get("orchestration")
    if isinstance(orchestration, Mapping):
        for when in ("on_failure", "on_success"):
            yield ("orchestration", when), orchestration.get(when)


class SecretUse(NamedTuple):
    kind: str  # secret | env
    name: str
    used_at: str  # dotted spec path


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def secret_uses(spec: Spec) -> list[SecretUse]:
    """Every ${secret:X} / ${env:X} reference in the spec, one row per name and place, sorted."""
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    found = set()
    for path, _key, value in candidates(data):
        ref = parse_secret_ref(value) if isinstance(value, str) else None
        if ref:
            found.add(SecretUse(ref.kind, ref.name, _named_path(spec, path)))
    return sorted(found, key=lambda u: (u.name, u.kind, u.used_at))


def _named_path(spec: Spec, path: Path) -> str:
    """sources[0].connection.password -> sources.<name>.connection.password (readable in .env)."""
    parts: list[str | int] = list(path)
    if len(parts) > 1 and parts[0] in ("sources", "targets") and isinstance(parts[1], int):
        entries = spec.sources if parts[0] == "sources" else spec.targets
        parts[1] = entries[parts[1]].name
    if len(parts) > 2 and parts[:2] == ["transforms", "streams"] and isinstance(parts[2], int):
        parts[2] = spec.transforms.streams[parts[2]].name
    return dotted(tuple(parts))
