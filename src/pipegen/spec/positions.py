"""Where every node of a spec is: a compact path -> Pos index, filled while the loader converts.

A dict keyed by path tuples costs ~380 bytes a node (the tuple, a `Pos`, its ints, the slot):
104 MiB for the 285,000 nodes of e-commerce widened to 5,000 tables, more than the data it
locates. Here nodes are numbered in the order the loader meets them (depth first, a parent
before its children), and four `array('I')` hold each node's line, column and its key's line
and column, with its subtree's size and its key (the same string object the data holds), about
30 bytes a node. A path is found by walking down from the root; each container's children are
indexed the first time a path goes through it (diagnostics are few, the nodes many).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from pipegen.spec.diagnostics import Path

_NONE = 0  # a key position of 0: the node is not a mapping's value (lines and columns are 1-based)


class Pos(NamedTuple):
    line: int  # 1-based
    column: int  # 1-based
    key_line: int | None = None
    key_column: int | None = None


class Positions(Mapping[Path, Pos]):
    """Path -> Pos of every node the loader converted; built with `enter`/`leave` in depth-first order."""

    def __init__(self) -> None:
        self._line = array("I")
        self._column = array("I")
        self._key_line = array("I")
        self._key_column = array("I")
        self._size = array("I")  # nodes in the subtree, itself included (0 until it is left)
        self._key: list[str | int] = []  # the mapping key or list index leading to the node
        self._children: dict[int, dict[str | int, int]] = {}  # built on first lookup through a node
        self._root: Pos | None = None

    def enter(self, step: str | int, line: int, column: int, key_line: int = _NONE, key_column: int = _NONE) -> int:
        """Record a node met (before its children); its number, for `leave`."""
        self._line.append(line)
        self._column.append(column)
        self._key_line.append(key_line)
        self._key_column.append(key_column)
        self._size.append(0)
        self._key.append(step)
        return len(self._size) - 1

    def leave(self, number: int) -> None:
        """Every child of node `number` has been recorded."""
        self._size[number] = len(self._size) - number

    def set_root(self, pos: Pos) -> None:
        """The position reported for the whole document (the path `()`)."""
        self._root = pos

    def _index(self, path: Path) -> int | None:
        if not self._size:
            return None
        node = 0
        for step in path:
            kids = self._children.get(node)
            if kids is None:
                kids = self._children[node] = self._kids(node)
            found = kids.get(step)
            if found is None or isinstance(step, bool):
                return None
            node = found
        return node

    def _kids(self, node: int) -> dict[str | int, int]:
        kids: dict[str | int, int] = {}
        child, end = node + 1, node + self._size[node]
        while child < end and self._size[child]:
            kids.setdefault(self._key[child], child)
            child += self._size[child]
        return kids

    def _pos(self, node: int) -> Pos:
        key_line, key_column = self._key_line[node], self._key_column[node]
        if key_line == _NONE:
            return Pos(self._line[node], self._column[node])
        return Pos(self._line[node], self._column[node], key_line, key_column)

    def __getitem__(self, path: Path) -> Pos:
        if path == () and self._root is not None:
            return self._root
        node = self._index(path)
        if node is None:
            raise KeyError(path)
        return self._pos(node)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, tuple):
            return False
        return (path == () and self._root is not None) or self._index(path) is not None

    def __len__(self) -> int:
        return len(self._size) if self._size else int(self._root is not None)

    def __iter__(self) -> Iterator[Path]:
        if not self._size:
            if self._root is not None:
                yield ()
            return
        stack: list[tuple[int, Path]] = [(0, ())]
        while stack:
            node, path = stack.pop()
            yield path
            kids = list(self._kids(node).items())
            stack.extend((child, (*path, step)) for step, child in reversed(kids))
