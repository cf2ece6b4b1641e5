"""Spec migrations: step functions that rewrite an older `version` of the raw spec data into
the next one. Empty today (version 1 is the first); the validator consults the registry, so a
later `pipegen migrate` command adds steps here and needs no change to the loader.

A step takes the plain data of version N and returns the data of version N + 1 (a new
mapping; it must not mutate its input). Positions stay those of the file as written: a
diagnostic about a migrated key points at the nearest key that still exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CURRENT_VERSION = 1
Step = Callable[[dict[str, Any]], dict[str, Any]]
# {from_version: step to from_version + 1}
STEPS: dict[int, Step] = {}


@dataclass(frozen=True)
class Migrated:
    data: dict[str, Any]
    from_version: int
    applied: tuple[int, ...]  # the from-versions of the steps that ran


def can_migrate(version: int, steps: Mapping[int, Step] | None = None) -> bool:
    """True when registered steps lead from `version` to the current one."""
    registry = STEPS if steps is None else steps
    return version < CURRENT_VERSION and all(v in registry for v in range(version, CURRENT_VERSION))


def migrate(data: dict[str, Any], steps: Mapping[int, Step] | None = None) -> Migrated:
    """Run every step from data['version'] up to CURRENT_VERSION. ValueError when a step is missing."""
    registry = STEPS if steps is None else steps
    start = data.get("version")
    if not isinstance(start, int) or isinstance(start, bool):
        raise ValueError(f"cannot migrate a spec whose version is {start!r}")
    current, applied = dict(data), []
    for version in range(start, CURRENT_VERSION):
        step = registry.get(version)
        if step is None:
            raise ValueError(f"no migration from version {version} to {version + 1}")
        current = step(current)
        current["version"] = version + 1
        applied.append(version)
    return Migrated(current, start, tuple(applied))
