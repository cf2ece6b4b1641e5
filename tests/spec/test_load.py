"""The loader: positions of every node, and the fast and pure composers agreeing."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from ruamel.yaml.nodes import Node

from pipegen.spec.load import _STR, MAX_ALIAS_NODES, Pos, _tagged, compose, load_file, parse
from tests.conftest import example_specs


def test_positions_point_at_keys_and_values() -> None:
    loaded = parse("version: 1\npipeline:\n  name: shop\nsources:\n  - name: db\n    type: postgres\n", "x.yaml")
    name = loaded.positions[("pipeline", "name")]
    assert (name.line, name.column, name.key_line, name.key_column) == (3, 9, 3, 3)
    item = loaded.positions[("sources", 0)]
    assert (item.line, item.column) == (5, 5)
    assert loaded.positions[("sources", 0, "type")].column == 11


def _paths(data: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path of plain data, a parent before its children (the order the loader meets nodes)."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    return [path, *(p for key, value in items for p in _paths(value, (*path, key)))]


@pytest.mark.parametrize("spec", example_specs()[:3], ids=lambda p: p.stem)
def test_the_compact_index_holds_exactly_the_data_s_paths(spec: Path) -> None:
    loaded = load_file(spec)
    assert list(loaded.positions) == _paths(loaded.data)
    assert len(loaded.positions) == len(_paths(loaded.data))
    assert loaded.positions[()] == Pos(1, 1)
    for path in _paths(loaded.data)[1:40]:
        assert path in loaded.positions and loaded.positions.get(path) == loaded.positions[path]
        assert (*path, "no_such_key") not in loaded.positions and (*path, 10_000) not in loaded.positions
        assert (*path[:-1], True) not in loaded.positions  # True == 1, but no path holds a bool


def test_a_duplicate_key_keeps_the_first_value_s_position() -> None:
    loaded = parse("a: 1\nb:\n  c: 2\na: 3\n", "x.yaml")
    assert loaded.data == {"a": 1, "b": {"c": 2}}
    assert loaded.positions[("a",)] == Pos(1, 4, 1, 1)
    assert list(loaded.positions) == [(), ("a",), ("b",), ("b", "c")]


def test_nothing_holds_the_node_tree_after_parse() -> None:
    """What keeps parse's peak memory from lasting (docs/benchmarks.md, the 5,000-table peak): the
    composed nodes (~600 bytes each with their marks) are freed by reference counting as soon as
    parse returns, not at some later full collection; a non-string scalar (int, bool) used to stay
    in the constructor's memo of converted nodes, in a cycle with the YAML object."""
    text = "version: 1\nlimits: {rows: 10, ok: true, ratio: 0.5}\nlist: [1, 2, &x 3, *x]\n"
    gc.collect()
    gc.disable()
    try:
        loaded = parse(text, "x.yaml")
        alive = [o for o in gc.get_objects() if isinstance(o, Node)]
    finally:
        gc.enable()
    assert loaded.data == {"version": 1, "limits": {"rows": 10, "ok": True, "ratio": 0.5}, "list": [1, 2, 3, 3]}
    assert alive == []


@pytest.mark.parametrize("spec", example_specs(), ids=lambda p: p.stem)
def test_libyaml_and_pure_composers_give_the_same_data_and_positions(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = load_file(spec)
    monkeypatch.setenv("PIPEGEN_PURE_YAML", "1")
    pure = load_file(spec)
    assert fast.data == pure.data
    assert fast.positions == pure.positions


def test_yaml_1_2_plain_scalars_libyaml_refuses_still_load() -> None:
    loaded = parse("tags: [:0, a:b]\nother: ::x\n", "x.yaml")
    assert loaded.problems == []
    assert loaded.data == {"tags": [":0", "a:b"], "other": "::x"}


def test_yaml_1_2_booleans_and_dates_become_plain_values() -> None:
    loaded = parse("a: yes\nb: on\nc: 2024-01-02\nd: 0x1F\ne: ~\n", "x.yaml")
    assert loaded.data == {"a": "yes", "b": "on", "c": "2024-01-02", "d": 31, "e": None}


def _large_spec(tables: int) -> str:
    """A spec written out in full, without one anchor or alias: `tables` tables of fifty columns
    (about 150 nodes each: 2,000 tables hold more nodes than the alias budget allows aliases to add)."""
    head, _, _ = (Path(__file__).parents[2] / "specs" / "hello.yaml").read_text().partition("    tables:\n")
    rows = []
    for t in range(tables):
        columns = ", ".join(
            ["{name: id, type: bigint, not_null: true}", *(f"{{name: c{c}, type: int}}" for c in range(49))]
        )
        rows.append(f"      - name: t{t:04d}\n        primary_key: id\n        columns: [{columns}]\n")
    tail = "\ntargets:\n  - name: warehouse\n    type: duckdb\n    connection:\n      path: warehouse.duckdb\n"
    return head + "    tables:\n" + "".join(rows) + tail


def test_a_large_spec_without_aliases_loads_whatever_its_node_count() -> None:
    text = _large_spec(2000)
    assert "&" not in text and "*" not in text
    loaded = parse(text, "big.yaml")
    assert loaded.problems == []
    tables = loaded.data["sources"][0]["tables"]
    assert len(tables) == 2000 and tables[-1]["name"] == "t1999" and len(tables[-1]["columns"]) == 50
    assert len(loaded.positions) > MAX_ALIAS_NODES, "the spec is larger than the alias budget, which must not apply"


def test_an_alias_bomb_is_refused_at_the_key_whose_aliases_expand() -> None:
    lines = ["version: 1", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 10)}]")
    loaded = parse("\n".join(lines) + "\n", "bomb.yaml")
    [(pos, finding)] = loaded.problems
    assert finding.code == "P003" and "aliases" in finding.message and f"{MAX_ALIAS_NODES:,}" in finding.message
    # a..e expand to 111,110 nodes, f adds 1,111,110: f (line 7) crosses the budget
    assert (pos.line, pos.column) == (7, 1) and loaded.data is None


def test_aliases_within_the_budget_expand() -> None:
    loaded = parse("cols: &c [{name: a}, {name: b}]\nx: *c\ny: *c\n", "x.yaml")
    assert loaded.problems == [] and loaded.data["y"] == [{"name": "a"}, {"name": "b"}]


_TAGGED = (
    "a: plain\nb: !!str 12\nc: !<tag:yaml.org,2002:str> x\nd: !<tag:yaml.org,2002:st%72> y\ne: 3\n"
    "f: !!int '4'\ng: [!!str x, 1, true, ~]\n!!str h: !!map {i: !custom z}\n"
)


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure"])
def test_the_plain_tag_test_answers_as_the_tag_property(pure: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader tests a node's tag on its parts (`_tagged`) before asking ruamel's `node.tag`, which
    builds the tag's text: whenever it says yes, `node.tag` says the same, for every node either
    composer makes (handles, verbatim and %-escaped tags included)."""
    if pure:
        monkeypatch.setenv("PIPEGEN_PURE_YAML", "1")
    root = compose(_TAGGED)
    nodes, seen = [root], 0
    while nodes:
        node = nodes.pop()
        for tag in (_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:merge"):
            if _tagged(node, tag):
                assert node.tag == tag
                seen += 1
        if isinstance(node.value, list):
            nodes += [n for item in node.value for n in (item if isinstance(item, tuple) else (item,))]
    assert seen > 0
    assert parse(_TAGGED, "x.yaml").data["d"] == "y"  # a %-escaped str tag still reads as a string
