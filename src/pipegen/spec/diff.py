"""`pipegen diff OLD NEW`: every change between two specs, classified breaking / non-breaking /
metadata, with the reason and what it does downstream.

The raw data of both files is walked together; lists of named items (sources, tables,
columns, marts, ...) are matched by name, other lists compared as values. Each change is
classified by the first rule of RULES whose pattern matches its path (`sources[].tables[].
columns[].type`) and kind; a rule may look at the old and new values (a widened type is
non-breaking, a narrowed one breaking). A change no rule covers counts as breaking: pipegen
never calls a change safe that it did not understand.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipegen.spec import rulekinds

Kind = Literal["added", "removed", "changed"]
Category = Literal["breaking", "non-breaking", "metadata"]
IPath = tuple[str | int, ...]
KEYS = ("name", "layer", "target")
CATEGORIES: tuple[Category, ...] = ("breaking", "non-breaking", "metadata")


@dataclass(frozen=True)
class Change:
    path: str  # sources[shop].tables[orders].columns[status].type
    pattern: str  # sources[].tables[].columns[].type
    names: tuple[str, ...]  # shop, orders, status
    kind: Kind
    old: Any
    new: Any
    where: IPath  # index path of the nearest node in the new file (for line numbers)


@dataclass(frozen=True)
class Classified:
    change: Change
    category: Category
    reason: str
    downstream: str
    allowed: bool = False


# ---- walking ------------------------------------------------------------------------------------------------


def _key(items: Sequence[Any]) -> str | None:
    """The field that names every item of a list of mappings, if there is one."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    return next((k for k in KEYS if all(isinstance(i.get(k), str) for i in items)), None)


def changes(old: Any, new: Any) -> list[Change]:
    return list(_walk(old, new, "", "", (), (), ()))


def _walk(old: Any, new: Any, path: str, pattern: str, names: tuple[str, ...], where: IPath,
          owhere: IPath) -> Iterator[Change]:  # fmt: skip
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=lambda k: (k not in new, str(k))):
            sub, subpat = f"{path}.{key}" if path else str(key), f"{pattern}.{key}" if pattern else str(key)
            if key not in old:
                yield Change(sub, subpat, names, "added", None, new[key], (*where, key))
            elif key not in new:
                yield Change(sub, subpat, names, "removed", old[key], None, where)
            else:
                yield from _walk(old[key], new[key], sub, subpat, names, (*where, key), (*owhere, key))
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _key(old + new) if old or new else None
        if key is not None:
            yield from _walk_named(old, new, key, path, pattern, names, where, owhere)
            return
    if old != new:
        yield Change(path, pattern, names, "changed", old, new, where)


def _walk_named(old: list[Any], new: list[Any], key: str, path: str, pattern: str, names: tuple[str, ...],
                where: IPath, owhere: IPath) -> Iterator[Change]:  # fmt: skip
    olds = {item[key]: (i, item) for i, item in enumerate(old)}
    news = {item[key]: (i, item) for i, item in enumerate(new)}
    for name in [*news, *(n for n in olds if n not in news)]:
        sub, subpat, subnames = f"{path}[{name}]", f"{pattern}[]", (*names, str(name))
        if name not in olds:
            yield Change(sub, subpat, subnames, "added", None, news[name][1], (*where, news[name][0]))
        elif name not in news:
            yield Change(sub, subpat, subnames, "removed", olds[name][1], None, where)
        else:
            yield from _walk(olds[name][1], news[name][1], sub, subpat, subnames, (*where, news[name][0]),
                             (*owhere, olds[name][0]))  # fmt: skip


# ---- value tests used by the rules --------------------------------------------------------------------------

_TYPE = re.compile(r"^\s*([a-z_ ]+?)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?\s*$")
_INT_WIDTH = {"tinyint": 1, "smallint": 2, "int": 4, "integer": 4, "bigint": 8}
_FLOAT_WIDTH = {"float": 4, "real": 4, "double": 8}
_TEXT = {"string", "text", "varchar", "char"}


def widens(old: Any, new: Any) -> bool:
    """True when every value of type `old` fits `new` unchanged (int -> bigint, decimal(10,2) ->
    decimal(12,2), varchar(20) -> string); anything pipegen cannot prove is not a widening."""
    a, b = _TYPE.match(str(old).lower()), _TYPE.match(str(new).lower())
    if a is None or b is None:
        return False
    (ta, pa, sa), (tb, pb, sb) = a.groups(), b.groups()
    if ta in _INT_WIDTH and tb in _INT_WIDTH:
        return _INT_WIDTH[ta] <= _INT_WIDTH[tb]
    if ta in _FLOAT_WIDTH and tb in _FLOAT_WIDTH:
        return _FLOAT_WIDTH[ta] <= _FLOAT_WIDTH[tb]
    if ta in _INT_WIDTH and tb in _FLOAT_WIDTH | {"decimal": 0}:
        return tb == "double" or (tb == "decimal" and pb is not None and int(pb) - int(sb or 0) >= 19)
    if ta == "decimal" == tb and pa and pb:
        return int(pb) - int(sb or 0) >= int(pa) - int(sa or 0) and int(sb or 0) >= int(sa or 0)
    if ta in _TEXT and tb in _TEXT:
        return pb is None or (pa is not None and int(pb) >= int(pa))
    if tb in {"string", "text"} and pb is None:
        return ta in _TEXT or ta in _INT_WIDTH or ta in _FLOAT_WIDTH or ta == "decimal"
    return False


Test = Callable[[Change], bool]


def _on_values(test: rulekinds.DiffTest) -> Test:
    """A rule kind's test of (old, new) values as a test of a change."""
    return lambda c: test(c.old, c.new)


def _raised(default: float) -> Test:
    return _on_values(rulekinds.raised(default))


def _items_removed(c: Change) -> bool:
    old = c.old if isinstance(c.old, list) else [c.old] if c.old is not None else []
    new = c.new if isinstance(c.new, list) else [c.new] if c.new is not None else []
    return any(json.dumps(o, sort_keys=True) not in {json.dumps(n, sort_keys=True) for n in new} for o in old)


# ---- the rule table -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    pattern: str  # fnmatch over the change's pattern
    kinds: frozenset[Kind]
    category: Category
    reason: str
    downstream: str  # may use {0}, {1}, ... (the names on the path) and {old}, {new}
    test: Test | None = None


ANY: frozenset[Kind] = frozenset({"added", "removed", "changed"})
ADDED: frozenset[Kind] = frozenset({"added"})
REMOVED: frozenset[Kind] = frozenset({"removed"})
CHANGED: frozenset[Kind] = frozenset({"changed"})
COL = "sources[].*[].columns[]"


def _kind_rules() -> list[Rule]:
    """The classifications the rule kinds declare (spec/rulekinds.py), kind by kind."""
    return [
        Rule(r.pattern, r.kinds, r.category, r.reason, r.downstream, _on_values(r.test) if r.test else None)
        for k in rulekinds.kinds()
        for r in k.diff
    ]  # fmt: skip


_RULES: list[Rule] = [
    # documentation only
    Rule("*description", ANY, "metadata", "documentation only", "regenerates docs and dbt descriptions"),
    Rule("pipeline.owner", ANY, "metadata", "ownership metadata", "regenerates docs and alert routing labels"),
    Rule("pipeline.tags", ANY, "metadata", "tags", "regenerates docs and orchestrator tags"),
    Rule(f"{COL}.metadata", ANY, "metadata", "column metadata", "regenerates docs"),
    Rule("*.faker", ANY, "non-breaking", "synthetic data only", "changes the local run's generated data"),
    Rule("*synthetic*", ANY, "non-breaking", "synthetic data only", "changes the local run's generated data"),
    # sources, tables, columns
    Rule(
        "sources[]",
        REMOVED,
        "breaking",
        "source removed",
        "drops every table of source {0} from ingestion and the warehouse; models reading them fail",
    ),
    Rule(
        "sources[].tables[]",
        REMOVED,
        "breaking",
        "table removed",
        "drops {0}.{1} from ingestion and the warehouse; staging model stg_{0}__{1} and every mart on it go",
    ),
    Rule(
        "sources[].topics[]",
        REMOVED,
        "breaking",
        "topic removed",
        "drops topic {0}.{1}: its Flink source table and every job reading it go",
    ),
    Rule(
        COL,
        REMOVED,
        "breaking",
        "column removed",
        "drops column {1}.{2} from the warehouse, the staging model and any Flink source table; "
        "models selecting it fail; a full refresh of the marts built on {1}",
    ),
    Rule(
        f"{COL}.rename",
        ANY,
        "breaking",
        "column renamed downstream",
        "renames {1}.{2} in staging ({old} -> {new}); models and dashboards using the old name fail",
    ),
    Rule(
        f"{COL}.type",
        CHANGED,
        "non-breaking",
        "type widened",
        "widens {1}.{2} ({old} -> {new}): existing values still fit; staging is rebuilt",
        lambda c: widens(c.old, c.new),
    ),
    Rule(
        f"{COL}.type",
        CHANGED,
        "breaking",
        "type narrowed or changed",
        "changes {1}.{2} from {old} to {new}: existing rows may not convert; a full refresh of stg_{0}__{1} "
        "and every model on it",
    ),
    Rule(
        "sources[].*[].primary_key",
        ANY,
        "breaking",
        "primary key changed",
        "changes the key of {0}.{1} ({old} -> {new}): dedup and merge keys change (full refresh); for CDC and "
        "streams the Kafka message key changes: the topic must be recreated and consumers lose their offsets",
    ),
    Rule(
        "sources[].*[].watermark",
        ANY,
        "breaking",
        "watermark changed",
        "incremental loads of {0}.{1} restart from a new cursor: a full reload",
    ),
    Rule(
        "sources[].*[].event_time",
        ANY,
        "breaking",
        "event time changed",
        "windows over {0}.{1} are computed on another column: stream job state must be reset",
    ),
    Rule(
        "sources[].type",
        CHANGED,
        "breaking",
        "source system changed",
        "source {0} is read by another connector: ingestion and CDC configuration are replaced",
    ),
    Rule(
        "sources[].ingestion",
        CHANGED,
        "breaking",
        "ingestion mode changed",
        "source {0} switches {old} -> {new}: ingestion, CDC and stream components change, data is reloaded",
    ),
    Rule(
        "sources[].connection*",
        ANY,
        "non-breaking",
        "connection settings",
        "deployment configuration changes; data and schemas are unchanged",
    ),
    # rules: tightening fails existing data, loosening does not
    Rule("*.mostly", ANY, "breaking", "rule threshold raised", "existing data may now fail", _raised(1.0)),
    Rule("*.mostly", ANY, "non-breaking", "rule threshold lowered", "fewer rows fail"),
    # each rule kind's own classification (spec/rulekinds.py), in the registry's order
    *_kind_rules(),
    Rule("*.quality*", ANY, "non-breaking", "table check settings", "quality suites change; data is unchanged"),
    Rule("*.severity", ANY, "non-breaking", "rule severity", "how a failing check is reported"),
    # targets and partitioning
    Rule("targets[]", REMOVED, "breaking", "target removed", "nothing is written to {0} any more; its tables stay"),
    Rule(
        "targets[].type",
        CHANGED,
        "breaking",
        "target changed",
        "{0} moves from {old} to {new}: every table is rebuilt there, readers of the old target stop getting data",
    ),
    Rule(
        "targets[].partition_by",
        ANY,
        "breaking",
        "partitioning changed",
        "tables in {0} are repartitioned ({old} -> {new}): a full rewrite of every table",
    ),
    Rule("targets[].format", ANY, "breaking", "file format changed", "files in {0} are rewritten as {new}"),
    Rule("targets[].layers*", ANY, "breaking", "lake layout changed", "lake layers of {0} move: data is rewritten"),
    Rule("targets[].connection*", ANY, "non-breaking", "connection settings", "deployment configuration changes"),
    # transforms
    Rule("transforms.marts[]", REMOVED, "breaking", "mart removed", "drops mart {0}; its readers fail"),
    Rule("transforms.streams[]", REMOVED, "breaking", "stream job removed", "stops job {0}; its sink gets no data"),
    Rule("transforms.marts[].target", ANY, "breaking", "mart target changed", "mart {0} is built in {new}"),
    Rule(
        "transforms.marts[].materialized",
        ANY,
        "breaking",
        "materialization changed",
        "mart {0} becomes {new}: a full refresh",
    ),
    Rule(
        "transforms.*[].columns*",
        ANY,
        "breaking",
        "output column removed or changed",
        "drops or changes an output column of {0}; readers of it fail; a full refresh of {0}",
        _items_removed,
    ),
    Rule(
        "transforms.*[].group_by*",
        ANY,
        "breaking",
        "grouping changed",
        "changes the grain of {0}: a full refresh",
    ),
    Rule("transforms.*[].measures[]", REMOVED, "breaking", "measure removed", "drops a column of {0}"),
    Rule("transforms.*[].columns*", ANY, "non-breaking", "output column added", "{0} gains a column"),
    Rule("transforms.*[].measures*", ADDED, "non-breaking", "measure added", "{0} gains a column"),
    Rule(
        "transforms.*[].window*",
        ANY,
        "breaking",
        "window changed",
        "job {0} emits different windows: its state must be reset and results are not comparable",
    ),
    Rule("transforms.streams[].sink*", ANY, "breaking", "sink changed", "job {0} writes elsewhere or by another key"),
    Rule(
        "transforms.*[].*",
        ANY,
        "breaking",
        "transform logic changed",
        "{0} computes different rows: a full refresh (stream jobs: a state reset)",
    ),
    # whole-pipeline settings
    Rule(
        "architecture",
        ANY,
        "breaking",
        "architecture changed",
        "a different set of components is generated ({old} -> {new})",
    ),
    Rule(
        "latency",
        CHANGED,
        "non-breaking",
        "freshness target changed",
        "schedules and capacity figures change ({old} -> {new})",
    ),
    Rule("orchestrator", ANY, "breaking", "orchestrator changed", "DAGs/flows are replaced ({old} -> {new})"),
    Rule("cloud", ANY, "breaking", "cloud changed", "infrastructure is replaced ({old} -> {new})"),
    Rule("version", ANY, "breaking", "spec version changed", "run `pipegen migrate` rather than editing version"),
    Rule(
        "pipeline.name",
        ANY,
        "breaking",
        "pipeline renamed",
        "every generated name changes ({old} -> {new}): DAG ids, schemas, topics",
    ),
    Rule("volume*", ANY, "non-breaking", "volume figures", "capacity figures and partition sizes change"),
    Rule("monitoring*", ANY, "non-breaking", "monitoring settings", "alerts and dashboards change"),
    Rule("quality*", ANY, "non-breaking", "quality settings", "how failures are reported and routed"),
    Rule("deploy*", ANY, "non-breaking", "deployment settings", "infrastructure configuration changes"),
    # additions that do not touch existing data
    Rule("sources[]", ADDED, "non-breaking", "source added", "new ingestion for {0}"),
    Rule(COL, ADDED, "non-breaking", "column added", "{1} gains column {2}; staging is rebuilt"),
    Rule("sources[].tables[]", ADDED, "non-breaking", "table added", "new table {0}.{1} and its staging model"),
    Rule("sources[].topics[]", ADDED, "non-breaking", "topic added", "new topic {0}.{1}"),
    Rule("targets[]", ADDED, "non-breaking", "target added", "a new target {0}"),
    Rule("transforms.*[]", ADDED, "non-breaking", "transform added", "a new model or job {0}"),
]
RULES: tuple[Rule, ...] = tuple(_RULES)
UNKNOWN = ("unclassified change", "pipegen cannot tell what this does downstream, so it counts as breaking")


def _format(text: str, change: Change) -> str:
    def short(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)[:80]

    fields = {"old": short(change.old), "new": short(change.new)}
    names = list(change.names) + ["?"] * 5
    return text.format(*names, **fields)


def glob_match(text: str, pattern: str) -> bool:
    """fnmatch with `*` and `?` only: brackets are literal (paths hold `[name]` and `[]`)."""
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def classify(change: Change) -> Classified:
    for rule in RULES:
        matches = change.kind in rule.kinds and glob_match(change.pattern, rule.pattern)
        if matches and (rule.test is None or rule.test(change)):
            return Classified(change, rule.category, rule.reason, _format(rule.downstream, change))
    return Classified(change, "breaking", *UNKNOWN)


def diff(old: Any, new: Any, allow: Sequence[str] = ()) -> list[Classified]:
    """Every change between two raw specs, classified; breaking changes under an `allow` glob are marked."""
    found = [classify(c) for c in changes(old, new)]
    return [
        Classified(c.change, c.category, c.reason, c.downstream, True)
        if c.category == "breaking" and any(glob_match(c.change.path, a) for a in allow)
        else c
        for c in found
    ]


def architecture_change(old: str, new: str, latency_old: Any, latency_new: Any) -> Classified:
    """The plan picked another architecture (an explicit one or one switched by latency/sources)."""
    change = Change("architecture", "architecture", (), "changed", old, new, ("latency",))
    why = f"latency {latency_old} -> {latency_new} " if latency_old != latency_new else ""
    return Classified(change, "breaking", "architecture switched",
                      f"{why}switches the architecture from {old} to {new}: other components are generated "
                      "(ingestion, CDC, stream jobs, schedules); plan the cut-over")  # fmt: skip


def fails(items: Sequence[Classified], fail_on: str) -> bool:
    if fail_on == "any":
        return bool(items)
    return any(c.category == "breaking" and not c.allowed for c in items)


# ---- output ---------------------------------------------------------------------------------------------------

LEVEL = {"breaking": "error", "non-breaking": "warning", "metadata": "notice"}


def _label(c: Classified) -> str:
    return "breaking (allowed)" if c.allowed else c.category


def _what(c: Classified) -> str:
    ch = c.change
    if ch.kind == "changed":
        return f"{ch.path} changed"
    return f"{ch.path} {ch.kind}"


def render_text(items: Sequence[Classified]) -> str:
    if not items:
        return "no changes"
    lines = [f"{_label(c).upper():<19} {_what(c)}: {c.reason}\n{'':<20}-> {c.downstream}" for c in items]
    counts = {cat: sum(c.category == cat for c in items) for cat in CATEGORIES}
    lines.append(", ".join(f"{n} {cat}" for cat, n in counts.items()))
    return "\n".join(lines)


def render_json(items: Sequence[Classified]) -> str:
    return json.dumps(
        [
            {"path": c.change.path, "kind": c.change.kind, "category": c.category, "allowed": c.allowed,
             "reason": c.reason, "downstream": c.downstream, "old": c.change.old, "new": c.change.new}
            for c in items
        ],
        indent=2, ensure_ascii=False, default=str,
    )  # fmt: skip


def render_github(items: Sequence[Classified], file: str, locate: Callable[[IPath], tuple[int, int]]) -> str:
    from pipegen.spec.diagnostics import github_annotation

    out = []
    for c in items:
        line, column = locate(c.change.where)
        level = "warning" if c.allowed else LEVEL[c.category]
        out.append(github_annotation(level, file, line, column, f"{_label(c)} change: {c.reason}",
                                     f"{_what(c)}: {c.downstream}"))  # fmt: skip
    return "\n".join(out)
