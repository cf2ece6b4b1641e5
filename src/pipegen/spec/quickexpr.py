"""The quick check: proves a spec expression free of problems without importing sqlglot, for
the common shapes, so `pipegen validate` of a typical spec (run by pre-commit on every commit)
does not pay sqlglot's import (~0.5x the import floor, docs/benchmarks.md).

`clean(text, kind, scope)` is True only when spec/expr.py's `check` would report nothing for the
same arguments; False means "not proven", and the caller runs `check` itself. It never makes a
diagnostic, so validate's diagnostics are `check`'s, byte for byte, whichever path ran
(tests/spec/test_quickexpr.py compares both paths over every spec, fixture and a drawn sample).

What it reads: numbers (`12`, `0.5`), plain single-quoted text, `TRUE`/`FALSE`/`NULL`,
`CURRENT_DATE`/`CURRENT_TIMESTAMP`, columns (`c`, `t.c`, `s.t.c`) whose words are not sqlglot
keywords, `+ - * /`, unary minus, parentheses, one comparison (`= <> != < > <= >=`), `IS [NOT]
NULL`, `[NOT] IN (...)` or `[NOT] LIKE` per operand, `NOT`, `AND`, `OR`, `CASE WHEN ... END`, and
calls of the functions in `CALLS`. Anything else (another function, `%`, `||`, a cast, a
comment, a doubled quote, an alias...) is left to sqlglot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from pipegen.spec.quickwords import SQLGLOT_KEYWORDS
from pipegen.spec.scope import SQL_VALUE_WORDS, Kind, Scope, resolve

MAX_LENGTH = 4000  # spec/expr.py's MAX_LENGTH: a longer text is refused there


class Call(NamedTuple):
    """What the quick check knows of one catalogue function (held equal to spec/functions.py's
    entry by tests/spec/test_quickexpr.py)."""

    least: int
    most: int | None
    aggregate: bool = False
    unsupported: frozenset[str] = frozenset()  # dialects with no translation (R302 there)
    units: tuple[str, ...] = ()  # the first argument is a quoted unit among these
    anonymous: bool = False  # sqlglot keeps it as an unknown-typed call (a condition cannot tell)


_TEMPORAL_UNITS = ("year", "quarter", "month", "day", "hour", "minute")
CALLS: dict[str, Call] = {
    **{name: Call(1, 1) for name in ("lower", "upper", "length", "abs", "floor", "ceil", "sqrt", "ln", "exp")},
    **{name: Call(1, 1) for name in ("date", "year", "quarter", "month", "day", "hour", "minute")},
    "dayofweek": Call(1, 1, unsupported=frozenset({"tsql"})),
    "date_trunc": Call(2, 2, unsupported=frozenset({"mysql", "tsql"}), units=_TEMPORAL_UNITS),
    "current_date": Call(0, 0),
    "current_timestamp": Call(0, 0),
    "to_timestamp": Call(1, 1, anonymous=True),
    "from_unixtime": Call(1, 1, unsupported=frozenset({"redshift", "tsql"}), anonymous=True),
    "coalesce": Call(1, None),
    "nullif": Call(2, 2),
    "concat": Call(2, None),
    "greatest": Call(2, None),
    "least": Call(2, None),
    "count": Call(0, 1, aggregate=True),
    **{name: Call(1, 1, aggregate=True) for name in ("sum", "avg", "min", "max")},
    "case": Call(0, 0),
}
VALUE_CALLS = frozenset({"current_date", "current_timestamp"})  # written without parentheses
_NOT_COLUMNS = SQLGLOT_KEYWORDS | SQL_VALUE_WORDS  # words sqlglot (or expr.py) does not read as a column
_SPACE = " \t\n\r"  # sqlglot's whitespace; any other character is left to it
_COMPARE = frozenset({"=", "<>", "!=", "<", ">", "<=", ">="})
_TOKEN = re.compile(
    r"[ \t\n\r]*(?:(?P<num>[0-9]+(?:\.[0-9]+)?(?![\w.]))|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>'[^'\\]*'(?!'))"
    r"|(?P<op><>|!=|<=|>=|[-+*/=<>(),.]))"
)


class Token(NamedTuple):
    kind: str  # num | word | str | op | end
    text: str  # a word lowercased; a string without its quotes


class Node(NamedTuple):
    """A parsed expression. tag: or, and, not, pred, paren, arith, neg, num, str, bool, null,
    col (text: qualifier, name), call (text: function), case (kids: when, then, ..., [else]),
    star."""

    tag: str
    text: str = ""
    kids: tuple[Node, ...] = ()
    name: str = ""


class Unsure(Exception):
    """The text is outside what the quick check reads."""


def tokens(text: str) -> list[Token] | None:
    """The tokens of `text`, or None when it holds anything the quick check does not read
    (a comment, `;`, a doubled quote, a backslash, any other character)."""
    out: list[Token] = []
    pos, end = 0, len(text.rstrip(_SPACE))
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:
            return None
        kind = match.lastgroup or ""
        value = match.group(kind)
        if (value + text[match.end() : match.end() + 1]) in ("--", "/*"):
            return None  # a comment
        out.append(Token(kind, value.lower() if kind == "word" else value[1:-1] if kind == "str" else value))
        pos = match.end()
    return [*out, Token("end", "")]


class Reader:
    """Recursive descent with sqlglot's precedence for the shapes read (OR < AND < NOT < one
    predicate < + - < * / < unary minus); raises Unsure on anything else."""

    def __init__(self, toks: list[Token]) -> None:
        self.toks, self.pos = toks, 0

    def peek(self, offset: int = 0) -> Token:
        return self.toks[min(self.pos + offset, len(self.toks) - 1)]

    def take(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        if tok.kind == kind and (text is None or tok.text == text):
            self.pos += 1
            return True
        return False

    def need(self, kind: str, text: str) -> None:
        if not self.take(kind, text):
            raise Unsure(text)

    def whole(self) -> Node:
        tree = self.disjunction()
        self.need("end", "")
        return tree

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self.take("word", "or"):
            left = Node("or", kids=(left, self.conjunction()))
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self.take("word", "and"):
            left = Node("and", kids=(left, self.negation()))
        return left

    def negation(self) -> Node:
        return Node("not", kids=(self.predicate(),)) if self.take("word", "not") else self.predicate()

    def predicate(self) -> Node:
        left = self.additive()
        tok = self.peek()
        if tok.kind == "op" and tok.text in _COMPARE:
            self.pos += 1
            return Node("pred", tok.text, (left, self.additive()))
        if self.take("word", "is"):
            self.take("word", "not")
            self.need("word", "null")
            return Node("pred", "is", (left,))
        negated = self.take("word", "not")
        if self.take("word", "in"):
            self.need("op", "(")
            items = self.csv()
            self.need("op", ")")
            return Node("pred", "in", (left, *items))
        if self.take("word", "like"):
            return Node("pred", "like", (left, self.additive()))
        if negated:
            raise Unsure("not")
        return left

    def csv(self) -> list[Node]:
        items = [self.disjunction()]
        while self.take("op", ","):
            items.append(self.disjunction())
        return items

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.peek().text
            self.pos += 1
            left = Node("arith", op, kids=(left, self.multiplicative()))
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.peek().text
            self.pos += 1
            left = Node("arith", op, kids=(left, self.unary()))
        return left

    def unary(self) -> Node:
        if self.take("op", "-"):
            return Node("neg", kids=(self.unary(),))
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        self.pos += 1
        if tok.kind in ("num", "str"):
            return Node(tok.kind, tok.text)
        if tok.kind == "op" and tok.text == "(":
            inner = self.disjunction()
            self.need("op", ")")
            return Node("paren", kids=(inner,))
        if tok.kind != "word":
            raise Unsure(tok.text)
        if tok.text in ("true", "false"):
            return Node("bool", tok.text)
        if tok.text == "null":
            return Node("null", tok.text)
        if tok.text == "case":
            return self.case()
        if tok.text in VALUE_CALLS:
            if self.peek().text == "(":
                raise Unsure(tok.text)
            return Node("call", tok.text)
        if self.take("op", "("):
            return self.call(tok.text)
        return self.column(tok.text)

    def call(self, name: str) -> Node:
        if name not in CALLS or name == "case":
            raise Unsure(name)
        if name == "count" and self.peek().text == "*" and self.peek(1).text == ")":
            self.pos += 2
            return Node("call", name, (Node("star"),))
        args = [] if self.peek().text == ")" else self.csv()
        self.need("op", ")")
        return Node("call", name, tuple(args))

    def column(self, first: str) -> Node:
        parts = [first]
        while self.take("op", "."):
            tok = self.peek()
            if tok.kind != "word":
                raise Unsure(".")
            parts.append(tok.text)
            self.pos += 1
        if len(parts) > 3 or any(p in _NOT_COLUMNS for p in parts) or self.peek().text == "(":
            raise Unsure(".".join(parts))
        return Node("col", ".".join(parts[:-1]), name=parts[-1])

    def case(self) -> Node:
        kids: list[Node] = []
        self.need("word", "when")
        while True:
            kids.append(self.disjunction())
            self.need("word", "then")
            kids.append(self.disjunction())
            if not self.take("word", "when"):
                break
        otherwise = self.take("word", "else")
        if otherwise:
            kids.append(self.disjunction())
        self.need("word", "end")
        return Node("case", "else" if otherwise else "", tuple(kids))


def parse(text: str) -> Node | None:
    """The quick parse of `text`, or None when it is outside what the quick check reads."""
    toks = tokens(text) if len(text) <= MAX_LENGTH else None
    return None if toks is None else _read(toks)


def _read(toks: list[Token]) -> Node | None:
    try:
        return Reader(toks).whole()
    except Unsure:
        return None


def walk(node: Node, in_aggregate: bool = False) -> Iterator[tuple[Node, bool]]:
    """Every node with whether an aggregate call encloses it."""
    yield node, in_aggregate
    inside = in_aggregate or (node.tag == "call" and CALLS[node.text].aggregate)
    for kid in node.kids:
        yield from walk(kid, inside)


def reads_a_column(text: str) -> bool:
    """Whether the quick parse shows `text` reading a column (then spec/expr.py's `parse` refuses
    it or its `columns_of` is not empty: R482 passes it either way); False also when it is outside
    what the quick parse reads."""
    tree = parse(text)
    return tree is not None and _has_column(tree)


def _has_column(node: Node) -> bool:
    """A column outside a unit argument (sqlglot reads `date_trunc(qty, ...)`'s `qty` as a unit)."""
    if node.tag == "col":
        return True
    unit = node.tag == "call" and bool(CALLS[node.text].units)
    return any(_has_column(kid) for kid in node.kids[unit:])


def clean(text: str, kind: Kind, scope: Scope) -> bool:
    """True only when spec/expr.py's `check(text, kind, scope)` reports no problem."""
    toks = tokens(text) if len(text) <= MAX_LENGTH else None
    tree = None if toks is None else _read(toks)
    if toks is None or tree is None:
        return False
    nodes = list(walk(tree))
    return (
        _no_shadowed_values(toks, scope)
        and all(_call_fits(n, scope) for n, _ in nodes if n.tag == "call")
        and _placed(nodes, kind)
        and _columns_resolve(nodes, kind, scope)
        and (kind != Kind.CONDITION or is_boolean(tree, scope) is not False)
        and not ("flink" in scope.dialects and any(_constant_division(n) for n, _ in nodes))
    )


def _constant_division(node: Node) -> bool:
    """A `/` with no column in it and a divisor that is not a number (expr.py's R302 for Flink)."""
    if node.tag != "arith" or node.text != "/" or _has_column(node):
        return False
    divisor = node.kids[1]
    while divisor.tag == "paren":
        divisor = divisor.kids[0]
    return divisor.tag != "num"


def _no_shadowed_values(toks: list[Token], scope: Scope) -> bool:
    """No TRUE/NULL/CURRENT_DATE... (`IS NULL`'s too) where a column in scope has that name (R383)."""
    words = [t.text for t in toks if t.kind == "word" and t.text in SQL_VALUE_WORDS]
    return not any(names_a_column(word, scope) for word in words)


def names_a_column(word: str, scope: Scope) -> bool:
    """`resolve(word, "", scope) is None` (what expr.py asks), without making the did-you-mean
    hint of the usual answer, "no such column" (difflib over every name in scope)."""
    if any(k.lower() == word for k in scope.free):
        return True
    found = scope.candidates(word)
    return len(found) == 1 or (len(found) > 1 and word in scope.merged)


def _call_fits(node: Node, scope: Scope) -> bool:
    """Arguments counted, the unit known, a translation for every dialect in reach (R301, R302)."""
    call, args = CALLS[node.text], node.kids
    if len(args) < call.least or (call.most is not None and len(args) > call.most):
        return False
    if call.unsupported & scope.dialects:
        return False
    if call.units and not (args[0].tag == "str" and args[0].text.lower() in call.units):
        return False
    return not (node.text == "to_timestamp" and args[0].tag == "str")  # its text is checked by expr.py


def _placed(nodes: list[tuple[Node, bool]], kind: Kind) -> bool:
    """R253: aggregates only in an aggregate expression, never nested; `*` only in count(*)."""
    aggregates = [(n, inside) for n, inside in nodes if n.tag == "call" and CALLS[n.text].aggregate]
    if kind != Kind.AGGREGATE:
        return not aggregates
    return bool(aggregates) and not any(inside for _, inside in aggregates)


def _columns_resolve(nodes: list[tuple[Node, bool]], kind: Kind, scope: Scope) -> bool:
    """Every column in scope (R250, R251); in an aggregate expression, outside an aggregate only
    as a group key."""
    has_aggregate = any(n.tag == "call" and CALLS[n.text].aggregate for n, _ in nodes)
    for node, inside in nodes:
        if node.tag != "col":
            continue
        if resolve(node.name, node.text, scope) is not None:
            return False
        if kind == Kind.AGGREGATE and not node.text and node.name in scope.group_keys:
            continue
        if kind == Kind.AGGREGATE and has_aggregate and not inside:
            return False
    return True


def is_boolean(node: Node, scope: Scope) -> bool | None:
    """spec/expr.py's `is_boolean` on the quick tree: True/False by shape, None when unknown."""
    if node.tag == "paren":
        return is_boolean(node.kids[0], scope)
    if node.tag in ("or", "and", "not", "pred", "bool", "null"):
        return True
    if node.tag == "col":
        found = scope.type_of(node.text.rsplit(".", 1)[-1], node.name)  # expr.py reads the table part
        return None if found is None else found.split("(", 1)[0].split("<", 1)[0].strip().lower() == "boolean"
    if node.tag == "case":
        values = [*node.kids[1::2], *(node.kids[-1:] if node.text == "else" else ())]
        return _all_boolean(values, scope)
    if node.tag == "call" and node.text == "coalesce":
        return _all_boolean(list(node.kids), scope)
    if node.tag == "call" and CALLS[node.text].anonymous:
        return None
    return False  # numbers, text, arithmetic, negation and the other calls


def _all_boolean(nodes: list[Node], scope: Scope) -> bool | None:
    results = [is_boolean(n, scope) for n in nodes]
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True
