"""Where a Secret key's value comes from, as the docs say it: the spec's `${env:NAME}` or `${secret:NAME}`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipegen.generators.base import SecretKey
from pipegen.safe import trusted
from pipegen.spec.index import index_of
from pipegen.spec.model import Spec


def spec_reference(spec: Spec, name: str) -> str | None:
    """How the spec references the variable `name` (`${secret:NAME}` before `${env:NAME}`), if it does."""
    text = index_of(spec).json_text  # dumped once per spec, not once per name (33 names: ~1 s at 1,000 tables)
    for kind in ("secret", "env"):
        if f"${{{kind}:{name}}}" in text:
            return f"the spec's `${{{kind}:{name}}}`"
    return None


def secret_rows(keys: Iterable[SecretKey]) -> list[dict[str, Any]]:
    """A doc's Secret table: one row per (Secret, key), sorted, the first key's source."""
    first: dict[tuple[str, str], SecretKey] = {}
    for k in keys:
        first.setdefault((k.secret, k.key), k)
    # names of the naming layer, Strimzi's keys, variable names (`[A-Za-z_][A-Za-z0-9_]*`), pipegen's sentences
    return [{"secret": trusted(k.secret), "key": trusted(k.key), "source": trusted(k.source)}
            for _, k in sorted(first.items())]  # fmt: skip
