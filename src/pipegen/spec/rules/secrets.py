"""Secrets: never literals; references well formed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.index import SpecIndex
from pipegen.spec.model import (
    Connection,
    Spec,
)
from pipegen.spec.rules._common import URL_CREDENTIALS_RE
from pipegen.spec.types import (
    ANY_REF_RE,
    is_secret_key,
    parse_secret_ref,
)


def _connection_values(spec: Spec) -> Iterator[tuple[Path, str, Any]]:
    conns: list[tuple[Path, Connection]] = [
        (("sources", i, "connection"), s.connection) for i, s in enumerate(spec.sources)
    ]
    conns += [(("targets", i, "connection"), t.connection) for i, t in enumerate(spec.targets)]
    for env, environment in spec.deploy.environments.items():
        conns += [(("deploy", "environments", env, "targets", name), c) for name, c in environment.targets.items()]
        for key, value in environment.variables.items():
            yield ("deploy", "environments", env, "variables", key), key, value
    for path, conn in conns:
        for field, info in Connection.model_fields.items():
            key = info.alias or field
            value = getattr(conn, field)
            if field != "options" and value is not None:
                yield (*path, key), key, value
        for option, option_value in conn.options.items():
            yield (*path, "options", option), option, option_value
    for ni, note in enumerate(spec.quality.notifications):
        for key in ("webhook", "routing_key", "channel"):
            value = getattr(note, key)
            if value is not None:
                yield ("quality", "notifications", ni, key), key, value


def secrets(spec: Spec, index: SpecIndex) -> Iterator[Finding]:
    for path, key, value in _connection_values(spec):
        if not isinstance(value, str):
            if is_secret_key(key) and not isinstance(value, bool):
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
    return Finding(
        path,
        "R209",
        f"`{key}` holds a literal secret; secrets must never be written in the spec",
        f"write it as ${{secret:{key.upper()}}} or ${{env:{key.upper()}}} and store the value in your secret manager",
    )
