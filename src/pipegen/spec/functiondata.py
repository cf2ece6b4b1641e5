"""The function catalogue's data: one `Function` entry per function a spec expression may
call, with its arguments, result and per-dialect spelling. Read through `pipegen.spec.functions`
(the API, translation and docs); docs/transforms.md, "Functions", is generated from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlglot import exp

# The SQL dialects pipegen writes expressions in (sqlglot's names; "flink" is render/flinksql.py's).
DIALECTS = (
    "duckdb", "postgres", "mysql", "snowflake", "bigquery", "databricks", "spark", "redshift", "tsql",
    "clickhouse", "flink",
)  # fmt: skip
# Dialects the tests execute translations in (MariaDB stands in for MySQL); the rest parse back.
EXECUTED = ("duckdb", "postgres", "mysql", "flink")
SQLGLOT = ""  # a template meaning "sqlglot's own spelling for this dialect"


class ArgKind(StrEnum):
    """What an argument or result is. TEMPORAL: a date or timestamp; UNIT: one of `units`."""

    NUMERIC = "numeric"
    STRING = "string"
    TEMPORAL = "temporal"
    BOOLEAN = "boolean"
    ANY = "any"
    UNIT = "unit"


class Category(StrEnum):
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
_NOW = "allowed; its value is when the engine computes the row (a rerun differs): not for keys or tests"
_NO_REGEX = "no regular expressions on this target: use like / replace"
_C = Category

ENTRIES: tuple[Function, ...] = (
    # ---------------------------------------------------------------- string
    _f("lower", _C.STRING, "s:string", S, "lower case", node=exp.Lower),
    _f("upper", _C.STRING, "s:string", S, "upper case", node=exp.Upper),
    _f("trim", _C.STRING, "s:string", S, "spaces removed at both ends", node=exp.Trim),
    _f("ltrim", _C.STRING, "s:string", S, "spaces removed at the start", node=exp.Trim),
    _f("rtrim", _C.STRING, "s:string", S, "spaces removed at the end", node=exp.Trim),
    _f(
        "length",
        _C.STRING,
        "s:string",
        N,
        "number of characters",
        node=exp.Length,
        templates={"flink": "CHAR_LENGTH({0})"},
        note="tsql's LEN ignores trailing spaces",
    ),
    _f(
        "substring",
        _C.STRING,
        "s:string start:numeric length:numeric",
        S,
        "characters from `start` (1-based), `length` of them or to the end",
        node=exp.Substring,
        fields=("this", "start", "length"),
        required=2,
        aliases=("substr",),
    ),
    _f(
        "concat",
        _C.STRING,
        "a:string b:string",
        S,
        "the strings joined; NULL when any is NULL",
        node=exp.Concat,
        fields=("expressions*",),
        variadic=True,
    ),
    _f(
        "replace",
        _C.STRING,
        "s:string find:string with:string",
        S,
        "every `find` replaced by `with`",
        node=exp.Replace,
        fields=("this", "expression", "replacement"),
    ),
    _f(
        "left",
        _C.STRING,
        "s:string n:numeric",
        S,
        "the first n characters",
        node=exp.Left,
        fields=("this", "expression"),
    ),
    _f(
        "right",
        _C.STRING,
        "s:string n:numeric",
        S,
        "the last n characters",
        node=exp.Right,
        fields=("this", "expression"),
    ),
    _f(
        "regexp_like",
        _C.STRING,
        "s:string pattern:string",
        B,
        "true when the pattern (a string literal) matches part of s (also `s rlike pattern`)",
        node=exp.RegexpLike,
        fields=("this", "expression"),
        aliases=("rlike",),
        templates={
            "mysql": "REGEXP_INSTR({0}, {1}) > 0",
            "snowflake": "REGEXP_INSTR({0}, {1}) > 0",
            "flink": "REGEXP({0}, {1})",
        },
        unsupported={"tsql": _NO_REGEX},
        note="patterns: the common subset of POSIX, RE2 and Java (classes, ranges, quantifiers, anchors)",
    ),
    _f(
        "regexp_replace",
        _C.STRING,
        "s:string pattern:string with:string",
        S,
        "every match of the pattern (a string literal) replaced (no back-references)",
        node=exp.RegexpReplace,
        fields=("this", "expression", "replacement"),
        unsupported={"tsql": _NO_REGEX},
    ),
    # ---------------------------------------------------------------- numeric
    _f("abs", _C.NUMERIC, "x:numeric", N, "absolute value", node=exp.Abs),
    _f(
        "round",
        _C.NUMERIC,
        "x:numeric digits:numeric",
        N,
        "rounded to `digits` decimals (default 0)",
        node=exp.Round,
        fields=("this", "decimals"),
        required=1,
        note="halves: away from zero on decimals; on doubles engines differ",
    ),
    _f("floor", _C.NUMERIC, "x:numeric", N, "largest integer not above x", node=exp.Floor),
    _f("ceil", _C.NUMERIC, "x:numeric", N, "smallest integer not below x", node=exp.Ceil, aliases=("ceiling",)),
    _f(
        "greatest",
        _C.NUMERIC,
        "a:any b:any",
        A,
        "the largest argument (give non-NULL arguments)",
        node=exp.Greatest,
        fields=("this", "expressions*"),
        variadic=True,
        note="with a NULL argument engines differ: wrap arguments in coalesce",
    ),
    _f(
        "least",
        _C.NUMERIC,
        "a:any b:any",
        A,
        "the smallest argument (give non-NULL arguments)",
        node=exp.Least,
        fields=("this", "expressions*"),
        variadic=True,
        note="with a NULL argument engines differ: wrap arguments in coalesce",
    ),
    _f(
        "mod",
        _C.NUMERIC,
        "a:numeric b:numeric",
        N,
        "remainder of a / b, sign of a (also `a % b`); NULL when b is 0",
        node=exp.Mod,
        fields=("this", "expression"),
        # PostgreSQL has no remainder of a double (`double precision % integer` does not exist):
        # computed in NUMERIC, which holds integers and decimals exactly
        templates={"postgres": "MOD(CAST({0} AS NUMERIC), CAST({1} AS NUMERIC))"},
        note="PostgreSQL: computed in NUMERIC (it has no remainder of a double)",
    ),
    _f(
        "power",
        _C.NUMERIC,
        "x:numeric y:numeric",
        N,
        "x to the power y",
        node=exp.Pow,
        fields=("this", "expression"),
        aliases=("pow",),
    ),
    _f("sqrt", _C.NUMERIC, "x:numeric", N, "square root", node=exp.Sqrt),
    _f("ln", _C.NUMERIC, "x:numeric", N, "natural logarithm", node=exp.Ln),
    _f("exp", _C.NUMERIC, "x:numeric", N, "e to the power x", node=exp.Exp),
    # ---------------------------------------------------------------- temporal
    _f("date", _C.TEMPORAL, "t:temporal", T, "the date of a timestamp", node=exp.Date, canonical="CAST({0} AS DATE)"),
    _f(
        "date_trunc",
        _C.TEMPORAL,
        "unit:unit t:temporal",
        T,
        "t truncated to the start of its unit",
        node=exp.DateTrunc,
        fields=("unit", "this"),
        units=_TRUNC_UNITS,
        templates={
            "spark": "DATE_TRUNC('{unit}', {1})",
            "databricks": "DATE_TRUNC('{unit}', {1})",
            "bigquery": "TIMESTAMP_TRUNC({1}, {unit})",
            "clickhouse": "dateTrunc('{unit_lower}', {1})",
            "flink": "FLOOR({1} TO {unit})",
        },
        unsupported={
            "mysql": "date(t) for days, or year(t)/month(t)",
            "tsql": "cast(t as date) for days, or year(t)/month(t)",
        },
    ),
    _f(
        "extract",
        _C.TEMPORAL,
        "unit:unit t:temporal",
        N,
        "a part of t: `extract(month from t)`",
        node=exp.Extract,
        fields=("this", "expression"),
        units=_PARTS,
    ),
    *(
        _f(
            part,
            _C.TEMPORAL,
            "t:temporal",
            N,
            f"the {part} of t, as extract({part} from t)",
            node=getattr(exp, part.capitalize()),
            canonical=f"EXTRACT({part.upper()} FROM {{0}})",
        )
        for part in ("year", "quarter", "month", "day", "hour", "minute")
    ),
    _f(
        "dayofweek",
        _C.TEMPORAL,
        "t:temporal",
        N,
        "day of the week, 1 = Sunday ... 7 = Saturday",
        node=exp.DayOfWeek,
        templates={
            "duckdb": "(DAYOFWEEK({0}) + 1)",
            "postgres": "(CAST(EXTRACT(DOW FROM {0}) AS INT) + 1)",
            "redshift": "(CAST(EXTRACT(DOW FROM {0}) AS INT) + 1)",
            "snowflake": "(DAYOFWEEKISO({0}) % 7 + 1)",
            "clickhouse": "(toDayOfWeek({0}) % 7 + 1)",
        },
        unsupported={"tsql": "DATEPART(weekday) depends on DATEFIRST: compare dates instead"},
    ),
    _f(
        "date_add",
        _C.TEMPORAL,
        "unit:unit n:numeric t:temporal",
        T,
        "t plus n units: `date_add(day, 7, t)`",
        node=exp.DateAdd,
        fields=("unit", "expression", "this"),
        units=_ADD_UNITS,
        aliases=("dateadd",),
        templates={
            "spark": "TIMESTAMPADD({unit}, {1}, {2})",
            "databricks": "TIMESTAMPADD({unit}, {1}, {2})",
            "flink": "TIMESTAMPADD({unit}, {1}, {2})",
        },
        note="adding months to the 29th-31st clamps to the month's last day",
    ),
    _f(
        "date_diff",
        _C.TEMPORAL,
        "unit:unit start:temporal end:temporal",
        N,
        "days from start's date to end's date: `date_diff(day, start, end)`",
        node=exp.DateDiff,
        fields=("unit", "expression", "this"),
        units=("day",),
        aliases=("datediff",),
        templates={
            "duckdb": "DATE_DIFF('day', CAST({1} AS DATE), CAST({2} AS DATE))",
            "postgres": "(CAST({2} AS DATE) - CAST({1} AS DATE))",
            "mysql": "DATEDIFF({2}, {1})",
            "snowflake": "DATEDIFF(DAY, {1}, {2})",
            "redshift": "DATEDIFF(DAY, {1}, {2})",
            "tsql": "DATEDIFF(DAY, {1}, {2})",
            "bigquery": "DATE_DIFF(CAST({2} AS DATE), CAST({1} AS DATE), DAY)",
            "spark": "DATEDIFF(CAST({2} AS DATE), CAST({1} AS DATE))",
            "databricks": "DATEDIFF(CAST({2} AS DATE), CAST({1} AS DATE))",
            "clickhouse": "dateDiff('day', toDate({1}), toDate({2}))",
            "flink": "TIMESTAMPDIFF(DAY, CAST(CAST({1} AS DATE) AS TIMESTAMP), CAST(CAST({2} AS DATE) AS TIMESTAMP))",
        },
    ),
    _f(
        "current_date",
        _C.TEMPORAL,
        "",
        T,
        "today (when the row is computed)",
        node=exp.CurrentDate,
        templates={"tsql": "CAST(GETDATE() AS DATE)", "flink": "CURRENT_DATE"},
        deterministic=False,
        note=_NOW,
    ),
    _f(
        "current_timestamp",
        _C.TEMPORAL,
        "",
        T,
        "now (when the row is computed)",
        node=exp.CurrentTimestamp,
        templates={"flink": "CURRENT_TIMESTAMP"},
        deterministic=False,
        note=_NOW,
    ),
    _f(
        "to_timestamp",
        _C.TEMPORAL,
        "s:string",
        T,
        "a 'YYYY-MM-DD HH:MM:SS' string as a timestamp",
        templates={
            "duckdb": "CAST({0} AS TIMESTAMP)",
            "postgres": "CAST({0} AS TIMESTAMP)",
            "redshift": "CAST({0} AS TIMESTAMP)",
            "mysql": "CAST({0} AS DATETIME)",
            "bigquery": "CAST({0} AS TIMESTAMP)",
            "tsql": "CAST({0} AS DATETIME2)",
            "clickhouse": "parseDateTimeBestEffort({0})",
        },
    ),
    _f(
        "from_unixtime",
        _C.TEMPORAL,
        "seconds:numeric",
        S,
        "epoch seconds as a 'YYYY-MM-DD HH:MM:SS' string in UTC (the engines' session time zone: keep it UTC)",
        templates={
            "duckdb": "STRFTIME(MAKE_TIMESTAMP(CAST(FLOOR({0}) AS BIGINT) * 1000000), '%Y-%m-%d %H:%M:%S')",
            "postgres": "TO_CHAR(TO_TIMESTAMP(FLOOR({0})) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
            "mysql": "FROM_UNIXTIME(FLOOR({0}))",
            "snowflake": "TO_CHAR(TO_TIMESTAMP(FLOOR({0})), 'YYYY-MM-DD HH24:MI:SS')",
            "bigquery": "FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', TIMESTAMP_SECONDS(CAST(FLOOR({0}) AS INT64)))",
            "spark": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))",
            "databricks": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))",
            "clickhouse": "formatDateTime(toDateTime(toInt64(floor({0})), 'UTC'), '%Y-%m-%d %H:%i:%S')",
            "flink": "FROM_UNIXTIME(CAST(FLOOR({0}) AS BIGINT))",
        },
        unsupported={
            "redshift": "convert epoch seconds with timestamp 'epoch' + n * interval '1 second'",
            "tsql": "dateadd(second, n, '1970-01-01')",
        },
    ),
    # ---------------------------------------------------------------- conditional
    _f(
        "coalesce",
        _C.CONDITIONAL,
        "a:any b:any",
        A,
        "the first non-NULL argument",
        node=exp.Coalesce,
        fields=("this", "expressions*"),
        required=1,
        variadic=True,
        aliases=("ifnull", "nvl"),
    ),
    _f(
        "nullif",
        _C.CONDITIONAL,
        "a:any b:any",
        A,
        "NULL when a = b, else a",
        node=exp.Nullif,
        fields=("this", "expression"),
    ),
    _f(
        "if",
        _C.CONDITIONAL,
        "condition:boolean then:any else:any",
        A,
        "then when the condition holds, else else",
        node=exp.If,
        fields=("this", "true", "false"),
        required=2,
        aliases=("iff",),
    ),
    _f("case", _C.CONDITIONAL, "", A, "CASE WHEN ... THEN ... ELSE ... END", node=exp.Case, fields=()),
    _f("cast", _C.CONDITIONAL, "x:any", A, "CAST(x AS type) or x::type, with a portable type", node=exp.Cast),
    # ---------------------------------------------------------------- aggregates (measures)
    _f(
        "count",
        _C.AGGREGATE,
        "x:any",
        N,
        "rows (count(*)), non-NULL values, or count(distinct x)",
        node=exp.Count,
        required=0,
    ),
    _f("sum", _C.AGGREGATE, "x:numeric", N, "sum of non-NULL values", node=exp.Sum),
    _f(
        "avg",
        _C.AGGREGATE,
        "x:numeric",
        N,
        "mean of non-NULL values",
        node=exp.Avg,
        templates={"flink": "AVG(CAST({0} AS DOUBLE))"},
        note="Flink averages integers as integers (3.75 -> 3): pipegen averages doubles there; MySQL gives 4 decimals",
    ),
    _f("min", _C.AGGREGATE, "x:any", A, "smallest value", node=exp.Min),
    _f("max", _C.AGGREGATE, "x:any", A, "largest value", node=exp.Max),
)
