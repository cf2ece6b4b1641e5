"""The ledger: for every value of a spec, the generated files it reaches, found by changing the
value and rendering again in memory, never from what the generators say they read.

A value is accounted for when
- changing it changes at least one generated file (`reaches`), or
- a located warning of validate or the planner is emitted at its path or at an enclosing
  element (`warned`: the warning says why it reaches nothing and what to change), or
- it is on the documented allow-list (`allowed`, pipegen.ledger.allow), or
- no change of it that the perturbations try is accepted by validate (`held`: the rest of
  the spec pins it, e.g. `version: 1`, a column type that its rules need; validate then
  reads it, and a change is a located error).
A value whose every accepted change leaves every file byte-identical is `unchanged`: dropped
silently. A valid change that makes the renderer raise is `crashed` (a bug either way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, Literal

from pipegen.ledger.allow import allowed
from pipegen.ledger.perturb import Candidate, candidates, get, replace_at, retry_values
from pipegen.pipeline import render_tree
from pipegen.plan.plan import Plan, make_plan
from pipegen.spec.diagnostics import Diagnostic, Path, SpecError, dotted, has_errors
from pipegen.spec.load import Pos, load_bytes, load_file
from pipegen.spec.model import Spec
from pipegen.spec.validate import check_data, locate

Status = Literal["reaches", "warned", "allowed", "held", "unchanged", "crashed"]
ACCOUNTED: frozenset[str] = frozenset({"reaches", "warned", "allowed", "held"})
MAX_VALID_TRIES = 3  # accepted changes tried per value before it is called unchanged
# An empty list or mapping (`group_by: []`) whose removal changes no file says what leaving the key
# out says: it holds no value that could be dropped.
EMPTY = "an empty list or mapping, the same as leaving the key out: it holds nothing to drop"

SpecInput = str | bytes | FsPath | Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """What one spec value reaches, or why it reaches nothing."""

    path: str
    status: Status
    files: tuple[str, ...] = ()
    how: str = ""  # the change that showed it
    why: str = ""  # the warning, the allow-list reason, the codes that held the value, the crash

    @property
    def accounted(self) -> bool:
        return self.status in ACCOUNTED


@dataclass(frozen=True)
class Baseline:
    """The spec as given: its data, positions, warnings and generated files."""

    file: str
    data: Any
    positions: Mapping[Path, Pos]
    diagnostics: list[Diagnostic]
    files: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    errors: list[Diagnostic]
    files: dict[str, str] | None = None
    crash: str = ""


def generate(data: Any, file: str = "<spec>", positions: Mapping[Path, Pos] | None = None) -> Outcome:
    """validate -> plan -> render in memory (the path of `pipegen generate`, without writing)."""
    checked = check_data(data, file, positions)
    if checked.spec is None or not checked.ok:
        return Outcome([d for d in checked.diagnostics if d.severity == "error"])
    plan = make_plan(checked.spec)
    diags = [*checked.diagnostics, *locate(checked, list(plan.findings))]
    if has_errors(diags):
        return Outcome([d for d in diags if d.severity == "error"])
    try:
        return Outcome([], _render(checked.spec, plan))
    except Exception as exc:
        return Outcome([], None, f"{type(exc).__name__}: {exc}")


def _render(spec: Spec, plan: Plan) -> dict[str, str]:
    return dict(render_tree(spec, plan))


def baseline(spec: SpecInput, file: str | None = None) -> Baseline:
    """Read and generate the spec once; SpecError when it does not validate."""
    positions: Mapping[Path, Pos]
    if isinstance(spec, Mapping):
        name, data, positions = file or "<spec>", dict(spec), {}
    else:
        loaded = (
            load_file(spec)
            if isinstance(spec, FsPath)
            else load_bytes(spec.encode() if isinstance(spec, str) else spec, file or "<spec>")
        )
        name, data, positions = loaded.file, loaded.data, loaded.positions
    checked = check_data(data, name, positions)
    if checked.spec is None or not checked.ok:
        raise SpecError(checked.diagnostics)
    plan = make_plan(checked.spec)
    diags = [*checked.diagnostics, *locate(checked, list(plan.findings))]
    if has_errors(diags):
        raise SpecError(diags)
    return Baseline(name, data, positions, diags, _render(checked.spec, plan))


def leaves(data: Any, path: Path = ()) -> list[Path]:
    """Every scalar of the data (and every empty list or mapping), in document order."""
    if isinstance(data, dict) and data:
        return [leaf for key, value in data.items() for leaf in leaves(value, (*path, key))]
    if isinstance(data, list) and data:
        return [leaf for i, value in enumerate(data) for leaf in leaves(value, (*path, i))]
    return [path]


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(p for p in {*before, *after} if before.get(p) != after.get(p)))


def covering_warning(base: Baseline, path: Path) -> Diagnostic | None:
    """A warning at `path`, or at an element that encloses it (two levels deep at least)."""
    text = dotted(path)
    for diag in base.diagnostics:
        if diag.severity != "warning" or not diag.path:
            continue
        if diag.path == text or (text.startswith((diag.path + ".", diag.path + "[")) and _depth(diag.path) >= 2):
            return diag
    return None


def _depth(text: str) -> int:
    return text.count(".") + text.count("[") + 1


def trace(base: Baseline, path: Path) -> Entry:
    """Change the value at `path` until a change validates and shows which files it reaches."""
    text = dotted(path)
    held: list[str] = []
    valid_tries = 0
    for candidate in _with_retries(base, path):
        outcome = generate(candidate.data, base.file, base.positions)
        if outcome.crash:
            return Entry(text, "crashed", how=candidate.how, why=outcome.crash)
        if outcome.files is None:
            held.extend(d.code for d in outcome.errors)
            continue
        before = base.files if candidate.control is None else generate(candidate.control, base.file).files
        if before is None:  # the spec the candidate is compared with does not validate: no comparison
            continue
        files = changed(before, outcome.files)
        if files:
            return Entry(text, "reaches", files, candidate.how)
        valid_tries += 1
        if valid_tries >= MAX_VALID_TRIES:
            break
    return _unreached(base, path, text, held, valid_tries)


def _unreached(base: Baseline, path: Path, text: str, held: list[str], valid_tries: int) -> Entry:
    warning = covering_warning(base, path)
    if warning is not None:
        return Entry(text, "warned", why=f"{warning.code} at {warning.path}: {warning.message}")
    reason = allowed(path)
    if reason is not None:
        return Entry(text, "allowed", why=reason)
    if valid_tries and get(base.data, path) in ([], {}):
        return Entry(text, "allowed", why=EMPTY)
    if not valid_tries:
        return Entry(text, "held", why="every change tried is refused by validate: " + ", ".join(sorted(set(held))))
    return Entry(text, "unchanged", why="every accepted change leaves every generated file byte-identical")


def _with_retries(base: Baseline, path: Path) -> Iterable[Candidate]:
    """The perturbations, and after one refused as outside an enumeration, the enumeration's other values."""
    value = get(base.data, path)
    yield from candidates(base.data, path)
    if isinstance(value, str) and not isinstance(value, bool):
        probe = generate(replace_at(base.data, path, value + "_zq"), base.file, base.positions)
        for diag in probe.errors:
            if diag.code == "S104" and diag.path == dotted(path):
                for other in retry_values(diag.message, value):
                    yield Candidate(f"{value!r} -> {other!r}", replace_at(base.data, path, other))


def ledger(spec: SpecInput, paths: Iterable[Path] | None = None, file: str | None = None) -> dict[str, Entry]:
    """Spec path (dotted) -> Entry, for every value of the spec (or the given leaf paths)."""
    base = baseline(spec, file)
    chosen = leaves(base.data) if paths is None else list(paths)
    return {dotted(p): trace(base, p) for p in chosen}


def unaccounted(spec: SpecInput, paths: Iterable[Path] | None = None, file: str | None = None) -> list[str]:
    """The spec paths that reach no generated file and no warning: dropped silently (or crashing)."""
    return [path for path, entry in ledger(spec, paths, file).items() if not entry.accounted]
