"""The function catalogue: every function a spec expression may call, what it takes and
returns, and how each SQL dialect pipegen writes spells it (docs/transforms.md, "Functions").

Data first: `CATALOGUE` maps a function's name to a `Function` entry; validate
(spec/rules/functions.py) refuses a call that is not here, has the wrong number of arguments,
a unit outside `units`, or reaches a dialect listed in `unsupported`; the renderers
(render/sqlexpr.py, render/flinksql.py) write every call through `translate`/`generator_for`,
so what validate accepts is exactly what is written. A spec generator draws calls from the
same entries (`args`, `result`, `units`, `deterministic`).

How a call becomes SQL in a dialect, in order:
1. `canonical`: a rewrite in generic SQL applied for every dialect before generation
   (`hour(x)` -> `EXTRACT(HOUR FROM x)`), so sqlglot then spells it per dialect;
2. `templates[dialect]`: the exact text for that dialect, `{0}`, `{1}`... being the
   arguments already written in the dialect and `{unit}`/`{unit_lower}` the unit;
3. otherwise sqlglot's own generator for the dialect (`SQLGLOT`).
Every translation is proven by executing it (tests/spec/test_functions_run.py) on DuckDB,
PostgreSQL, MariaDB (for MySQL) and PyFlink; the other dialects are checked to parse back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

# The SQL dialects pipegen writes expressions in (sqlglot's names; "flink" is render/flinksql.py's).
DIALECTS = (
    "duckdb", "postgres", "mysql", "snowflake", "bigquery", "databricks", "spark", "redshift", "tsql",
    "clickhouse", "flink",
)  # fmt: skip
# Dialects the tests execute translations in (MariaDB stands in for MySQL); the rest parse back.
EXECUTED = ("duckdb", "postgres", "mysql", "flink")
SQLGLOT = ""  # a template meaning "sqlglot's own spelling for this dialect"


class ArgKind(str, Enum):
    """What an argument or result is. TEMPORAL: a date or timestamp; UNIT: one of `units`."""

    NUMERIC = "numeric"
    STRING = "string"
    TEMPORAL = "temporal"
    BOOLEAN = "boolean"
    ANY = "any"
    UNIT = "unit"


class Category(str, Enum):
    STRING = "string"
    NUMERIC = "numeric"
    TEMPORAL = "temporal"
    CONDITIONAL = "conditional"
    AGGREGATE = "aggregate"


@dataclass(frozen=True)
class Arg:
    name: str
    kind: ArgKind


@dataclass(frozen=True)
class Function:
    """One function a spec may call.

    `args` in the order a spec writes them; the first `required` are mandatory; with `variadic`
    the last one repeats (at least `required` in all). `fields` are the sqlglot argument names
    of the parsed node in that order (`*` suffix: a list). `units`: the values a UNIT argument
    takes. `unsupported`: dialect -> what to write instead (validate says so, R302)."""

    name: str
    category: Category
    args: tuple[Arg, ...]
    result: ArgKind
    summary: str
    node: type[exp.Expression] | None = None  # the sqlglot node it parses to; None: by name
    fields: tuple[str, ...] = ("this",)
    required: int = -1  # -1: all of args
    variadic: bool = False
    aliases: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    canonical: str | None = None
    templates: Mapping[str, str] = field(default_factory=dict)
    unsupported: Mapping[str, str] = field(default_factory=dict)
    deterministic: bool = True
    note: str = ""

    @property
    def min_args(self) -> int:
        return len(self.args) if self.required < 0 else self.required

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.args)

    def signature(self) -> str:
        shown = [a.name if i < self.min_args else f"[{a.name}]" for i, a in enumerate(self.args)]
        if self.variadic:
            shown.append("...")
        return f"{self.name}({', '.join(shown)})"

    def supported(self, dialect: str) -> bool:
        return dialect not in self.unsupported


N, S, T, B, A, U = ArgKind.NUMERIC, ArgKind.STRING, ArgKind.TEMPORAL, ArgKind.BOOLEAN, ArgKind.ANY, ArgKind.UNIT


def _a(*specs: str) -> tuple[Arg, ...]:
    """_a('s:string', 'n:numeric') -> Args."""
    return tuple(Arg(name, ArgKind(kind)) for name, kind in (s.split(":") for s in specs))


def _f(name: str, category: Category, args: str, result: ArgKind, summary: str, **kw: object) -> Function:
    return Function(name, category, _a(*args.split()) if args else (), result, summary, **kw)  # type: ignore[arg-type]


_TRUNC_UNITS = ("year", "quarter", "month", "day", "hour", "minute")
_ADD_UNITS = ("year", "month", "day", "hour", "minute", "second")
_PARTS = ("year", "quarter", "month", "day", "hour", "minute")
_NO_REGEX = "no regular expressions on this target: use like / replace"
_C = Category

_ENTRIES: tuple[Function, ...] = (
    # ---------------------------------------------------------------- string
    _f("lower", _C.STRING, "s:string", S, "lower case", node=exp.Lower),
    _f("upper", _C.STRING, "s:string", S, "upper case", node=exp.Upper),
    _f("trim", _C.STRING, "s:string", S, "spaces removed at both ends", node=exp.Trim),
    _f("ltrim", _C.STRING, "s:string", S, "spaces removed at the start", node=exp.Trim),
    _f("rtrim", _C.STRING, "s:string", S, "spaces removed at the end", node=exp.Trim),
    _f("length", _C.STRING, "s:string", N, "number of characters", node=exp.Length,
       note="tsql's LEN ignores trailing spaces"),
    _f("substring", _C.STRING, "s:string start:numeric length:numeric", S,
       "characters from `start` (1-based), `length` of them or to the end", node=exp.Substring,
       fields=("this", "start", "length"), required=2, aliases=("substr",)),
    _f("concat", _C.STRING, "a:string b:string", S, "the strings joined; NULL when any is NULL",
       node=exp.Concat, fields=("expressions*",), variadic=True),
    _f("replace", _C.STRING, "s:string find:string with:string", S, "every `find` replaced by `with`",
       node=exp.Replace, fields=("this", "expression", "replacement")),
    _f("left", _C.STRING, "s:string n:numeric", S, "the first n characters", node=exp.Left,
       fields=("this", "expression")),
    _f("right", _C.STRING, "s:string n:numeric", S, "the last n characters", node=exp.Right,
       fields=("this", "expression")),
    _f("regexp_like", _C.STRING, "s:string pattern:string", B,
       "true when the pattern matches part of s (also `s rlike pattern`)", node=exp.RegexpLike,
       fields=("this", "expression"), aliases=("rlike",),
       templates={"mysql": "REGEXP_INSTR({0}, {1}) > 0", "snowflake": "REGEXP_INSTR({0}, {1}) > 0",
                  "flink": "REGEXP({0}, {1})"},
       unsupported={"tsql": _NO_REGEX},
       note="patterns: the common subset of POSIX, RE2 and Java (classes, ranges, quantifiers, anchors)"),
    _f("regexp_replace", _C.STRING, "s:string pattern:string with:string", S,
       "every match of the pattern replaced (no back-references)", node=exp.RegexpReplace,
       fields=("this", "expression", "replacement"), unsupported={"tsql": _NO_REGEX}),
    # ---------------------------------------------------------------- numeric
    _f("abs", _C.NUMERIC, "x:numeric", N, "absolute value", node=exp.Abs),
    _f("round", _C.NUMERIC, "x:numeric digits:numeric", N, "rounded to `digits` decimals (default 0)",
       node=exp.Round, fields=("this", "decimals"), required=1,
       note="halves: away from zero on decimals; on doubles engines differ"),
    _f("floor", _C.NUMERIC, "x:numeric", N, "largest integer not above x", node=exp.Floor),
    _f("ceil", _C.NUMERIC, "x:numeric", N, "smallest integer not below x", node=exp.Ceil, aliases=("ceiling",)),
    _f("greatest", _C.NUMERIC, "a:any b:any", A, "the largest argument (give non-NULL arguments)",
       node=exp.Greatest, fields=("this", "expressions*"), variadic=True,
       note="with a NULL argument engines differ: wrap arguments in coalesce"),
    _f("least", _C.NUMERIC, "a:any b:any", A, "the smallest argument (give non-NULL arguments)",
       node=exp.Least, fields=("this", "expressions*"), variadic=True,
       note="with a NULL argument engines differ: wrap arguments in coalesce"),
    _f("mod", _C.NUMERIC, "a:numeric b:numeric", N, "remainder of a / b, sign of a (also `a % b`)",
       node=exp.Mod, fields=("this", "expression")),
    _f("power", _C.NUMERIC, "x:numeric y:numeric", N, "x to the power y", node=exp.Pow,
       fields=("this", "expression"), aliases=("pow",)),
    _f("sqrt", _C.NUMERIC, "x:numeric", N, "square root", node=exp.Sqrt),
    _f("ln", _C.NUMERIC, "x:numeric", N, "natural logarithm", node=exp.Ln),
    _f("exp", _C.NUMERIC, "x:numeric", N, "e to the power x", node=exp.Exp),
    # ---------------------------------------------------------------- temporal
    _f("date", _C.TEMPORAL, "t:temporal", T, "the date of a timestamp", node=exp.Date,
       canonical="CAST({0} AS DATE)"),
    _f("date_trunc", _C.TEMPORAL, "unit:unit t:temporal", T, "t truncated to the start of its unit",
       node=exp.DateTrunc, fields=("unit", "this"), units=_TRUNC_UNITS,
       templates={"spark": "DATE_TRUNC('{unit}', {1})", "databricks": "DATE_TRUNC('{unit}', {1})",
                  "bigquery": "TIMESTAMP_TRUNC({1}, {unit})", "clickhouse": "dateTrunc('{unit_lower}', {1})",
                  "flink": "FLOOR({1} TO {unit})"},
       unsupported={"mysql": "date(t) for days, or year(t)/month(t)",
                    "tsql": "cast(t as date) for days, or year(t)/month(t)"}),
    _f("extract", _C.TEMPORAL, "unit:unit t:temporal", N, "a part of t: `extract(month from t)`",
       node=exp.Extract, fields=("this", "expression"), units=_PARTS),
    *(
        _f(part, _C.TEMPORAL, "t:temporal", N, f"the {part} of t, as extract({part} from t)",
           node=getattr(exp, part.capitalize()), canonical=f"EXTRACT({part.upper()} FROM {{0}})")
        for part in ("year", "quarter", "month", "day", "hour", "minute")
    ),
    _f("dayofweek", _C.TEMPORAL, "t:temporal", N, "day of the week, 1 = Sunday ... 7 = Saturday",
       node=exp.DayOfWeek,
       templates={"duckdb": "(DAYOFWEEK({0}) + 1)", "postgres": "(CAST(EXTRACT(DOW FROM {0}) AS INT) + 1)",
                  "redshift": "(CAST(EXTRACT(DOW FROM {0}) AS INT) + 1)", "snowflake": "(DAYOFWEEKISO({0}) % 7 + 1)",
                  "clickhouse": "(toDayOfWeek({0}) % 7 + 1)"},
       unsupported={"tsql": "DATEPART(weekday) depends on DATEFIRST: compare dates instead"}),
    _f("date_add", _C.TEMPORAL, "unit:unit n:numeric t:temporal", T, "t plus n units: `date_add(day, 7, t)`",
       node=exp.DateAdd, fields=("unit", "expression", "this"), units=_ADD_UNITS, aliases=("dateadd",),
       templates={"spark": "TIMESTAMPADD({unit}, {1}, {2})", "databricks": "TIMESTAMPADD({unit}, {1}, {2})",
                  "flink": "TIMESTAMPADD({unit}, {1}, {2})"},
       note="adding months to the 29th-31st clamps to the month's last day"),
    _f("date_diff", _C.TEMPORAL, "unit:unit start:temporal end:temporal", N,
       "days from start's date to end's date: `date_diff(day, start, end)`", node=exp.DateDiff,
       fields=("unit", "expression", "this"), units=("day",), aliases=("datediff",),
       templates={"duckdb": "DATE_DIFF('day', CAST({1} AS DATE), CAST({2} AS DATE))",
                  "postgres": "(CAST({2} AS DATE) - CAST({1} AS DATE))", "mysql": "DATEDIFF({2}, {1})",
                  "snowflake": "DATEDIFF(DAY, {1}, {2})", "redshift": "DATEDIFF(DAY, {1}, {2})",
                  "tsql": "DATEDIFF(DAY, {1}, {2})",
                  "bigquery": "DATE_DIFF(CAST({2} AS DATE), CAST({1} AS DATE), DAY)",
                  "spark": "DATEDIFF(CAST({2} AS DATE), CAST({1} AS DATE))",
                  "databricks": "DATEDIFF(CAST({2} AS DATE), CAST({1} AS DATE))",
                  "clickhouse": "dateDiff('day', toDate({1}), toDate({2}))",
                  "flink": "TIMESTAMPDIFF(DAY, CAST(CAST({1} AS DATE) AS TIMESTAMP), CAST(CAST({2} AS DATE) AS TIMESTAMP))"}),
    _f("current_date", _C.TEMPORAL, "", T, "today (when the row is computed)", node=exp.CurrentDate,
       templates={"tsql": "CAST(GETDATE() AS DATE)", "flink": "CURRENT_DATE"}, deterministic=False),
    _f("current_timestamp", _C.TEMPORAL, "", T, "now (when the row is computed)", node=exp.CurrentTimestamp,
       templates={"flink": "CURRENT_TIMESTAMP"}, deterministic=False),
    _f("to_timestamp", _C.TEMPORAL, "s:string", T, "a 'YYYY-MM-DD HH:MM:SS' string as a timestamp",
       templates={"duckdb": "CAST({0} AS TIMESTAMP)", "postgres": "CAST({0} AS TIMESTAMP)",
                  "redshift": "CAST({0} AS TIMESTAMP)", "mysql": "CAST({0} AS DATETIME)",
                  "bigquery": "CAST({0} AS TIMESTAMP)", "tsql": "CAST({0} AS DATETIME2)",
                  "clickhouse": "parseDateTimeBestEffort({0})"}),
    _f("from_unixtime", _C.TEMPORAL, "seconds:numeric", S,
       "epoch seconds as a 'YYYY-MM-DD HH:MM:SS' string in UTC (the engines' session time zone: keep it UTC)",
       templates={"duckdb": "STRFTIME(MAKE_TIMESTAMP(CAST(FLOOR({0}) AS BIGINT) * 1000000), '%Y-%m-%d %H:%M:%S')",
                  "postgres": "TO_CHAR(TO_TIMESTAMP(FLOOR({0})) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
                  "mysql": "FROM_UNIXTIME(FLOOR({0}))",
                  "snowflake": "TO_CHAR(TO_TIMESTAMP(FLOOR({0})), 'YYYY-MM-DD HH24:MI:SS')",
                  "bigquery": "FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', TIMESTAMP_SECONDS(CAST(FLOOR({0}) AS INT64)))",
                  "spark": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))",
                  "databricks": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))",
                  "clickhouse": "formatDateTime(toDateTime(toInt64(floor({0})), 'UTC'), '%Y-%m-%d %H:%i:%S')",
                  "flink": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))"},
       unsupported={"redshift": "convert epoch seconds with timestamp 'epoch' + n * interval '1 second'",
                    "tsql": "dateadd(second, n, '1970-01-01')"}),
    # ---------------------------------------------------------------- conditional
    _f("coalesce", _C.CONDITIONAL, "a:any b:any", A, "the first non-NULL argument", node=exp.Coalesce,
       fields=("this", "expressions*"), required=1, variadic=True, aliases=("ifnull", "nvl")),
    _f("nullif", _C.CONDITIONAL, "a:any b:any", A, "NULL when a = b, else a", node=exp.Nullif,
       fields=("this", "expression")),
    _f("if", _C.CONDITIONAL, "condition:boolean then:any else:any", A, "then when the condition holds, else else",
       node=exp.If, fields=("this", "true", "false"), required=2, aliases=("iff",)),
    _f("case", _C.CONDITIONAL, "", A, "CASE WHEN ... THEN ... ELSE ... END", node=exp.Case, fields=()),
    _f("cast", _C.CONDITIONAL, "x:any", A, "CAST(x AS type) or x::type, with a portable type", node=exp.Cast),
    # ---------------------------------------------------------------- aggregates (measures)
    _f("count", _C.AGGREGATE, "x:any", N, "rows (count(*)), non-NULL values, or count(distinct x)",
       node=exp.Count, required=0),
    _f("sum", _C.AGGREGATE, "x:numeric", N, "sum of non-NULL values", node=exp.Sum),
    _f("avg", _C.AGGREGATE, "x:numeric", N, "mean of non-NULL values", node=exp.Avg),
    _f("min", _C.AGGREGATE, "x:any", A, "smallest value", node=exp.Min),
    _f("max", _C.AGGREGATE, "x:any", A, "largest value", node=exp.Max),
)

CATALOGUE: Mapping[str, Function] = {f.name: f for f in _ENTRIES}
ALIASES: Mapping[str, str] = {alias: f.name for f in _ENTRIES for alias in f.aliases}
_BY_NODE: dict[type[exp.Expression], str] = {f.node: f.name for f in _ENTRIES if f.node is not None}
_TRIMS = {"LEADING": "ltrim", "TRAILING": "rtrim"}


def lookup(name: str) -> Function | None:
    """The entry for a name or alias (any case), or None."""
    key = name.lower()
    return CATALOGUE.get(ALIASES.get(key, key))


def supported(name: str, dialect: str) -> bool:
    entry = lookup(name)
    return entry is not None and entry.supported(dialect)


# Operators sqlglot models as functions that every dialect spells alike: not calls.
_OPERATORS = (exp.And, exp.Or)


def is_call(node: exp.Expression) -> bool:
    """A node validate checks against the catalogue: a function call or a catalogued operator."""
    return (isinstance(node, exp.Func) and not isinstance(node, _OPERATORS)) or type(node) in _BY_NODE


def called_name(node: exp.Expression) -> str:
    """The name a call goes by: its catalogue name, or the name as written for others."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Trim):
        return _TRIMS.get(str(node.args.get("position") or "").upper(), "trim")
    return _BY_NODE.get(type(node)) or node.sql_name().lower()


def entry_of(node: exp.Expression) -> Function | None:
    if isinstance(node, exp.Anonymous):  # by name; a catalogued node's name here had the wrong arguments
        return lookup(node.name)
    return CATALOGUE.get(called_name(node)) if type(node) in _BY_NODE else None


def arguments(node: exp.Expression, entry: Function) -> tuple[list[exp.Expression], list[str]]:
    """(the call's arguments in the spec's order, argument names sqlglot holds that the entry has no place for)."""
    if isinstance(node, exp.Anonymous):
        return list(node.expressions), []
    args: list[exp.Expression] = []
    for name in entry.fields:
        value = node.args.get(name.rstrip("*"))
        args += value if isinstance(value, list) else [value] if isinstance(value, exp.Expression) else []
    known = {f.rstrip("*") for f in entry.fields} | {"to"}
    extra = [k for k, v in node.args.items() if k not in known and isinstance(v, exp.Expression | list) and v]
    return args, extra


def unit_of(node: exp.Expression) -> str | None:
    """A unit argument as a lowercase word ('month'), or None when it is not a plain word."""
    if isinstance(node, exp.Literal | exp.Var):
        return str(node.this).lower()
    if isinstance(node, exp.Column) and not node.table:
        return node.name.lower()
    return None


# ---------------------------------------------------------------- parsing: the spec's own dialect


def _unit_call(kind: type[exp.Func], name: str) -> Callable[[list[exp.Expression]], exp.Expression]:
    """DATE_ADD(unit, n, t) / DATE_DIFF(unit, start, end), the spec's spelling (sqlglot's generic
    parser reads other argument orders, losing the unit)."""

    def build(args: list[exp.Expression]) -> exp.Expression:
        if len(args) != 3:
            return exp.Anonymous(this=name, expressions=args)
        unit = unit_of(args[0])
        return kind(this=args[2], expression=args[1], unit=exp.var(unit.upper()) if unit else args[0])

    return build


class SpecDialect(Dialect):
    """sqlglot's generic dialect with the catalogue's spelling of date_add/date_diff."""

    class Parser(Dialect.parser_class):  # type: ignore[name-defined,misc]
        FUNCTIONS = {  # noqa: RUF012 - sqlglot's own idiom
            **Dialect.parser_class.FUNCTIONS,
            **{n: _unit_call(exp.DateAdd, n) for n in ("DATE_ADD", "DATEADD")},
            **{n: _unit_call(exp.DateDiff, n) for n in ("DATE_DIFF", "DATEDIFF")},
        }


# ---------------------------------------------------------------- translation


def _fill(template: str, args: list[str], unit: str | None) -> str:
    return template.format(*args, unit=(unit or "").upper(), unit_lower=(unit or "").lower())


def canonical(tree: exp.Expression) -> exp.Expression:
    """`tree` with every call that has a `canonical` form rewritten to it (children first)."""
    for node in reversed(list(tree.walk())):
        entry = entry_of(node) if is_call(node) else None
        if entry is None or entry.canonical is None:
            continue
        args, _ = arguments(node, entry)
        holders = [f"__pipegen_arg{i}" for i in range(len(args))]
        new = sqlglot.parse_one(_fill(entry.canonical, holders, None))
        for col in list(new.find_all(exp.Column)):
            if col.name in holders:
                col.replace(args[holders.index(col.name)].copy())
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def _template_sql(gen: Generator, node: exp.Expression, dialect: str, fallback: Callable[..., str] | None) -> str:
    entry = entry_of(node)
    template = entry.templates.get(dialect, SQLGLOT) if entry else SQLGLOT
    if entry is None or template == SQLGLOT:
        return fallback(gen, node) if fallback else gen.function_fallback_sql(node)  # type: ignore[arg-type]
    args, _ = arguments(node, entry)
    units = [i for i, a in enumerate(entry.args) if a.kind == ArgKind.UNIT]
    unit = unit_of(args[units[0]]) if units else None
    return _fill(template, [gen.sql(a) for a in args], unit)


@lru_cache(maxsize=None)
def generator_for(dialect: str) -> type[Generator]:
    """The dialect's sqlglot Generator with the catalogue's templates for that dialect."""
    base: type[Generator] = Dialect.get_or_raise(dialect).generator_class
    dispatch: dict[type[exp.Expression], Callable[..., str]] = {}
    for entry in _ENTRIES:
        if entry.templates.get(dialect, SQLGLOT) == SQLGLOT:
            continue
        kind = entry.node or exp.Anonymous
        fallback = base.TRANSFORMS.get(kind) or getattr(base, f"{kind.key}_sql", None)
        dispatch[kind] = lambda gen, node, fb=fallback: _template_sql(gen, node, dialect, fb)
    return type(f"Catalogue{base.__name__}", (base,), {"TRANSFORMS": {**base.TRANSFORMS, **dispatch}})


def generate(tree: exp.Expression, dialect: str, *, identify: bool = False) -> str:
    """`tree` (already canonical) as SQL in `dialect`, every catalogue call as the catalogue spells it."""
    return generator_for(dialect)(dialect=Dialect.get_or_raise(dialect), identify=identify).generate(tree)


def translate(node: exp.Expression, dialect: str) -> str:
    """One expression tree (generic SQL) as SQL in `dialect`, through the catalogue."""
    return generate(canonical(node.copy()), dialect)
