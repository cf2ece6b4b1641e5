"""`pipegen explain SPEC PATH`: which generated files a spec value reaches, or why none.

PATH is a dotted spec path as diagnostics print it (`sources[0].tables[2].filter`), a
section or element (every value under it is explained), or `FILE:LINE` / `LINE` (every value
written on that line of the spec)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path as FsPath

from pipegen.errors import UserError, did_you_mean
from pipegen.ledger.core import Baseline, Entry, baseline, leaves, trace
from pipegen.spec.diagnostics import Path, dotted

_LINE = re.compile(r"^(?:(?P<file>.*):)?(?P<line>\d+)$")


def resolve(base: Baseline, query: str) -> list[Path]:
    """The leaf paths a query names, in document order; UserError when it names none."""
    every = leaves(base.data)
    by_text = {dotted(p): p for p in every}
    query = query.strip()
    if query in by_text:
        return [by_text[query]]
    under = [p for p in every if _encloses(query, dotted(p))]
    if under:
        return under
    line = _LINE.match(query)
    if line:
        number = int(line.group("line"))
        on_line = [p for p in every if _line_of(base, p) == number]
        if on_line:
            return on_line
        raise UserError(
            f"no spec value is written on line {number} of {base.file}",
            hint="give a line that holds a value (not a comment or a bare key), or a dotted path",
        )
    raise UserError(
        f"{query!r} is not a path of {base.file}",
        hint=did_you_mean(query, list(by_text)) or "write it as diagnostics print it, e.g. sources[0].tables[0].filter",
    )


def _encloses(query: str, path: str) -> bool:
    return bool(query) and path.startswith((query + ".", query + "["))


def _line_of(base: Baseline, path: Path) -> int | None:
    pos = base.positions.get(path)
    if pos is None:
        return None
    return pos.key_line if pos.key_line is not None and isinstance(path[-1], str) else pos.line


def explain(spec: FsPath, query: str) -> list[tuple[Entry, str]]:
    """(entry, where) for every value the query names; `where` is FILE:LINE:COL."""
    base = baseline(spec)
    out = []
    for path in resolve(base, query):
        pos = base.positions.get(path)
        where = f"{base.file}:{pos.line}:{pos.column}" if pos else base.file
        out.append((trace(base, path), where))
    return out


def format_text(items: list[tuple[Entry, str]]) -> str:
    lines = []
    for entry, where in items:
        lines.append(f"{entry.path}  ({where})")
        if entry.status == "reaches":
            lines += [f"  reaches {len(entry.files)} generated file(s) ({entry.how}):"]
            lines += [f"    {f}" for f in entry.files]
        elif entry.status == "warned":
            lines.append(f"  reaches no generated file; warned: {entry.why}")
        elif entry.status == "allowed":
            lines.append(f"  reaches no generated file, by design: {entry.why}")
        elif entry.status == "held":
            lines.append(f"  held in place by the rest of the spec: {entry.why}")
        elif entry.status == "crashed":
            lines.append(f"  a valid change ({entry.how}) makes generation fail: {entry.why} (a bug: please report it)")
        else:
            lines.append("  DROPPED: reaches no generated file and no warning says why (a bug: please report it)")
    return "\n".join(lines)


def format_json(items: list[tuple[Entry, str]]) -> str:
    return json.dumps(
        [{**asdict(entry), "where": where, "accounted": entry.accounted} for entry, where in items],
        indent=2,
        ensure_ascii=False,
    )
