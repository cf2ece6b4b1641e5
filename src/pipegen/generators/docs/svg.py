"""docs/architecture.svg: the data-flow diagram of docs/architecture.md laid out in Python, so the
local run's report shows it offline (no Mermaid from a CDN). A layered drawing, left to right:
each node in the column of its longest path from a source, columns ordered by the barycentre of
their neighbours, edges as curves from a node's right side to the next one's left side. Pure
functions of the plan's (restricted) graph; the template (templates/docs/architecture.svg.j2)
writes the shapes, every label through `xml_text`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipegen.safe import Safe, trusted

CHAR_W = 7.0  # px per character of a 12px sans-serif label (an estimate: no font metrics offline)
PAD_X, BOX_H, GAP_X, GAP_Y, MARGIN = 12.0, 34.0, 56.0, 14.0, 12.0
SWEEPS = 4


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    entity: bool  # a source or target of the spec (drawn as a pill), else a generated component
    x: float
    y: float
    w: float


def layers(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Node -> column: the length of its longest path from a node without predecessors, edges
    closing a cycle (found by a depth-first walk in node order) left out; a node without
    predecessors then moves right, to just before the nearest node it feeds."""
    succ: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        succ[a].append(b)
    state: dict[str, int] = {}
    order: list[str] = []
    forward: set[tuple[str, str]] = set()

    def walk(n: str) -> None:
        state[n] = 1
        for m in succ[n]:
            if state.get(m) is None:
                forward.add((n, m))
                walk(m)
            elif state[m] == 2:
                forward.add((n, m))
        state[n] = 2
        order.append(n)

    for n in ids:
        if n not in state:
            walk(n)
    column = dict.fromkeys(ids, 0)
    for n in reversed(order):  # a topological order of the forward edges
        for m in succ[n]:
            if (n, m) in forward:
                column[m] = max(column[m], column[n] + 1)
    has_pred = {b for a, b in forward}
    for n in ids:  # a node nothing feeds (a scheduler) sits just before the first node it feeds
        after = [column[m] for m in succ[n] if (n, m) in forward]
        if n not in has_pred and after:
            column[n] = min(after) - 1
    return column


def _mean(values: list[int], default: float) -> float:
    return sum(values) / len(values) if values else default


def ordered(ids: Sequence[str], edges: Sequence[tuple[str, str]], column: dict[str, int]) -> list[list[str]]:
    """The nodes of each column, top to bottom: barycentre sweeps (down, then up) from the
    nodes' own order, ties kept in place."""
    cols: list[list[str]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for n in ids:
        cols[column[n]].append(n)
    pred: dict[str, list[str]] = {n: [] for n in ids}
    succ: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        pred[b].append(a)
        succ[a].append(b)
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        indexes = range(1, len(cols)) if down else range(len(cols) - 2, -1, -1)
        for i in indexes:
            near = cols[i - 1] if down else cols[i + 1]
            where = {n: k for k, n in enumerate(near)}
            links = pred if down else succ
            keyed = [(_mean([where[m] for m in links[n] if m in where], k), k, n) for k, n in enumerate(cols[i])]
            cols[i] = [n for _, _, n in sorted(keyed)]
    return cols


def layout(nodes: Sequence[dict[str, Any]], edges: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The drawing as data: boxes with positions, edges as SVG path data, the canvas size."""
    ids = [str(n["id"]) for n in nodes]
    by_id = {str(n["id"]): n for n in nodes}
    cols = ordered(ids, edges, layers(ids, edges))
    widths = [max((len(str(by_id[n]["label"])) * CHAR_W + 2 * PAD_X for n in col), default=0.0) for col in cols]
    tallest = max((len(col) for col in cols), default=0)
    height = tallest * BOX_H + max(tallest - 1, 0) * GAP_Y
    boxes: dict[str, Box] = {}
    x = MARGIN
    for col, width in zip(cols, widths, strict=True):
        span = len(col) * BOX_H + (len(col) - 1) * GAP_Y
        y = MARGIN + (height - span) / 2
        for n in col:
            boxes[n] = Box(n, str(by_id[n]["label"]), bool(by_id[n]["entity"]), x, y, width)
            y += BOX_H + GAP_Y
        x += width + GAP_X
    return {
        "width": round(max(x - GAP_X + MARGIN, 2 * MARGIN)),
        "height": round(height + 2 * MARGIN),
        "boxes": [_box(boxes[n]) for n in ids],
        "edges": [{"a": a, "b": b, "d": _curve(boxes[a], boxes[b])} for a, b in edges],
    }


def _box(box: Box) -> dict[str, Any]:
    return {"id": box.id, "label": box.label, "entity": box.entity, "x": _n(box.x), "y": _n(box.y),
            "w": _n(box.w), "h": _n(BOX_H), "rx": _n(BOX_H / 2 if box.entity else 4.0),
            "tx": _n(box.x + box.w / 2), "ty": _n(box.y + BOX_H / 2 + 4)}  # fmt: skip


def _curve(a: Box, b: Box) -> Safe:
    """A cubic curve from a's right side to b's left side (an arrowhead marks the end)."""
    x1, y1 = a.x + a.w, a.y + BOX_H / 2
    x2, y2 = b.x, b.y + BOX_H / 2
    bend = max(abs(x2 - x1) / 2, GAP_X / 2)
    return trusted(f"M{_n(x1)},{_n(y1)} C{_n(x1 + bend)},{_n(y1)} {_n(x2 - bend)},{_n(y2)} {_n(x2 - 2)},{_n(y2)}")


def _n(value: float) -> Safe:
    """A coordinate as short, stable text."""
    return trusted(f"{value:.1f}".rstrip("0").rstrip("."))
