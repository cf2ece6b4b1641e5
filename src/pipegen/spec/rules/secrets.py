"""Secrets: never literals; references well formed.

This rule reads the raw YAML data, not the model, so a literal password is reported even
when the rest of the spec does not validate yet: a leaked secret is never hidden behind a
typo elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.rules._common import URL_CREDENTIALS_RE
from pipegen.spec.types import ANY_REF_RE, is_secret_key, parse_secret_ref

_NOTIFICATION_KEYS = ("webhook", "routing_key", "channel")


def _pairs(value: Any) -> Iterator[tuple[Any, Any]]:
    """The items of a mapping; nothing for anything else (the model reports wrong shapes)."""
    return iter(value.items()) if isinstance(value, Mapping) else iter(())


def _entries(value: Any) -> Iterator[tuple[int, Any]]:
    """The indexed entries of a list; nothing for anything else."""
    return enumerate(value) if isinstance(value, list) else iter(())


def _connection(path: Path, conn: Any) -> Iterator[tuple[Path, str, Any]]:
    for key, value in _pairs(conn):
        if key == "options" and isinstance(value, Mapping):
            for option, option_value in _pairs(value):
                yield (*path, "options", option), str(option), option_value
        elif value is not None:
            yield (*path, key), str(key), value


def _candidates(data: Any) -> Iterator[tuple[Path, str, Any]]:
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
    quality = data.get("quality")
    notifications = quality.get("notifications") if isinstance(quality, Mapping) else None
    for ni, note in _entries(notifications):
        for key in _NOTIFICATION_KEYS if isinstance(note, Mapping) else ():
            if note.get(key) is not None:
                yield ("quality", "notifications", ni, key), key, note[key]


def secret_findings(data: Any) -> Iterator[Finding]:
    for path, key, value in _candidates(data):
        if isinstance(value, Mapping | list):
            continue  # a structural error, reported by the model
        if not isinstance(value, str):
            if is_secret_key(key) and value is not None and not isinstance(value, bool):
                yield _literal_secret(path, key)
            continue
        refs = ANY_REF_RE.findall(value)
        if refs and parse_secret_ref(value) is None:
            yield Finding(
                path,
                "R216",
                f"malformed reference '{value}'",
                "a reference is the whole value: ${secret:NAME} or ${env:NAME}, "
                "NAME of letters, digits and underscores",
            )
        elif is_secret_key(key) and parse_secret_ref(value) is None:
            yield _literal_secret(path, key)
        elif URL_CREDENTIALS_RE.search(value):
            yield Finding(
                path,
                "R209",
                "this URL embeds a password",
                "remove user:password@ from the URL and set `password: ${secret:NAME}`",
            )


def _literal_secret(path: Path, key: str) -> Finding:
    upper = key.upper() if key.isidentifier() else "NAME"
    return Finding(
        path,
        "R209",
        f"`{key}` holds a literal secret; secrets must never be written in the spec",
        f"write it as ${{secret:{upper}}} or ${{env:{upper}}} and store the value in your secret manager",
    )
