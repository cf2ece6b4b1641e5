"""A real test migration: spec version 0 called the freshness target `freshness`; version 1
calls it `latency`. Registered by the tests that need it (the shipped registry is empty)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from pipegen.spec.migrate import rename_key


def v0_to_v1(data: MutableMapping[str, Any]) -> None:
    rename_key(data, "freshness", "latency")


V0_SPEC = """\
# Our shop pipeline (written for pipegen's draft format, version 0).
version: 0   # the draft format

pipeline:
  name: shop     # snake_case
  tags: ['quickstart', "demo"]

freshness: 1h   # how stale consumers accept data to be

sources:
  - name: db
    type: postgres
    tables:
      - name: orders
        primary_key: id
        watermark: id
        columns: [{name: id, type: bigint}]   # flow style stays flow style
targets:
  - {name: wh, type: duckdb}
"""
