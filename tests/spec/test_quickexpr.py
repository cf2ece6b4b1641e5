"""The quick check (spec/quickexpr.py) says "clean" only where spec/expr.py's `check` reports
nothing, so `pipegen validate` prints the same bytes whichever path ran: per expression over a
battery of shapes, every function it reads at every argument count, and drawn expressions; and per
spec, validate with and without it over specs/, tests/corpus, tests/invalid and drawn specs."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp, parse_one
from sqlglot.tokens import TokenType

from pipegen.pipeline import validate
from pipegen.spec import expr, functions, quickexpr
from pipegen.spec.functiondata import DIALECTS
from pipegen.spec.functions import SpecDialect
from pipegen.spec.quickwords import SQLGLOT_KEYWORDS
from pipegen.spec.scope import Input, Kind, Scope, resolve
from tests.conftest import REPO
from tests.specgen import expressions as drawn_expressions
from tests.specgen.invariant import to_yaml
from tests.specgen.sample import draw

# the modules (pipegen.spec.rules exports functions of the same names)
expression_rules = importlib.import_module("pipegen.spec.rules.expressions")
transform_rules = importlib.import_module("pipegen.spec.rules.transforms")
ORDERS = Input(
    "orders",
    {"id": "bigint", "qty": "int", "price": "decimal(12,2)", "status": "varchar", "paid": "boolean",
     "ts": "timestamp", "day_of": "date", "note": None, "null": "int", "dup": "int"},
    ("shop.orders",),
    {"old": "'old' is renamed to 'new' in staging: use 'new'"},
)  # fmt: skip
CUSTOMERS = Input("customers", {"id": "bigint", "name": "varchar", "active": "boolean", "dup": "int"})
SCOPES = [
    Scope((ORDERS,)),
    Scope((ORDERS, CUSTOMERS), merged=frozenset({"id"})),
    Scope((ORDERS,), dialects=frozenset({"tsql", "duckdb"})),
    Scope((ORDERS,), dialects=frozenset({"mysql", "redshift"})),
    Scope((ORDERS,), group_keys=frozenset({"status"})),
    Scope((ORDERS,), free={"avg_7d": "double", "current_date": "date"}),
]
ARGS = ["qty", "'month'", "ts", "price / 2", "'2026-01-02 03:04:05'", "'x'", "paid", "*"]
SHAPES = [
    "qty + 1", "(price - 1) * qty", "qty * 2 > 10", "status = 'paid'", "status <> 'draft' AND paid",
    "NOT paid", "paid OR qty > 1", "status IN ('a', 'b')", "status NOT IN ('a')", "status LIKE 'p%'",
    "status NOT LIKE 'p%'", "note IS NULL", "note IS NOT NULL", "NOT qty IS NULL", "-qty", "- -qty",
    "qty = -1", "TRUE", "false", "NULL", "paid = TRUE", "current_timestamp", "current_date", "current_date()",
    "CASE WHEN qty > 1 THEN 'a' ELSE 'b' END", "CASE WHEN paid THEN TRUE ELSE NULL END",
    "CASE WHEN qty > 1 THEN paid END", "CASE qty WHEN 1 THEN 2 END", "orders.qty + 1", "shop.orders.qty",
    "customers.id", "id", "dup", "dup + 1", "unknown_col + 1", "old + 1", "orders.nope", "nope.qty",
    "sum(qty)", "sum(qty) / count(*)", "count(*)", "count()", "sum(sum(qty))", "status || 'x'",
    "sum(qty) + qty", "sum(qty) + status", "avg_7d * 2", "qty % 2", "qty = 1 = TRUE", "qty = 1 IS NULL",
    "coalesce(paid, FALSE)", "coalesce(qty, 0)", "coalesce(note, paid)", "nullif(qty, 0)", "note",
    "to_timestamp(from_unixtime(qty / 1000))", "from_unixtime(qty)", "date_trunc('month', ts)",
    "date_trunc('week', ts)", "date_trunc(month, ts)", "date_trunc('Month', ts)", "dayofweek(ts)",
    "qty -- c", "qty /* c */", "qty;", "'it''s'", "'a\\b'", "\"qty\" + 1", "qty::int", "qty\u00a0+ 1",
    "select", "order + 1", "date + 1", "qty + 1e3", "qty + .5", "qty + 1.", "a.b.c.d", "f(qty)",
    "lower(status) = 'x'", "upper(status, 1)", "abs(qty) > 0", "greatest(qty, 1, 2)", "concat(status)",
    "qty BETWEEN 1 AND 2", "null + 1", "current_date + 1", "qty > 1 AND", "(qty", "", "  ", "qty qty",
    "sum(qty) OVER (PARTITION BY status)", "exists(qty)", "interval '1' day", "CAST(qty AS int)",
]  # fmt: skip


def _calls() -> list[str]:
    """Every function the quick check reads at every argument count from 0 to one too many."""
    out = []
    for name, call in sorted(quickexpr.CALLS.items()):
        if name == "case":
            continue
        for count in range(0, (call.most if call.most is not None else call.least + 1) + 2):
            for args in itertools.islice(itertools.product(ARGS, repeat=count), 5):
                out.append(f"{name}({', '.join(args)})")
    return out


def _same(text: str, kind: Kind, scope: Scope) -> bool:
    """Whether the quick verdict holds; the quick parse's columns are sqlglot's too."""
    if quickexpr.clean(text, kind, scope):
        assert expr.check(text, kind, scope) == [], (text, kind, scope)
        return True
    if quickexpr.reads_a_column(text):  # R482 skips the condition either way
        assert expr.parse(text).tree is None or expr.columns_of(text), text
    return False


def test_a_clean_verdict_is_checks_on_every_shape_and_call() -> None:
    proven = sum(_same(text, kind, scope) for text in SHAPES for kind in Kind for scope in SCOPES)
    dialects = [SCOPES[0], SCOPES[2], SCOPES[3]]  # calls: counts, units and dialects
    proven += sum(_same(text, kind, scope) for text in _calls() for kind in Kind for scope in dialects)
    assert proven > 400, proven  # the common shapes are read
    for common in ("status = 'paid'", "(price - 1) * qty", "CASE WHEN qty > 1 THEN 'a' ELSE 'b' END"):
        assert quickexpr.clean(common, Kind.SCALAR, SCOPES[0]), common


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_a_clean_verdict_is_checks_on_drawn_expressions(data: st.DataObject) -> None:
    refs = [drawn_expressions.Ref(t, k) for t, k in
            [("qty", "int"), ("price", "num"), ("status", "str"), ("paid", "bool"), ("ts", "ts")]]  # fmt: skip
    kind = data.draw(st.sampled_from(["num", "int", "str", "bool", "ts"]))
    text = data.draw(drawn_expressions.expr(refs, kind))
    for spec_kind in Kind:
        _same(text, spec_kind, SCOPES[0])
        _same(text, spec_kind, SCOPES[2])


def test_names_a_column_is_resolve_without_the_hint() -> None:
    words = ["null", "current_date", "true", "id", "dup", "qty", "avg_7d", "nope", "name", "old"]
    for scope in SCOPES:
        for word in words:
            assert quickexpr.names_a_column(word, scope) == (resolve(word, "", scope) is None), (word, scope)


def test_the_quick_tables_are_sqlglots_and_the_catalogues() -> None:
    tokenizer = SpecDialect.tokenizer_class
    keywords = {
        k.lower() for k, v in tokenizer.KEYWORDS.items() if k.replace("_", "a").isalnum() and v != TokenType.VAR
    }
    assert keywords == SQLGLOT_KEYWORDS
    assert quickexpr.MAX_LENGTH == expr.MAX_LENGTH
    for name, call in quickexpr.CALLS.items():
        entry = functions.lookup(name)
        assert entry is not None and entry.name == name
        assert (call.least, call.most) == (entry.min_args, entry.max_args), name
        assert call.aggregate == (entry.category == functions.Category.AGGREGATE), name
        assert call.unsupported == {d for d in DIALECTS if not entry.supported(d)}, name
        assert call.units in ((), entry.units), name
        if name in ("case", *quickexpr.VALUE_CALLS):
            continue
        node = parse_one(f"{name}({', '.join(['x'] * max(call.least, 1 if name == 'count' else 0))})", read=SpecDialect)
        assert isinstance(node, exp.AggFunc) == call.aggregate, name
        assert isinstance(node, exp.Anonymous) == call.anonymous, name


def _spec_files(tmp_path: Path) -> list[Path]:
    files = [
        *sorted((REPO / "specs").glob("*.yaml")),
        *sorted((REPO / "tests" / "corpus").glob("*.yaml")),
        *sorted((REPO / "tests" / "invalid" / "fixtures").glob("*.yaml")),
    ]
    for i, spec in enumerate(draw(16, 24)):
        path = tmp_path / f"drawn_{i}.yaml"
        path.write_text(to_yaml(spec), encoding="utf-8")
        files.append(path)
    return files


def _report(path: Path) -> list[str]:
    return [d.format_text() for d in validate(path).diagnostics]


def test_validate_prints_the_same_with_and_without_the_quick_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proven: list[str] = []
    quick = expression_rules.clean
    reads = transform_rules.reads_a_column
    monkeypatch.setattr(expression_rules, "clean", lambda t, k, s: quick(t, k, s) and not proven.append(t))
    monkeypatch.setattr(transform_rules, "reads_a_column", lambda t: reads(t) and not proven.append(t))
    with_quick = {}  # the files where the quick check proved something (elsewhere both paths are one)
    for path in _spec_files(tmp_path):
        before = len(proven)
        report = _report(path)
        if len(proven) > before:
            with_quick[path] = report
    assert len(proven) > 80 and len(with_quick) > 30, (len(proven), len(with_quick))
    monkeypatch.setattr(expression_rules, "clean", lambda t, k, s: False)
    monkeypatch.setattr(transform_rules, "reads_a_column", lambda t: False)
    for path, report in with_quick.items():
        assert _report(path) == report, path.name
