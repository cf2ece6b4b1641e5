"""Type-preserving changes of one spec value, for the ledger.

Each candidate is a whole new data tree (the spec as plain data) with one value changed, or,
for a name, renamed together with every reference to it. Candidates come cheapest and most
local first; the ledger keeps the first one that validates and changes a generated file.
Nothing here knows the spec's vocabulary beyond a few shapes of text (names, durations,
`${secret:...}` references, column types) and where targets, sources and tables are defined
(KINDS: a reference to one is also pointed at another that exists, so a reference the generators
ignore shows as unchanged, not as held by validate; a reference to a table, which validate refuses
to move to a table of other columns, is also pointed at a copy of its table added for the purpose:
`twin_table`); enumerations are learned from validate's own "is not one of" message (`retry_values`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipegen.spec.diagnostics import Path

MARK = "zq"  # appended to text; short, lowercase, never a word of the vocabulary
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A qualified reference: `source.table` (a mart's `from`, a join's or lookup's `table`),
# `table.column` or `source.table.column` (a foreign key).
_QUALIFIED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_NUMBER = re.compile(r"\d+")
_REF = re.compile(r"^\$\{(secret|env):([^}]*)\}$")
_CHOICES = re.compile(r"is not one of: (.+?)(?: \[|$)")
# Column types that are usually interchangeable for the rules of a spec (a wider or narrower
# type of the same family), for a type that has no digits to change.
_SIBLING_TYPES: dict[str, tuple[str, ...]] = {
    "bigint": ("int", "double"),
    "int": ("bigint", "double"),
    "integer": ("bigint", "double"),
    "smallint": ("int", "bigint"),
    "tinyint": ("smallint", "int"),
    "string": ("uuid", "date", "json"),  # not `text`: an alias of `string`, the same column
    "text": ("uuid", "date", "json"),
    "varchar": ("uuid", "date", "json"),
    "char": ("uuid", "date", "json"),
    "double": ("float", "bigint"),
    "float": ("double", "bigint"),
    "timestamp": ("timestamp_tz", "date"),
    "timestamp_tz": ("timestamp", "date"),
    "date": ("timestamp", "string"),
    "boolean": ("string", "int"),
    "json": ("string",),
    "uuid": ("string",),
}


# Keys whose text is a SQL expression: parentheses keep its meaning and change its text.
EXPRESSION_KEYS = frozenset({"filter", "expr", "where"})
NEARBY = 3  # other names tried for a reference
SAME_KIND = 2  # other existing names of the referenced kind tried for a reference
# Where the things a reference can name are defined: a target, a source, a table. A reference moved
# to another of these that validates and changes no file was ignored: a drop, not "held".
KINDS: tuple[tuple[str, ...], ...] = (("targets",), ("sources",), ("sources", "*", "tables"))
DATASETS = ("tables", "topics")  # where a source defines what a table reference names


@dataclass(frozen=True)
class Candidate:
    how: str  # what was changed, for the ledger's report
    data: Any
    # the spec to compare with instead of the one given (None: the given one): a candidate that also
    # adds something (a table's copy) is compared with the spec that adds it and changes nothing else
    control: Any = None


def get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def replace_at(data: Any, path: Path, value: Any) -> Any:
    """A copy of `data` with the node at `path` replaced (only the containers on the path are copied)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, list):
        assert isinstance(head, int)
        out_list = list(data)
        out_list[head] = replace_at(data[head], rest, value)
        return out_list
    out = dict(data)
    out[head] = replace_at(data[head], rest, value)
    return out


def drop_at(data: Any, path: Path) -> Any:
    """A copy of `data` without the list element or mapping key at `path`."""
    parent = get(data, path[:-1])
    last = path[-1]
    if isinstance(parent, list):
        new: Any = [v for i, v in enumerate(parent) if i != last]
    else:
        new = {k: v for k, v in parent.items() if k != last}
    return replace_at(data, path[:-1], new)


def rename_everywhere(data: Any, old: str, new: str) -> Any:
    """Every occurrence of the name `old` (a whole word, any case kept as written) in every
    text value and every mapping key, renamed to `new`: a name and its references together."""
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(old)}(?![A-Za-z0-9_])")

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return word.sub(new, node)
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            return {word.sub(new, k): walk(v) for k, v in node.items()}
        return node

    return walk(data)


def nearby_names(data: Any, path: Path, value: str) -> list[str]:
    """Names defined (`name:` values) under the closest enclosing elements of `path`, nearest first;
    not `value` in another case (spec names are case-insensitive: the same reference)."""
    found: list[str] = []
    for depth in range(len(path) - 1, 0, -1):
        for name in _names(get(data, path[:depth])):
            if name.lower() != value.lower() and name not in found:
                found.append(name)
        if len(found) >= NEARBY:
            break
    return found[:NEARBY]


def same_kind_names(data: Any, value: str) -> list[str]:
    """Other existing names of each kind (KINDS) that `value` names, in document order (not `value`
    in another case), at most SAME_KIND of a kind: a target reference pointed at another target."""
    found: list[str] = []
    for kind in KINDS:
        names = list(_names_at(data, kind))
        if any(name.lower() == value.lower() for name in names):
            others = [n for n in names if n.lower() != value.lower() and n not in found]
            found.extend(others[:SAME_KIND])
    return found


def twin_table(data: Any, value: str, source: str | None = None) -> tuple[str, Any] | None:
    """(the copy's name, the spec with a copy of the table or topic `value` names appended to its
    source's list): the same columns, keys and rules under `<value>_zq`, so a reference moved to it
    means the same rows, which validate accepts where another table's columns would not fit. None:
    `value` names no table (or several) of `source` (None: of any source, else a mart: `_twin_mart`)."""
    sources = (data.get("sources") or []) if isinstance(data, dict) else []
    found = [
        (si, key, ti)
        for si, src in enumerate(sources)
        if source is None or str(_child(src, "name") or "").lower() == source.lower()
        for key in DATASETS
        for ti, table in enumerate(_child(src, key) or [])
        if isinstance(table, dict) and str(table.get("name", "")).lower() == value.lower()
    ]
    if not found and source is None:
        return _twin_mart(data, value)
    if len(found) != 1:
        return None
    (si, key, ti), twin = found[0], f"{value}_{MARK}"
    tables = sources[si][key]
    copied = {**copy.deepcopy(tables[ti]), "name": twin}
    return twin, replace_at(data, ("sources", si, key), [*tables, copied])


def _twin_mart(data: Any, value: str) -> tuple[str, Any] | None:
    """A copy of the mart `value` names appended to the marts under `<value>_zq` (a mart another mart
    reads or a foreign key names: `customers.customer_id`), the same way as a table's copy."""
    marts = _child(_child(data, "transforms"), "marts") or []
    found = [
        i
        for i, mart in enumerate(marts)
        if isinstance(mart, dict) and str(mart.get("name", "")).lower() == value.lower()
    ]
    if len(found) != 1:
        return None
    twin = f"{value}_{MARK}"
    copied = {**copy.deepcopy(marts[found[0]]), "name": twin}
    return twin, replace_at(data, ("transforms", "marts"), [*marts, copied])


def qualified_twin(data: Any, value: str) -> tuple[str, str, Any] | None:
    """(the table's name, the reference with its table part pointed at the table's copy, the spec
    with the copy: `twin_table`) for a qualified reference: `source.table`, `source.table.column`
    (the table of that source), else `table.column`. None: no part of `value` names one table."""
    parts = value.split(".")
    if len(parts) >= 2:
        twin = twin_table(data, parts[1], source=parts[0])
        if twin is not None:
            return parts[1], ".".join([parts[0], twin[0], *parts[2:]]), twin[1]
    twin = twin_table(data, parts[0])
    if twin is None or len(parts) != 2:
        return None
    return parts[0], ".".join([twin[0], *parts[1:]]), twin[1]


def _names_at(data: Any, kind: tuple[str, ...]) -> Iterator[str]:
    """The `name:` of each element of the list at `kind` (`*`: every element of a list on the way)."""
    nodes = [data]
    for part in kind:
        nodes = [
            child
            for node in nodes
            for child in (node if part == "*" and isinstance(node, list) else [_child(node, part)])
            if child is not None
        ]
    for node in nodes:
        for element in node if isinstance(node, list) else ():
            if isinstance(element, dict) and isinstance(element.get("name"), str):
                yield element["name"]


def _child(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, dict) else None


def _defined_once(data: Any, value: str) -> bool:
    """Whether `value` names one thing only: renaming a name two things share (a mart's measure and
    a stream job's) would credit one with the files of the other."""
    return sum(name.lower() == value.lower() for name in _names(data)) == 1


def _names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "name" and isinstance(child, str):
                yield child
            else:
                yield from _names(child)
    elif isinstance(node, list):
        for child in node:
            yield from _names(child)


def candidates(data: Any, path: Path) -> Iterator[Candidate]:
    """The changes tried for the value at `path`, most local first."""
    value = get(data, path)
    if isinstance(value, bool):
        yield Candidate(f"flipped to {not value}", replace_at(data, path, not value))
    elif isinstance(value, int):
        for new in _ints(value):
            yield Candidate(f"{value} -> {new}", replace_at(data, path, new))
    elif isinstance(value, float):
        for new_f in (value / 2, value * 2 if value else 0.5, value + 1):
            yield Candidate(f"{value} -> {new_f}", replace_at(data, path, new_f))
    elif isinstance(value, str):
        yield from _texts(data, path, value)
    if isinstance(path[-1], int) and len(get(data, path[:-1])) > 1:
        yield Candidate("list element dropped", drop_at(data, path))
    if isinstance(value, dict | list) and not value and path:  # an empty section: its key removed
        yield Candidate("removed", drop_at(data, path))


def _ints(value: int) -> tuple[int, ...]:
    return tuple(dict.fromkeys(v for v in (value + 1, value - 1, value * 2, 1) if v != value and v >= 0))


def _texts(data: Any, path: Path, value: str) -> Iterator[Candidate]:
    ref = _REF.match(value)
    if ref:
        new = f"${{{ref.group(1)}:{ref.group(2)}_{MARK.upper()}}}"
        yield Candidate(f"reference renamed to {new}", replace_at(data, path, new))
        return
    if _NUMBER.search(value):
        new = _NUMBER.sub(lambda m: str(int(m.group()) + 1), value, count=1)
        yield Candidate(f"number in text changed: {new!r}", replace_at(data, path, new))
    for sibling in _SIBLING_TYPES.get(value.lower().split("(")[0], ()) if path[-1] == "type" else ():
        yield Candidate(f"{value!r} -> {sibling!r}", replace_at(data, path, sibling))
    if path[-1] in EXPRESSION_KEYS:
        yield Candidate("wrapped in parentheses", replace_at(data, path, f"({value})"))
    if _NAME.match(value):
        new = f"{value}_{MARK}"
        yield Candidate(f"{value!r} -> {new!r}", replace_at(data, path, new))
        if path[-1] == "name" and _defined_once(data, value):  # renamed together with every reference
            yield Candidate(f"renamed with its references to {new!r}", rename_everywhere(data, value, new))
        elif path[-1] != "name":
            yield from _references(data, path, value)
        else:  # a name two things share: pointed at another name defined nearby
            for other in nearby_names(data, path, value):
                yield Candidate(f"{value!r} -> {other!r} (another name nearby)", replace_at(data, path, other))
        return
    if _QUALIFIED.match(value):
        yield from _moved_to_copies(data, path, value, qualified_twin(data, value))
    yield Candidate(f"{MARK!r} appended", replace_at(data, path, f"{value} {MARK}"))
    yield Candidate(f"{MARK!r} appended", replace_at(data, path, f"{value}{MARK}"))


def _references(data: Any, path: Path, value: str) -> Iterator[Candidate]:
    """A reference pointed at another thing of its kind, at a copy of its table, then at a name nearby."""
    same = same_kind_names(data, value)
    for other in same:
        yield Candidate(f"{value!r} -> {other!r} (another of its kind)", replace_at(data, path, other))
    twin = twin_table(data, value)
    yield from _moved_to_copies(data, path, value, None if twin is None else (value, *twin))
    for other in nearby_names(data, path, value):
        if other not in same:
            yield Candidate(f"{value!r} -> {other!r} (another name nearby)", replace_at(data, path, other))


def _moved_to_copies(data: Any, path: Path, value: str, twin: tuple[str, str, Any] | None) -> Iterator[Candidate]:
    """The reference pointed at a copy of its table (`twin`: the table's name, the moved reference,
    the spec with the copy, which the candidates are compared with), then the same with every use of
    the table's name in the reference's transform element renamed (its qualified columns)."""
    if twin is None:
        return
    table, new, control = twin
    moved = replace_at(control, path, new)
    yield Candidate(f"{value!r} -> {new!r} (a copy of its table)", moved, control)
    scope = _referrer(path)
    whole = (
        replace_at(control, scope, rename_everywhere(get(control, scope), table, table + f"_{MARK}"))
        if scope
        else moved
    )
    if whole != moved:  # its columns qualified with the table's name (`customers.segment`) moved with it
        yield Candidate(f"{value!r} -> {new!r} (a copy of its table, in all of its element)", whole, control)


def _referrer(path: Path) -> Path | None:
    """The transform element a reference is part of (`transforms.marts[2]` of its `from` or of a
    join's `table`), whose expressions may qualify columns with the table's name; None elsewhere."""
    if path[0] != "transforms":
        return None
    return next((path[: i + 1] for i, part in enumerate(path) if isinstance(part, int)), None)


def retry_values(message: str, value: Any) -> list[str]:
    """The other values an enumeration allows, read from validate's 'is not one of: a, b' message."""
    found = _CHOICES.search(message)
    if not found:
        return []
    choices = [c.strip().strip("'") for c in found.group(1).split(",")]
    return [c for c in choices if c and c != value][:4]
