"""Widen an example spec to N tables: the benchmark input for "generation linear in the spec".

Each source's own tables (or topics) are copied, round-robin over the sources, with a suffix
(`orders` -> `orders_w0001`) until the spec holds N of them. The transforms, targets and
settings stay as written, so every family the example turns on is exercised, and only the
per-table work grows. A copied table's file path gets the same suffix (paths are per table).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

LISTS = ("tables", "topics")


def _items(source: dict[str, Any]) -> list[dict[str, Any]] | None:
    for key in LISTS:
        if isinstance(source.get(key), list) and source[key]:
            return source[key]  # type: ignore[no-any-return]
    return None


def _suffixed(path: str, suffix: str) -> str:
    p = Path(path)
    return str(p.with_name(f"{p.stem}{suffix}{p.suffix}")) if p.suffix else f"{path}{suffix}"


def _copy(table: dict[str, Any], n: int) -> dict[str, Any]:
    suffix = f"_w{n:04d}"
    twin = copy.deepcopy(table)
    twin["name"] = f"{table['name']}{suffix}"
    if isinstance(twin.get("path"), str):
        twin["path"] = _suffixed(twin["path"], suffix)
    return twin


def table_count(spec: dict[str, Any]) -> int:
    return sum(len(_items(s) or []) for s in spec.get("sources", []))


def widen(spec: dict[str, Any], n_tables: int) -> dict[str, Any]:
    """A copy of `spec` with `n_tables` tables (at least its own)."""
    wide = copy.deepcopy(spec)
    lists = [items for s in wide.get("sources", []) if (items := _items(s)) is not None]
    originals = [list(items) for items in lists]
    slots = [(items, table) for items, own in zip(lists, originals, strict=True) for table in own]
    missing = n_tables - table_count(wide)
    for copy_no, (items, table) in zip(range(missing), itertools.cycle(slots)):
        items.append(_copy(table, copy_no + 1))
    return wide


def load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data
