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
from pipegen.spec.secretscan import candidates
from pipegen.spec.types import ANY_REF_RE, is_secret_key, parse_secret_ref


def secret_findings(data: Any) -> Iterator[Finding]:
    for path, key, value in candidates(data):
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
