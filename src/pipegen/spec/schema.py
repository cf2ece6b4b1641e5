"""The JSON Schema of the spec, for editors (yaml-language-server) and CI."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pipegen import __version__
from pipegen.spec.model import Spec

SCHEMA_ID = "https://pipegen.dev/schema/pipegen-v1.json"


def spec_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pipegen.yaml (spec version 1)",
        "description": f"Generated from pipegen {__version__.split('.')[0]}.x models; do not edit.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


@cache
def spec_schema_text() -> str:
    """The schema as the file every generated project carries: computed once a process (pydantic
    builds it in ~0.1 s, which was the largest single cost of generating a small project)."""
    return json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
