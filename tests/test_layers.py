"""The house's floors, read from the source with `ast`: every import of every module under
src/pipegen (at module level, inside functions, under `if TYPE_CHECKING:`) points to its own
layer or a lower one, never round in a circle; a family package never imports another family
or the registry; no module is longer than MAX_LINES. LAYERS below is the order, as data.

The checkers are pure functions of data (a graph, a layer table, line counts): each test of the
real tree has a twin that feeds a fabricated graph and checks the fault is caught.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence, Set
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src"
ROOT_PACKAGE = "pipegen"
MAX_LINES = 600
FAMILIES_PACKAGE = "pipegen.generators"  # every subpackage of it is a family package
NO_FAMILY_IMPORTS = ("pipegen.generators.registry",)  # a family never imports these either
# Modules over MAX_LINES whose split is under way elsewhere; the test fails once one is split,
# so the entry is removed then.

Graph = Mapping[str, Set[str]]
Layers = Sequence[tuple[str, Sequence[str]]]

# Bottom first: a module may import modules of its own layer or of a lower one. A pattern is a
# dotted module name, exact; `*` stands for one segment and a trailing `.**` for the module and
# everything below it. The most specific pattern that matches a module places it (more literal
# segments first, then an exact pattern before a `.**` one).
LAYERS: Layers = (
    ("bottom: errors, text safety, data files", (
        "pipegen", "pipegen.errors", "pipegen.safe", "pipegen.resources", "pipegen.examples",
    )),
    ("spec: load, model, rules, validate, diff", ("pipegen.spec.**",)),
    ("plan", ("pipegen.plan.**",)),
    ("render: filters, SQL, Jinja environment", ("pipegen.render.**",)),
    ("family contract", ("pipegen.generators", "pipegen.generators.base")),
    ("code several families share", ("pipegen.common.**",)),
    ("families", ("pipegen.generators.*.**", "pipegen.generators.planned")),
    ("registry", ("pipegen.generators.registry",)),
    ("pipeline: check, plan, render, write; spec diff", ("pipegen.pipeline", "pipegen.write.**", "pipegen.specdiff")),
    ("project tools: plan view, new project, local run, ledger", (
        "pipegen.planview", "pipegen.scaffold", "pipegen.runner", "pipegen.runresult", "pipegen.localenv",
        "pipegen.javacheck",
        "pipegen.ledger.**",
    )),
    ("terminal: printing and exit codes", ("pipegen.console",)),
    ("commands (typer)", ("pipegen.cli", "pipegen.cliparams")),
    ("console script", ("pipegen.entry", "pipegen.__main__")),
)  # fmt: skip


# ---------------------------------------------------------------- reading the source


def module_name(path: Path, src: Path) -> str:
    """src/pipegen/spec/model/__init__.py -> pipegen.spec.model."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_files(src: Path, package: str = ROOT_PACKAGE) -> dict[str, Path]:
    return {module_name(p, src): p for p in sorted((src / package).rglob("*.py"))}


def family_packages(src: Path, package: str = FAMILIES_PACKAGE) -> frozenset[str]:
    folder = src.joinpath(*package.split("."))
    return frozenset(f"{package}.{d.name}" for d in folder.iterdir() if (d / "__init__.py").is_file())


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module an ImportFrom reads from; a relative one resolved against `module`."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _known(name: str, known: Set[str]) -> str | None:
    """`name` itself or its longest prefix in `known` (the module defining the attribute)."""
    parts = name.split(".")
    return next((m for end in range(len(parts), 0, -1) if (m := ".".join(parts[:end])) in known), None)


def imports_in(source: str, module: str, is_package: bool, known: Set[str]) -> frozenset[str]:
    """Every module of `known` that `source` imports, anywhere (function bodies, TYPE_CHECKING
    blocks). An edge goes to the module named: `from pkg import sub` to `pkg.sub` when that is a
    module, else to `pkg`; `import a.b.c` to `a.b.c` (not to the packages it runs on the way)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(m for a in node.names if (m := _known(a.name, known)))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if sub in known else _known(base, known)
                if target:
                    found.add(target)
    found.discard(module)
    return frozenset(found)


def import_graph(files: Mapping[str, Path]) -> dict[str, frozenset[str]]:
    known = frozenset(files)
    return {
        name: imports_in(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known)
        for name, path in files.items()
    }


def line_counts(files: Mapping[str, Path]) -> dict[str, int]:
    return {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in files.items()}


# ---------------------------------------------------------------- the checks: pure functions of data


def import_cycles(graph: Graph) -> list[list[str]]:
    """One cycle [a, b, ..., a] per strongly connected group of modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            groups.append([node, *group])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_cycle_in(group, graph) for group in groups if len(group) > 1 or group[0] in graph.get(group[0], ()))


def _cycle_in(group: list[str], graph: Graph) -> list[str]:
    """A shortest path from the group's first module (by name) back to itself, inside the group."""
    start = min(group)
    members = set(group)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"{group} is not strongly connected")


def _pattern_matches(pattern: str, module: str) -> bool:
    want, have = pattern.split("."), module.split(".")
    if want[-1] == "**":
        want = want[:-1]
        have = have[: len(want)] if len(have) >= len(want) else []
    return len(want) == len(have) and all(w in ("*", h) for w, h in zip(want, have, strict=True))


def layer_of(module: str, layers: Layers) -> int | None:
    """The index in `layers` of the most specific pattern matching `module`; None if none does."""
    best: tuple[int, bool] | None = None
    found = None
    for position, (_, patterns) in enumerate(layers):
        for pattern in patterns:
            if _pattern_matches(pattern, module):
                parts = pattern.split(".")
                score = (sum(p not in ("*", "**") for p in parts), parts[-1] != "**")
                if best is None or score > best:
                    best, found = score, position
    return found


def unplaced(modules: Set[str] | Sequence[str], layers: Layers) -> list[str]:
    return sorted(m for m in modules if layer_of(m, layers) is None)


def upward_imports(graph: Graph, layers: Layers) -> list[str]:
    """Every import of a module of a higher layer: 'a (its layer) -> b (its layer)'."""
    found = []
    for module in sorted(graph):
        here = layer_of(module, layers)
        for target in sorted(graph[module]):
            there = layer_of(target, layers)
            if here is not None and there is not None and there > here:
                found.append(f"{module} ({layers[here][0]}) -> {target} ({layers[there][0]})")
    return found


def _family(module: str, families: Set[str]) -> str | None:
    return next((f for f in families if module == f or module.startswith(f + ".")), None)


def cross_family_imports(graph: Graph, families: Set[str], banned: Sequence[str] = NO_FAMILY_IMPORTS) -> list[str]:
    """Every import from a family package of another family package or of a banned module."""
    found = []
    for module in sorted(graph):
        own = _family(module, families)
        if own is None:
            continue
        for target in sorted(graph[module]):
            other = _family(target, families)
            if (other is not None and other != own) or any(_family(target, {b}) for b in banned):
                found.append(f"{module} -> {target}")
    return found


def oversized(lines: Mapping[str, int], limit: int = MAX_LINES) -> list[str]:
    return [f"{module}: {count} lines" for module, count in sorted(lines.items()) if count > limit]


# ---------------------------------------------------------------- the tree in src/


FILES = module_files(SRC)
GRAPH = import_graph(FILES)


def test_the_import_graph_of_src_has_no_cycle() -> None:
    cycles = import_cycles(GRAPH)
    assert cycles == [], "import cycles (function-level imports count):\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_every_module_in_src_has_a_layer() -> None:
    assert unplaced(set(GRAPH), LAYERS) == [], "add these modules to LAYERS in tests/test_layers.py"


def test_every_import_in_src_points_to_its_own_or_a_lower_layer() -> None:
    upward = upward_imports(GRAPH, LAYERS)
    assert upward == [], "imports of a higher layer (move the code to where it belongs):\n" + "\n".join(upward)


def test_no_family_imports_another_family_or_the_registry() -> None:
    families = family_packages(SRC)
    assert len(families) >= 2, f"found family packages {sorted(families)}: is FAMILIES_PACKAGE right?"
    crossing = cross_family_imports(GRAPH, families)
    assert crossing == [], "families import other families or the registry:\n" + "\n".join(crossing)


def test_no_module_in_src_is_longer_than_the_limit() -> None:
    lines = line_counts(FILES)
    long = oversized(lines)
    assert long == [], f"split these by meaning (at most {MAX_LINES} lines each):\n" + "\n".join(long)


# ---------------------------------------------------------------- each check can fail


def test_the_reader_sees_imports_in_functions_type_checking_blocks_and_relative_forms() -> None:
    known = {"p", "p.a", "p.b", "p.c", "p.d", "p.e", "p.pkg", "p.pkg.sub", "p.pkg.other", "p.f"}
    source = """
from typing import TYPE_CHECKING
import os
if TYPE_CHECKING:
    from p.a import Thing
def late():
    import p.b as b
    from p.pkg import sub, helper
    return b
from . import c
from .d import name
from p import f
"""
    assert imports_in(source, "p.e", False, known) == {"p.a", "p.b", "p.pkg.sub", "p.pkg", "p.c", "p.d", "p.f"}
    assert imports_in("from . import other\nfrom .. import a\n", "p.pkg", True, known) == {"p.pkg.other", "p.a"}


def test_a_cycle_is_caught_and_its_modules_named() -> None:
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}, "p.e": {"p.e"}}
    assert import_cycles(graph) == [["p.a", "p.b", "p.c", "p.a"], ["p.e", "p.e"]]


def test_a_package_importing_its_submodules_which_import_siblings_is_no_cycle() -> None:
    graph = {"p.model": {"p.model.base", "p.model.root"}, "p.model.root": {"p.model.base"}, "p.model.base": set()}
    assert import_cycles(graph) == []


def test_an_upward_import_is_caught_and_a_downward_or_sideways_one_is_not() -> None:
    layers = (("low", ("p", "p.low.**")), ("high", ("p.high.**",)))
    graph = {"p": set(), "p.low.a": {"p.high.b", "p.low.c", "p"}, "p.low.c": set(), "p.high.b": {"p.low.c"}}
    assert upward_imports(graph, layers) == ["p.low.a (low) -> p.high.b (high)"]


def test_the_most_specific_pattern_places_a_module() -> None:
    def layer(module: str) -> str:
        found = layer_of(module, LAYERS)
        assert found is not None, module
        return LAYERS[found][0]

    assert layer("pipegen") == layer("pipegen.errors") == LAYERS[0][0]
    assert layer("pipegen.spec.model.root") == layer("pipegen.spec") == "spec: load, model, rules, validate, diff"
    assert layer("pipegen.generators") == layer("pipegen.generators.base") == "family contract"
    assert layer("pipegen.generators.flink") == layer("pipegen.generators.flink.sql") == "families"
    assert layer("pipegen.generators.registry") == "registry"
    assert unplaced({"pipegen.newcomer", "pipegen.write.new"}, LAYERS) == ["pipegen.newcomer"]


def test_a_cross_family_import_and_an_import_of_the_registry_are_caught() -> None:
    families = {"g.x", "g.y"}
    graph = {
        "g.x": {"g.x.gen"},
        "g.x.gen": {"g.y.gen", "g.base", "g.x.sql"},
        "g.x.sql": {"g.registry"},
        "g.y.gen": {"g.base"},
        "g.registry": {"g.x", "g.y"},
    }
    assert cross_family_imports(graph, families, ("g.registry",)) == ["g.x.gen -> g.y.gen", "g.x.sql -> g.registry"]


def test_an_oversized_module_is_caught() -> None:
    assert oversized({"p.a": MAX_LINES, "p.b": MAX_LINES + 1}) == [f"p.b: {MAX_LINES + 1} lines"]
