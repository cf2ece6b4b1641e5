"""Where a Secret key's value comes from, as the docs say it: the spec's `${env:NAME}` or `${secret:NAME}`."""

from __future__ import annotations

from pipegen.spec.index import index_of
from pipegen.spec.model import Spec


def spec_reference(spec: Spec, name: str) -> str | None:
    """How the spec references the variable `name` (`${secret:NAME}` before `${env:NAME}`), if it does."""
    text = index_of(spec).json_text  # dumped once per spec, not once per name (33 names: ~1 s at 1,000 tables)
    for kind in ("secret", "env"):
        if f"${{{kind}:{name}}}" in text:
            return f"the spec's `${{{kind}:{name}}}`"
    return None
