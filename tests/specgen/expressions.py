"""Typed SQL expressions over the columns in scope, drawn by Hypothesis.

An expression is drawn for a result kind (num, int, str, bool, date, ts) from the references
in scope, so what is drawn type-checks by construction; what validate still refuses (a
function a dialect lacks, say) is the invariant's business, not the generator's."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from pipegen.spec.expr import WHOLE_COUNTS
from pipegen.spec.functions import CATALOGUE, ArgKind, Category, Function
from tests.specgen import hostile

NUMERIC = ("num", "int")
# expression kind -> the catalogue's result kind; and back, for the arguments a call takes
RESULT_KINDS = {"num": ArgKind.NUMERIC, "int": ArgKind.NUMERIC, "str": ArgKind.STRING, "bool": ArgKind.BOOLEAN,
                "date": ArgKind.TEMPORAL, "ts": ArgKind.TEMPORAL}  # fmt: skip
ARG_KINDS = {ArgKind.NUMERIC: "num", ArgKind.STRING: "str", ArgKind.BOOLEAN: "bool", ArgKind.TEMPORAL: "ts"}


def callable_for(kind: str) -> list[Function]:
    """Row-level, deterministic catalogue functions whose result has the kind (for drawn calls)."""
    wanted = RESULT_KINDS[kind]
    return [
        f for _, f in sorted(CATALOGUE.items())
        if f.category != Category.AGGREGATE and f.deterministic and f.result == wanted
    ]  # fmt: skip


# regex patterns drawn as `regexp_like`/`regexp_replace` arguments: literals in the subset every engine
# reads alike (validate refuses a computed pattern and checks a literal one, R301)
PATTERNS = ("'^[0-9]+$'", "'[A-Z]{3}'", "'a'", "'^x'", "'[a-z]+'", "'(ab|cd)'")


@dataclass(frozen=True)
class Ref:
    """A column reference as the spec writes it (`amount` or `orders.amount`) and its kind."""

    text: str
    kind: str  # num | int | str | bool | date | ts
    nullable: bool = True


def of_kind(refs: list[Ref], *kinds: str) -> list[Ref]:
    return [r for r in refs if r.kind in kinds]


def _literal(kind: str) -> st.SearchStrategy[str]:
    if kind == "int":
        return _number(False)
    if kind == "num":
        return st.one_of(_number(False), _number(True))
    if kind == "str":
        return _string_literal()
    if kind == "bool":
        return st.sampled_from(["true", "false"])
    if kind == "date":
        return st.just("DATE '2026-01-01'")
    return st.just("TIMESTAMP '2026-01-01 00:00:00'")


@st.composite
def _number(draw: st.DrawFn, places: bool) -> str:
    """0..500, or with two decimal places (drawn digit by digit: hostile.DIGIT says why)."""
    whole = hostile.number(draw, 500)
    return f"{whole}.{hostile.number(draw, 99):02d}" if places and whole < 500 else str(whole)


@st.composite
def _string_literal(draw: st.DrawFn) -> str:
    return _quote(hostile.literal(draw, ["a", "paid", "x y", "O'Neil", "50%", "{{ x }}"]))


@st.composite
def _ref(draw: st.DrawFn, refs: list[Ref]) -> str:
    """A column in scope as an expression writes it (a reserved word in double quotes)."""
    return hostile.sql_ref(draw, draw(st.sampled_from([r.text for r in refs])))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@st.composite
def expr(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int = 2) -> str:
    """One expression of `kind` over `refs` (a literal when nothing in scope has the kind)."""
    own = of_kind(refs, *NUMERIC) if kind == "num" else of_kind(refs, kind)  # an int stays whole
    leaves = [_ref(own)] if own else []
    leaf = st.one_of(*leaves, _literal(kind)) if leaves else _literal(kind)
    if depth <= 0:
        return draw(leaf)
    builders = {
        "num": _numeric,
        "int": _numeric,
        "str": _string,
        "bool": _boolean,
        "date": _temporal,
        "ts": _temporal,
    }
    pick = draw(st.integers(0, 5))
    if pick <= 1:
        return draw(leaf)
    if pick == 2 and kind != "int" and callable_for(kind):  # a catalogue function, its arguments by kind
        return draw(_call(refs, kind, depth - 1))
    return draw(builders[kind](refs, kind, depth - 1))


@st.composite
def _call(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int) -> str:
    function = draw(st.sampled_from(callable_for(kind)))
    count = draw(st.integers(function.min_args, function.max_args or function.min_args + 1))
    args = []
    for i in range(count):
        arg = function.args[min(i, len(function.args) - 1)]
        if arg.kind == ArgKind.UNIT:
            args.append(draw(st.sampled_from(function.units)))
        elif arg.kind == ArgKind.ANY:
            args.append(draw(expr(refs, draw(st.sampled_from(["num", "str"])), depth)))
        elif i in WHOLE_COUNTS.get(function.name, ()) or function.name == "mod":
            # a whole number of units or characters (R301); Flink's remainder takes exact numbers (R301)
            args.append(draw(expr(refs, "int", depth)))
        elif function.name.startswith("regexp_") and arg.name == "pattern":  # a literal validate checks (R301)
            args.append(draw(st.sampled_from(PATTERNS)))
        elif function.name == "to_timestamp":  # a text it converts (R301 refuses a literal it cannot)
            seconds = draw(expr(refs, "int", 0))
            args.append(draw(st.sampled_from(["'2026-01-02 03:04:05'", "'2026-01-02'", f"from_unixtime({seconds})"])))
        else:
            args.append(draw(expr(refs, ARG_KINDS[arg.kind], depth)))
    return f"{function.name}({', '.join(args)})"


@st.composite
def _numeric(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int) -> str:
    a = draw(expr(refs, kind, depth))
    b = draw(expr(refs, kind, depth))
    shapes = ["add", "sub", "mul", "abs", "coalesce", "case", "greatest", "paren"]
    # `/` is true division (a fraction), so only where a fraction may go; `%` of whole numbers (Flink's
    # remainder takes exact numbers: R301 refuses a double's)
    shape = draw(st.sampled_from([*shapes, "round", "div"] if kind == "num" else [*shapes, "rem"]))
    if shape == "case":
        return f"CASE WHEN {draw(expr(refs, 'bool', depth))} THEN {a} ELSE {b} END"
    return {
        "add": f"{a} + {b}",
        "sub": f"{a} - {b}",
        "mul": f"{a} * {b}",
        "div": f"{a} / {b}",
        "rem": f"{a} % {b}",
        "abs": f"abs({a})",
        "round": f"round({a}, 2)",
        "coalesce": f"coalesce({a}, 0)",
        "greatest": f"greatest({a}, {b})",
        "paren": f"({a})",
    }[shape]


@st.composite
def _string(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int) -> str:
    a = draw(expr(refs, "str", depth))
    shape = draw(st.sampled_from(["lower", "upper", "trim", "concat", "coalesce", "substring", "case"]))
    if shape == "concat":
        return f"{a} || {draw(expr(refs, 'str', depth))}"
    if shape == "coalesce":
        return f"coalesce({a}, 'unknown')"
    if shape == "substring":
        return f"substring({a}, 1, 3)"
    if shape == "case":
        return f"CASE WHEN {draw(expr(refs, 'bool', depth))} THEN {a} ELSE 'other' END"
    return f"{shape}({a})"


@st.composite
def _boolean(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int) -> str:
    numbers = of_kind(refs, *NUMERIC)
    strings = of_kind(refs, "str")
    shapes = ["and", "or", "not", "null"]
    if numbers:
        shapes += ["cmp", "between"]
    if strings:
        shapes += ["eq", "in", "like"]
    shape = draw(st.sampled_from(shapes))
    if shape == "cmp":
        op = draw(st.sampled_from([">", ">=", "<", "<=", "=", "<>"]))
        return f"{draw(expr(refs, 'num', depth))} {op} {draw(_literal('int'))}"
    if shape == "between":
        return f"{draw(_ref(numbers))} BETWEEN 1 AND 100"
    if shape == "eq":
        return f"{draw(_ref(strings))} = {draw(_literal('str'))}"
    if shape == "in":
        return f"{draw(_ref(strings))} IN ('a', 'b', 'paid')"
    if shape == "like":
        return f"{draw(_ref(strings))} LIKE 'a%'"
    if shape == "null":
        ref = draw(_ref(refs)) if refs else "1"
        return f"{ref} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if shape == "not":
        return f"NOT ({draw(expr(refs, 'bool', depth))})"
    left = draw(expr(refs, "bool", depth))
    right = draw(expr(refs, "bool", depth))
    return f"({left}) {shape.upper()} ({right})"


@st.composite
def _temporal(draw: st.DrawFn, refs: list[Ref], kind: str, depth: int) -> str:
    stamps = of_kind(refs, "ts")
    if not stamps:
        return draw(_literal(kind))
    ts = draw(_ref(stamps))
    if kind == "date":
        return f"CAST({ts} AS DATE)"
    return draw(st.sampled_from([ts, f"date_trunc('hour', {ts})", f"date_trunc('day', {ts})"]))
