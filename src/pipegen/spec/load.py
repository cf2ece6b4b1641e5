"""Read pipegen.yaml into plain data plus the line/column of every node.

The YAML is composed into nodes (never constructed blindly), so duplicate keys are all
reported, aliases are expanded under a budget (no billion laughs), and every value and
key keeps its position for diagnostics. The budget counts what aliases add: every node
converted again because an alias leads back into a collection met before. A large spec
written out in full uses none of it (its size is bounded by MAX_BYTES alone); an alias to a
scalar adds one node per use, which the file's size bounds.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipegen.spec.diagnostics import Finding, Path
from pipegen.spec.positions import Pos, Positions

__all__ = ["Loaded", "Pos", "Positions", "load_bytes", "load_file", "parse"]

MAX_BYTES = 4 * 1024 * 1024
MAX_ALIAS_NODES = 250_000  # nodes added by alias expansion (a node reached again through an alias)
MAX_DEPTH = 64


@dataclass
class Loaded:
    """A spec file read into plain data, with positions; or the problems that stopped it."""

    file: str
    data: Any = None
    positions: Mapping[Path, Pos] = field(default_factory=Positions)
    problems: list[tuple[Pos, Finding]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for _, f in self.problems)

    def locate(self, finding: Finding) -> Pos:
        """Where a finding points: its own node, else the nearest ancestor (missing keys)."""
        path = finding.path
        missing_key = path not in self.positions
        while path and path not in self.positions:
            path = path[:-1]
        pos = self.positions.get(path, Pos(1, 1))
        want_key = finding.on_key or missing_key
        if want_key and pos.key_line is not None and pos.key_column is not None:
            return Pos(pos.key_line, pos.key_column)
        return pos


class _Budget(Exception):
    def __init__(self, pos: Pos, finding: Finding) -> None:
        super().__init__(finding.message)
        self.pos = pos
        self.finding = finding


def _pos(node: Node, key: Node | None = None) -> Pos:
    mark = node.start_mark
    if key is None:
        return Pos(mark.line + 1, mark.column + 1)
    kmark = key.start_mark
    return Pos(mark.line + 1, mark.column + 1, kmark.line + 1, kmark.column + 1)


def _problem(line: int, col: int, code: str, message: str, hint: str | None = None) -> tuple[Pos, Finding]:
    return Pos(line, col), Finding((), code, message, hint)


def read_text(raw: bytes, file: str) -> tuple[str | None, list[tuple[Pos, Finding]]]:
    """Bytes -> text, refusing what is not a spec file: too large, not UTF-8, tabs, empty."""
    if len(raw) > MAX_BYTES:
        return None, [_too_large(len(raw))]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            _problem(
                line, col, "P005", f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8"
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [_problem(line, 1, "P005", "the file contains a NUL byte", "save the file as UTF-8 text")]
    tabs = _tab_indents(text)
    if tabs:
        return None, tabs
    if not text.strip() or all(ln.lstrip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return None, [
            _problem(
                1,
                1,
                "P008",
                "the spec is empty",
                "start from an example: `pipegen examples`, then `pipegen new NAME --spec hello`",
            )
        ]
    return text, []


def _too_large(size: int) -> tuple[Pos, Finding]:
    return _problem(
        1,
        1,
        "P004",
        f"the file is {size:,} bytes; specs are limited to {MAX_BYTES:,}",
        "split the pipeline into several specs",
    )


def _tab_indents(text: str) -> list[tuple[Pos, Finding]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append(
                _problem(
                    number,
                    indent.index("\t") + 1,
                    "P006",
                    "a tab is used for indentation",
                    "YAML indents with spaces only: replace the tab with spaces",
                )
            )
    return found


def parse(text: str, file: str) -> Loaded:
    """Text -> Loaded (plain data and positions), never raising for bad input."""
    loaded = Loaded(file)
    yaml = YAML(typ="safe", pure=True)  # its constructor turns scalar nodes into values
    try:
        root = compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        loaded.problems.append(
            _problem(line, col, "P001", f"invalid YAML: {problem}", "check indentation, quotes and brackets here")
        )
        return loaded
    except (YAMLError, RecursionError) as exc:
        message = "nesting is too deep" if isinstance(exc, RecursionError) else f"invalid YAML: {exc}"
        loaded.problems.append(_problem(1, 1, "P001", message, "simplify the document structure"))
        return loaded
    if root is None:
        loaded.problems.append(_problem(1, 1, "P008", "the spec is empty", "start from `pipegen examples`"))
        return loaded
    if not isinstance(root, MappingNode):
        loaded.problems.append(
            _problem(
                *_lc(root),
                "P007",
                "the top level of a spec must be a mapping (key: value)",
                "start with `version: 1` and `pipeline:` as in the examples",
            )
        )
        return loaded
    positions = Positions()
    converter = _Converter(yaml, loaded, positions)
    try:
        loaded.data = converter.convert(root, (), 0, None)
    except _Budget as exc:
        loaded.problems.append((exc.pos, exc.finding))
        loaded.data = None
    finally:
        converter.release()
    positions.set_root(Pos(1, 1))
    loaded.positions = positions
    return loaded


def compose(text: str) -> Node | None:
    """YAML text -> node graph (positions kept, nothing constructed).

    libyaml's composer (ruamel.yaml.clibz) is about ten times faster. It follows YAML 1.1 in
    a few corners (a plain scalar such as `:0`), so a document it refuses is composed again
    by ruamel's pure YAML 1.2 composer before the error is reported.
    """
    import ruamel.yaml

    c_loader = getattr(ruamel.yaml, "CSafeLoader", None)  # None without the compiled extension
    if c_loader is None or os.environ.get("PIPEGEN_PURE_YAML"):
        return _compose_pure(text)
    loader = c_loader(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    except MarkedYAMLError as c_error:
        try:
            return _compose_pure(text)
        except MarkedYAMLError:
            raise c_error from None
    finally:
        loader.dispose()


def _compose_pure(text: str) -> Node | None:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = True
    return yaml.compose(text)  # type: ignore[no-any-return]


_STR = "tag:yaml.org,2002:str"


def _tagged(node: Node, tag: str) -> bool:
    """`node.tag == tag` for a `tag` without `%`, when the node's tag is a plain suffix (what the
    composers give every node): without `node.tag`'s conversion (a property building the tag's text
    each time, read for every key and scalar). False also when it cannot tell: then ask `node.tag`."""
    ctag = node.ctag
    return ctag is not None and ctag.handle is None and ctag.suffix == tag


def _lc(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Converter:
    """Nodes -> plain dict/list/scalars, counting expanded nodes and recording positions."""

    def __init__(self, yaml: YAML, loaded: Loaded, positions: Positions) -> None:
        self.constructor = yaml.constructor
        self.loaded = loaded
        self.positions = positions
        self.expanded = 0  # nodes converted again because an alias refers to them
        self.seen: set[int] = set()  # collections converted once (a scalar alias cannot multiply)
        self.active: set[int] = set()

    def release(self) -> None:
        """Drop the constructor's memo of the nodes it converted (ruamel clears it after a
        document; `convert` is not its document loop): nothing holds the node tree after parse,
        which is freed by reference counting alone, not at the next full garbage collection."""
        self.constructor.constructed_objects = {}
        self.constructor.recursive_objects = {}

    def _expand(self, node: Node, site: Node | None) -> None:
        """Count one node an alias adds; refuse past the budget, at the key (or item) using the alias."""
        self.expanded += 1
        if self.expanded > MAX_ALIAS_NODES:
            raise _Budget(
                _pos(site if site is not None else node),
                Finding(
                    (),
                    "P003",
                    f"the aliases here expand the document by more than {MAX_ALIAS_NODES:,} nodes "
                    "(each alias copies its anchor's whole subtree)",
                    "use fewer aliases; write the values out",
                ),
            )

    def convert(
        self, node: Node, path: Path, depth: int, key: Node | None, site: Node | None = None, again: bool = False
    ) -> Any:
        """`again`: inside a collection met before (through an alias), where every node counts;
        `site`: the innermost key or item met for the first time, where that alias is used."""
        if again:
            self._expand(node, site)
        elif not isinstance(node, ScalarNode):
            if id(node) in self.seen:
                again = True
                self._expand(node, site)
            else:
                self.seen.add(id(node))
                site = key if key is not None else node
        if depth > MAX_DEPTH:
            raise _Budget(
                _pos(node), Finding((), "P011", f"nesting deeper than {MAX_DEPTH} levels", "flatten the structure")
            )
        number = self._record(node, path, key)
        if isinstance(node, ScalarNode):
            self.positions.leave(number)
            return self._scalar(node)
        if id(node) in self.active:
            self.positions.leave(number)
            raise _Budget(
                _pos(node),
                Finding((), "P003", "an alias refers to itself (a recursive structure)", "remove the recursive alias"),
            )
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [
                    self.convert(item, (*path, i), depth + 1, None, site, again) for i, item in enumerate(node.value)
                ]
            assert isinstance(node, MappingNode)
            return self._mapping(node, path, depth, site, again)
        finally:
            self.active.discard(id(node))
            self.positions.leave(number)

    def _record(self, node: Node, path: Path, key: Node | None) -> int:
        mark = node.start_mark
        step = path[-1] if path else ""
        if key is None:
            return self.positions.enter(step, mark.line + 1, mark.column + 1)
        kmark = key.start_mark
        return self.positions.enter(step, mark.line + 1, mark.column + 1, kmark.line + 1, kmark.column + 1)

    def _mapping(self, node: MappingNode, path: Path, depth: int, site: Node | None, again: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _Budget(
                    _pos(key_node),
                    Finding(
                        (),
                        "P010",
                        "a key must be a plain scalar, not a list or mapping",
                        "use a simple name as the key",
                    ),
                )
            if not _tagged(key_node, _STR) and key_node.tag == "tag:yaml.org,2002:merge":
                raise _Budget(
                    _pos(key_node),
                    Finding((), "P010", "merge keys (<<) are not supported in specs", "write the keys out"),
                )
            key = str(self._scalar(key_node))
            if key in seen:
                first = seen[key].start_mark
                self.loaded.problems.append(
                    (
                        _pos(key_node),
                        Finding(
                            (*path, key),
                            "P002",
                            f"duplicate key '{key}' (first defined at line {first.line + 1})",
                            f"pipegen keeps the first value (line {first.line + 1}) and ignores this one; "
                            "remove the one you do not mean",
                        ),
                    )
                )
                continue
            seen[key] = key_node
            out[key] = self.convert(value_node, (*path, key), depth + 1, key_node, site, again)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        if _tagged(node, _STR) or node.tag == _STR:
            return node.value  # the common case, without the constructor's dispatch
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError):  # e.g. an integer of more than 4,300 digits
            return node.value
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, bytes):
            return node.value
        return value


def load_file(path: FsPath) -> Loaded:
    """Read and parse a spec file. I/O problems are findings too, never exceptions."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            loaded = Loaded(file)
            loaded.problems.append(_too_large(size))  # refused before reading it
            return loaded
        raw = path.read_bytes()
    except FileNotFoundError:
        loaded = Loaded(file)
        loaded.problems.append(_problem(1, 1, "P000", "no such file", "check the path, or run `pipegen examples`"))
        return loaded
    except IsADirectoryError:
        loaded = Loaded(file)
        loaded.problems.append(_problem(1, 1, "P000", "this is a directory, not a spec file", None))
        return loaded
    except OSError as exc:
        loaded = Loaded(file)
        loaded.problems.append(_problem(1, 1, "P000", f"cannot read the file: {exc.strerror}", None))
        return loaded
    return load_bytes(raw, file)


def load_bytes(raw: bytes, file: str) -> Loaded:
    text, problems = read_text(raw, file)
    if text is None:
        loaded = Loaded(file)
        loaded.problems.extend(problems)
        return loaded
    return parse(text, file)
