"""Synthetic source data: a seeded, rule-respecting generator with deliberate bad rows.

Copied verbatim into generated projects; driven by a JSON config (pipegen writes it from the
spec, or you write it by hand) and by ``rules.json`` beside it (the quality rule kinds pipegen
writes: which rules bad rows break, each by its bad-value strategy). Needs Faker and pyarrow;
duckdb only for ``--format duckdb``.

    python synthetic.py --config synthetic.json --out data/ [--format sqlite|csv|parquet|jsonl|duckdb]
                        [--rows N] [--seed S] [--bad-row-rate R]

``--rows N`` gives the largest table N rows and scales the others in proportion; ``--seed`` and
``--bad-row-rate`` override the config (the rate for every table). Exit 1 lists every config
problem with its place (``tables[0].columns[2].type: unknown type 'strng' (did you mean ...)``).
Python API: ``load_config(path)`` / ``parse_config(dict)`` -> ``Config``; ``generate(config)`` ->
``Dataset`` (``.tables``: name -> pyarrow.Table, ``.violations``); ``write(dataset, out, fmt)``;
``stream_events(config, table, rate=..., burst_every=..., endless=...)`` -> dicts;
``breaks(column, rule, value)`` and ``move_times(row, table, column, stamp)`` for row-wise
callers (the flink family's ``change_events.py`` builds its change events on this model).

Config (plain JSON; every key but ``tables`` is optional)::

    {
      "seed": 42,                          # same config + seed -> byte-identical files
      "locale": "en_US",                   # Faker locale of the value pools
      "start": "2026-01-01T00:00:00Z",     # time anchor: no clock is read
      "window_days": 30,                   # dates/timestamps fall in [start, start + window)
      "pool_size": 1000,                   # Faker values drawn once per column, then sampled
      "bad_row_rate": 0.0,                 # fraction of each table's rows that break one rule
      "bad_rules": ["not_null", "unique", "range", "accepted_values", "regex", "foreign_key"],
      "tables": [{
        "name": "orders", "rows": 1000,
        "primary_key": ["order_id"],       # not null; one column: unique, counts up from 1;
                                           # composite: the last int column counts within the others
        "bad_row_rate": 0.01,              # per-table override (also "bad_rules")
        "intact": ["order_id"],            # columns bad rows never break (a change event's key)
        "inject": {"nulls": 0.05, "outliers": 0.01, "gaps": 0.1},
        "keeps": "\"status\" <> 'void'",  # the extract's filter (SQLite): foreign keys into this
                                           # table name only rows it keeps (all, if it keeps none)
        "columns": [{
          "name": "order_id", "type": "bigint",
          "faker": "email",                # a Faker provider; wins over the name heuristics
          "not_null": true, "unique": true,
          "range": {"min": 0, "max": 100},  # numbers; ISO strings for date/timestamp columns
          "accepted_values": ["a", "b"],
          "regex": "[A-Z]{3}-\\d{4}",      # values are generated to fully match it
          "foreign_key": "customers.customer_id",   # or "source.table.column"
          "covers": true,                  # with foreign_key: every clean parent key gets >= 1 row
          "holds": true,                   # boolean columns: every clean row is true
          "recent": 43200,                 # date/timestamp columns: values in the window's last
                                           # N seconds (a distribution, not a rule: a freshness
                                           # check then passes on any subset the extract keeps)
          "pii": "mask"                    # informative only: the value is fake either way
        }]
      }]
    }

Types: string, varchar(n), int, bigint, smallint, float, double, decimal(p,s), boolean, date,
time, timestamp, timestamp(p), timestamp_tz, json, binary, uuid (with the usual aliases).
Values: foreign key (a clean parent key) > accepted values > regex > ``faker`` > by type and
column name (email, first_name, city, phone, amount > 0, quantity, status, ...; see
NAME_PROVIDERS and NAME_RANGES); ``updated_at`` follows ``created_at`` (ORDERED_AFTER).

Clean rows keep every rule. ``inject.nulls`` adds nulls only to nullable, non-unique columns,
``inject.outliers`` scales int/float values by 100 only where no rule bounds them,
``inject.gaps`` leaves that fraction of the time window without rows: all three stay inside the
rules. Bad rows (``bad_row_rate``) break exactly one chosen rule each (of ``bad_rules``), in one
column (not one of ``intact``), and are listed in ``<out>/_bad_rows.json`` (one violation a line)::

    {"seed": 42, "tables": {"orders": {"bad_rows": 10, "rows": 1000}},
     "violations": [
      {"also_breaks": [], "column": "amount", "duplicate_of": null, "key": {"order_id": 18},
       "row": 17, "rule": "range", "table": "orders", "value": "5003.00"}
     ]}

``row`` is the 0-based position in the written table (SQLite rowid - 1, DuckDB rowid); ``key`` is
the row's primary key as written (when the key itself is broken, ``row`` is the reliable handle);
``value`` is as the CSV writer prints it; ``duplicate_of`` is the clean row a ``unique`` break
copies; ``also_breaks`` lists other rules of the column the value happens to break too. Child
tables draw foreign keys only from parent rows that are entirely clean. Written schemas declare
no NOT NULL: a source must be able to hold its bad rows.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import hashlib
import json
import math
import random
import re
import re._parser as sre_parse  # the standard library's regex parser (Python >= 3.11)
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

FORMATS = ("sqlite", "csv", "parquet", "jsonl", "duckdb")
MANIFEST = "_bad_rows.json"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
TOP_KEYS = {"seed", "locale", "start", "window_days", "pool_size", "bad_row_rate", "bad_rules", "tables"}
TABLE_KEYS = {
    "name", "rows", "primary_key", "columns", "inject", "bad_row_rate", "bad_rules", "intact", "description",
    "keeps",
}  # fmt: skip
COLUMN_KEYS = {
    "name", "type", "faker", "not_null", "unique", "range", "accepted_values", "regex",
    "foreign_key", "covers", "holds", "pii", "description", "shape", "recent",
}  # fmt: skip
INJECT_KEYS = {"nulls", "outliers", "gaps"}


class ConfigError(Exception):
    """Bad config: every problem at once, each with where it is and how to fix it."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# ---------------------------------------------------------------- rule kinds (rules.json, written by pipegen)

# How a bad row breaks a rule, by the strategy rules.json names for the rule's kind (BAD_VALUES
# below implements each). Column rules whose strategy is known here are the rules bad rows break.
STRATEGY_NAMES = ("null", "duplicate", "out_of_range", "outside_values", "regex_miss", "dangling")
RULES_FILE = Path(__file__).with_name("rules.json")


def _rule_kinds(path: Path) -> dict[str, tuple[str, str]]:
    """Column rule kind -> (its config key, its bad-value strategy), in the kinds' order."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it lists the quality rule kinds (write it with pipegen, "
                                "which generates it beside this module)")  # fmt: skip
    kinds = json.loads(path.read_text(encoding="utf-8"))["kinds"]
    return {k["name"]: (k["field"], k["bad_value"]) for k in kinds
            if k["scope"] == "column" and k["bad_value"] in STRATEGY_NAMES}  # fmt: skip


KINDS = _rule_kinds(RULES_FILE)
RULES = tuple(KINDS)  # the rules bad rows can break: not_null, unique, range, accepted_values, regex, foreign_key


# ---------------------------------------------------------------- types (data, not if-chains)

TYPE_ALIASES = {
    "text": "string", "varchar": "string", "char": "string", "str": "string", "integer": "int",
    "int4": "int", "int8": "bigint", "long": "bigint", "int2": "smallint", "tinyint": "smallint",
    "real": "float", "float4": "float", "float8": "double", "numeric": "decimal", "number": "decimal",
    "bool": "boolean", "datetime": "timestamp", "timestamptz": "timestamp_tz", "bytes": "binary",
    "bytea": "binary", "jsonb": "json", "object": "json", "array": "json",
}  # fmt: skip
# canonical -> (sqlite declared type, duckdb type); decimal and timestamp fill in their sizes. The
# SQLite stand-in holds a decimal as REAL: its NUMERIC affinity would store 12.00 as the integer 12
# and 12.5 as a real, and connectorx, typing a column by its first value, fails on the mix (the
# extract takes the types from the spec, not the stand-in, and casts to the decimal)
SQL_TYPES = {
    "string": ("TEXT", "VARCHAR"), "int": ("INTEGER", "INTEGER"), "bigint": ("BIGINT", "BIGINT"),
    "smallint": ("SMALLINT", "SMALLINT"), "float": ("REAL", "FLOAT"), "double": ("DOUBLE", "DOUBLE"),
    "decimal": ("REAL", "DECIMAL({p},{s})"), "boolean": ("BOOLEAN", "BOOLEAN"),
    "date": ("DATE", "DATE"), "time": ("TIME", "TIME"), "timestamp": ("TIMESTAMP", "TIMESTAMP"),
    "timestamp_tz": ("TIMESTAMP", "TIMESTAMPTZ"), "json": ("JSON", "JSON"), "binary": ("BLOB", "BLOB"),
    "uuid": ("TEXT", "UUID"),
}  # fmt: skip
INT_BOUNDS = {"smallint": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
INT_ARROW = {"smallint": pa.int16(), "int": pa.int32(), "bigint": pa.int64()}
FLOAT_ARROW = {"float": pa.float32(), "double": pa.float64()}
TIMESTAMP_UNITS = {0: "s", 1: "ms", 2: "ms", 3: "ms", 4: "us", 5: "us", 6: "us", 7: "ns", 8: "ns", 9: "ns"}
TYPE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")


TEXT_TYPES = frozenset({"string", "varchar", "json"})


@dataclass(frozen=True)
class ColType:
    name: str
    precision: int = 0
    scale: int = 0
    length: int | None = None
    unit: str = "us"

    def arrow(self) -> pa.DataType:
        if self.name in INT_ARROW:
            return INT_ARROW[self.name]
        if self.name in FLOAT_ARROW:
            return FLOAT_ARROW[self.name]
        if self.name == "decimal":
            return pa.decimal128(self.precision, self.scale)
        if self.name in ("timestamp", "timestamp_tz"):
            return pa.timestamp(self.unit, tz="UTC" if self.name == "timestamp_tz" else None)
        simple = {"boolean": pa.bool_(), "date": pa.date32(), "time": pa.time64("us"), "binary": pa.binary()}
        return simple.get(self.name, pa.string())

    def sql(self, dialect: int) -> str:
        text = SQL_TYPES[self.name][dialect]
        return text.format(p=self.precision, s=self.scale)

    @property
    def numeric(self) -> bool:
        return self.name in INT_ARROW or self.name in FLOAT_ARROW or self.name == "decimal"

    @property
    def temporal(self) -> bool:
        return self.name in ("date", "timestamp", "timestamp_tz")


def parse_type(text: str) -> ColType:
    """'varchar(20)' -> string of length 20, 'numeric(12,2)' -> decimal(12,2). ValueError otherwise."""
    match = TYPE_RE.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a column type (e.g. int, string, decimal(12,2), timestamp)")
    base, p1, p2 = match.groups()
    name = TYPE_ALIASES.get(base.lower(), base.lower())
    if name not in SQL_TYPES:
        guess = difflib.get_close_matches(name, [*SQL_TYPES, *TYPE_ALIASES], n=1)
        raise ValueError(f"unknown type '{base}'" + (f" (did you mean '{guess[0]}'?)" if guess else ""))
    if name == "decimal":
        precision = int(p1) if p1 else 38
        scale = int(p2) if p2 else (0 if p1 else 9)
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"decimal({precision},{scale}) needs 1 <= precision <= 38 and scale <= precision")
        return ColType("decimal", precision, scale)
    if name in ("timestamp", "timestamp_tz") and p1 is not None and p2 is None and int(p1) <= 9:
        return ColType(name, unit=TIMESTAMP_UNITS[int(p1)])
    if name == "string" and p1 is not None and p2 is None:
        return ColType("string", length=int(p1))
    if p1 is not None:
        raise ValueError(f"type '{base}' takes no size arguments here")
    return ColType(name)


# ---------------------------------------------------------------- config model


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType
    faker: str | None = None
    not_null: bool = False
    unique: bool = False
    min: Any = None
    max: Any = None
    accepted: tuple[Any, ...] = ()
    regex: str | None = None
    foreign_key: tuple[str, str] | None = None
    where: str = ""  # its place in the config, for messages
    shape: str | None = None  # json columns: the nested type the JSON has, e.g. struct<w: int, h: int>
    covers: bool = False  # foreign keys: every clean parent key is referenced at least once
    holds: bool = False  # booleans: every clean row is true (a condition the spec's marts rely on)
    recent: float | None = None  # dates/timestamps: values in the window's last `recent` seconds

    def has_rule(self, rule: str) -> bool:
        """Whether the column states the rule kind (by the kind's config key)."""
        present = {
            "not_null": self.not_null, "unique": self.unique, "range": self.min is not None or self.max is not None,
            "accepted_values": bool(self.accepted), "regex": self.regex is not None,
            "foreign_key": self.foreign_key is not None,
        }  # fmt: skip
        return present[KINDS[rule][0]]


@dataclass(frozen=True)
class Table:
    name: str
    rows: int
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    nulls: float = 0.0
    outliers: float = 0.0
    gaps: float = 0.0
    bad_row_rate: float = 0.0
    bad_rules: tuple[str, ...] = RULES
    intact: tuple[str, ...] = ()  # columns bad rows never break
    keeps: str | None = None  # the local extract's filter (SQLite): foreign keys name rows it keeps

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Config:
    tables: tuple[Table, ...]
    seed: int = 42
    locale: str = "en_US"
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    window_days: float = 30.0
    pool_size: int = 1000


@functools.cache
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


def _known_locale(locale: str) -> bool:
    try:
        _faker(locale)
    except AttributeError:
        return False
    return True


def is_provider(locale: str, name: str) -> bool:
    return not name.startswith("_") and callable(getattr(_faker(locale), name, None))


def provider_names(locale: str) -> list[str]:
    fake = _faker(locale)
    return [n for n in dir(fake) if not n.startswith("_") and n not in ("seed", "seed_instance", "seed_locale")]


class _Problems:
    """Collects config problems with their JSON path, so all are reported at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def unknown_keys(self, where: str, data: dict[str, Any], known: set[str]) -> None:
        for key in sorted(set(data) - known):
            guess = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else "known keys: " + ", ".join(sorted(known))
            self.add(where, f"unknown key '{key}' ({hint})")


def _rate(problems: _Problems, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        problems.add(where, f"expected a rate between 0 and 1, got {value!r}")
        return 0.0
    return float(value)


def _parse_instant(text: Any) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bound(problems: _Problems, where: str, ctype: ColType, value: Any) -> Any:
    """A range bound in the column's own terms: a number, a date or an aware datetime."""
    if value is None:
        return None
    try:
        if ctype.name == "date":
            return date.fromisoformat(str(value))
        if ctype.temporal:
            return _parse_instant(value)
        if ctype.numeric and not isinstance(value, bool) and isinstance(value, int | float):
            return value
    except ValueError:
        pass
    kind = "an ISO date/timestamp" if ctype.temporal else "a number"
    problems.add(where, f"range bound {value!r} must be {kind} for a {ctype.name} column")
    return None


def _parse_column(problems: _Problems, where: str, data: Any, locale: str) -> Column | None:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        problems.add(where, 'expected {"name": ..., "type": ...}')
        return None
    problems.unknown_keys(where, data, COLUMN_KEYS)
    try:
        ctype = parse_type(data.get("type", "string"))
    except ValueError as exc:
        problems.add(f"{where}.type", str(exc))
        return None
    rng = data.get("range") or {}
    if not isinstance(rng, dict) or set(rng) - {"min", "max"}:
        problems.add(f"{where}.range", 'expected {"min": ..., "max": ...}')
        rng = {}
    low, high = (
        _bound(problems, f"{where}.range", ctype, rng.get("min")),
        _bound(problems, f"{where}.range", ctype, rng.get("max")),
    )
    if low is not None and high is not None and low > high:
        problems.add(f"{where}.range", f"min {low} is greater than max {high}")
    accepted = data.get("accepted_values") or ()
    if not isinstance(accepted, list | tuple):
        problems.add(f"{where}.accepted_values", "expected a list of values")
        accepted = ()
    regex = data.get("regex")
    if regex is not None:
        try:
            regex_program(str(regex))
        except ValueError as exc:
            problems.add(f"{where}.regex", str(exc))
    hint = data.get("faker")
    if hint is not None and not is_provider(locale, str(hint)):
        guess = difflib.get_close_matches(str(hint), provider_names(locale), n=1)
        problems.add(
            f"{where}.faker",
            f"'{hint}' is not a Faker provider of locale {locale}"
            + (f" (did you mean '{guess[0]}'?)" if guess else ""),
        )
    fk = data.get("foreign_key")
    parts = str(fk).split(".") if fk else []
    if fk and len(parts) not in (2, 3):
        problems.add(f"{where}.foreign_key", f"'{fk}' must be 'table.column' or 'source.table.column'")
    covers = data.get("covers", False)
    if not isinstance(covers, bool) or (covers and not fk):
        problems.add(f"{where}.covers", "expected true or false, and only on a foreign_key column")
    holds = data.get("holds", False)
    if not isinstance(holds, bool) or (holds and ctype.name != "boolean"):
        problems.add(f"{where}.holds", "expected true or false, and only on a boolean column")
    recent = data.get("recent")
    if recent is not None and (
        isinstance(recent, bool) or not isinstance(recent, int | float) or recent <= 0
        or ctype.name not in ("date", "timestamp", "timestamp_tz")
    ):  # fmt: skip
        problems.add(f"{where}.recent", "expected a number of seconds > 0, and only on a date or timestamp column")
        recent = None
    return Column(
        name=data["name"], type=ctype, faker=data.get("faker"), not_null=bool(data.get("not_null")),
        unique=bool(data.get("unique")), min=low, max=high, accepted=tuple(accepted),
        regex=None if regex is None else str(regex),
        foreign_key=(parts[-2], parts[-1]) if len(parts) in (2, 3) else None, where=where,
        shape=None if data.get("shape") is None else str(data["shape"]), covers=covers is True,
        holds=holds is True and ctype.name == "boolean", recent=None if recent is None else float(recent),
    )  # fmt: skip


def _parse_table(problems: _Problems, where: str, data: Any, defaults: dict[str, Any]) -> Table | None:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        problems.add(where, 'expected {"name": ..., "rows": ..., "columns": [...]}')
        return None
    problems.unknown_keys(where, data, TABLE_KEYS)
    raw_columns = data.get("columns") or []
    if not isinstance(raw_columns, list):
        problems.add(f"{where}.columns", "expected a list of columns")
        raw_columns = []
    columns = [
        _parse_column(problems, f"{where}.columns[{i}]", c, defaults["locale"]) for i, c in enumerate(raw_columns)
    ]
    if not columns:
        problems.add(f"{where}.columns", "a table needs at least one column")
    names = [c.name for c in columns if c]
    for dup in sorted(n for n, k in Counter(names).items() if k > 1):
        problems.add(f"{where}.columns", f"column '{dup}' appears twice")
    key = data.get("primary_key") or []
    key = [key] if isinstance(key, str) else list(key)
    for missing in [k for k in key if k not in names]:
        problems.add(f"{where}.primary_key", f"'{missing}' is not a column of {data['name']}")
    rows = data.get("rows", 100)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        problems.add(f"{where}.rows", f"expected a whole number >= 0, got {rows!r}")
        rows = 0
    inject = data.get("inject") or {}
    if not isinstance(inject, dict):
        problems.add(f"{where}.inject", 'expected {"nulls": rate, "outliers": rate, "gaps": rate}')
        inject = {}
    problems.unknown_keys(f"{where}.inject", inject, INJECT_KEYS)
    rules = _bad_rules(problems, f"{where}.bad_rules", data.get("bad_rules", defaults["bad_rules"]))
    intact = data.get("intact") or []
    if not isinstance(intact, list) or not all(isinstance(c, str) for c in intact):
        problems.add(f"{where}.intact", "expected a list of column names")
        intact = []
    for missing in [c for c in intact if c not in names]:
        problems.add(f"{where}.intact", f"'{missing}' is not a column of {data['name']}")
    keeps = data.get("keeps")
    if keeps is not None and not (isinstance(keeps, str) and keeps.strip()):
        problems.add(f"{where}.keeps", "expected a SQL condition (SQLite) the table's extract keeps rows by")
        keeps = None
    cols = tuple(_key_rules(c, key) for c in columns if c)
    return Table(
        name=data["name"], rows=rows, columns=cols, primary_key=tuple(key),
        nulls=_rate(problems, f"{where}.inject.nulls", inject.get("nulls", 0.0)),
        outliers=_rate(problems, f"{where}.inject.outliers", inject.get("outliers", 0.0)),
        gaps=_rate(problems, f"{where}.inject.gaps", inject.get("gaps", 0.0)),
        bad_row_rate=_rate(problems, f"{where}.bad_row_rate", data.get("bad_row_rate", defaults["bad_row_rate"])),
        bad_rules=rules, intact=tuple(intact), keeps=keeps,
    )  # fmt: skip


def _key_rules(column: Column, key: list[str]) -> Column:
    """A primary-key column is not null; a single-column key is also unique."""
    if column.name not in key:
        return column
    return replace(column, not_null=True, unique=column.unique or len(key) == 1)


def _bad_rules(problems: _Problems, where: str, value: Any) -> tuple[str, ...]:
    rules = tuple(value) if isinstance(value, list | tuple) else ()
    for rule in rules:
        if rule not in RULES:
            problems.add(where, f"unknown rule '{rule}' (one of: {', '.join(RULES)})")
    return tuple(r for r in rules if r in RULES)


def parse_config(data: Any, overrides: dict[str, Any] | None = None) -> Config:
    """Validate a config mapping (plus CLI overrides); ConfigError lists every problem."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise ConfigError(['config: expected a JSON object {"tables": [...]}'])
    data = {**data, **{k: v for k, v in (overrides or {}).items() if v is not None and k != "rows"}}
    problems.unknown_keys("config", data, TOP_KEYS)
    defaults = {
        "bad_row_rate": data.get("bad_row_rate", 0.0),
        "bad_rules": data.get("bad_rules", list(RULES)),
        "locale": str(data.get("locale", "en_US")),
    }
    if not _known_locale(defaults["locale"]):
        problems.add("config.locale", f"Faker has no locale '{defaults['locale']}' (e.g. en_US, cs_CZ, de_DE)")
        defaults["locale"] = "en_US"
    raw_tables = data.get("tables")
    if not isinstance(raw_tables, list) or not raw_tables:
        problems.add("config.tables", "expected a non-empty list of tables")
        raw_tables = []
    parsed = [_parse_table(problems, f"tables[{i}]", raw, defaults) for i, raw in enumerate(raw_tables)]
    tables = [t for t in parsed if t]
    for dup in sorted(n for n, k in Counter(t.name for t in tables).items() if k > 1):
        problems.add("config.tables", f"table '{dup}' appears twice")
    tables = _scale_rows(tables, (overrides or {}).get("rows"))
    if (overrides or {}).get("bad_row_rate") is not None:  # --bad-row-rate wins over every table's own
        tables = [replace(t, bad_row_rate=float(overrides["bad_row_rate"])) for t in tables]  # type: ignore[index]
    _check_foreign_keys(problems, tables)
    start = _config_start(problems, data.get("start", "2026-01-01T00:00:00Z"))
    seed = _whole(problems, "config.seed", data.get("seed", 42), 0)
    pool_size = _whole(problems, "config.pool_size", data.get("pool_size", 1000), 1)
    window = data.get("window_days", 30)
    if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
        problems.add("config.window_days", f"expected a number of days > 0, got {window!r}")
    if problems.items:
        raise ConfigError(problems.items)
    return Config(
        tables=tuple(tables), seed=seed, locale=defaults["locale"], start=start, window_days=float(window),
        pool_size=pool_size,
    )  # fmt: skip


def _whole(problems: _Problems, where: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        problems.add(where, f"expected a whole number >= {least}, got {value!r}")
        return least
    return value


def _config_start(problems: _Problems, value: Any) -> datetime:
    try:
        return _parse_instant(value)
    except ValueError:
        problems.add("config.start", f"'{value}' is not an ISO timestamp such as 2026-01-01T00:00:00Z")
        return datetime(2026, 1, 1, tzinfo=UTC)


def _scale_rows(tables: list[Table], rows: int | None) -> list[Table]:
    """--rows N: the largest table gets N rows, the others keep their proportion (at least 1)."""
    if rows is None or not tables:
        return tables
    largest = max(t.rows for t in tables) or 1
    scaled = [max(1, round(t.rows * rows / largest)) if t.rows else rows for t in tables]
    return [replace(t, rows=n) for t, n in zip(tables, scaled, strict=True)]


def _check_foreign_keys(problems: _Problems, tables: list[Table]) -> None:
    known = {t.name: t for t in tables}
    for table in tables:
        for column in table.columns:
            if not column.foreign_key:
                continue
            parent, target = column.foreign_key
            where = f"{column.where}.foreign_key"
            if parent not in known:
                guess = difflib.get_close_matches(parent, list(known), n=1)
                problems.add(where, f"no table '{parent}'" + (f" (did you mean '{guess[0]}'?)" if guess else ""))
            elif target not in [c.name for c in known[parent].columns]:
                problems.add(where, f"table '{parent}' has no column '{target}'")
            elif parent == table.name:
                problems.add(where, "a table cannot reference itself here; reference another table")


def table_order(tables: Sequence[Table]) -> list[Table]:
    """Parents before children (config order among equals); ConfigError names a cycle."""
    by_name = {t.name: t for t in tables}
    deps = {t.name: sorted({c.foreign_key[0] for c in t.columns if c.foreign_key} & set(by_name)) for t in tables}
    done: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = [*path[path.index(name) :], name]
            raise ConfigError(
                [f"foreign keys form a cycle: {' -> '.join(cycle)} (drop one of these foreign keys from the config)"]
            )
        state[name] = "open"
        for parent in deps[name]:
            visit(parent, [*path, name])
        state[name] = "done"
        done.append(name)

    for table in tables:
        visit(table.name, [])
    return [by_name[n] for n in done]


# ---------------------------------------------------------------- seeded random draws (vectorised)


def seed_for(*parts: Any) -> int:
    """A stable 63-bit seed from any parts (never Python's salted hash())."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def uniform(n: int, *parts: Any) -> pa.DoubleArray:
    return pc.random(n, initializer=seed_for(*parts))


def ints(n: int, low: int, high: int, *parts: Any) -> pa.Int64Array:
    """n integers in [low, high], each bound included."""
    scaled = pc.floor(pc.multiply(uniform(n, *parts), float(high - low + 1)))
    values = pc.add(pc.cast(scaled, pa.int64()), pa.scalar(low, pa.int64()))
    return pc.min_element_wise(values, pa.scalar(high, pa.int64()))


def sequence(n: int, start: int = 0) -> pa.Int64Array:
    ones = pa.repeat(pa.scalar(1, pa.int64()), n)
    return pc.add(pc.cumulative_sum(ones), pa.scalar(start - 1, pa.int64()))


def sample(pool: pa.Array, n: int, *parts: Any) -> pa.Array:
    if len(pool) == 0:
        return pa.nulls(n, pool.type)
    return pc.take(pool, ints(n, 0, len(pool) - 1, *parts))


def permutation(n: int, *parts: Any) -> pa.Array:
    return pc.sort_indices(uniform(n, *parts))


def spread_unique(n: int, low: int, high: int, *parts: Any) -> pa.Int64Array:
    """n distinct integers in [low, high] in random order: one draw in each of n disjoint slices."""
    width = high - low + 1
    if width < n:
        raise ValueError(f"unique: cannot draw {n} distinct values from a range of {width}; widen it or drop unique")
    step = width // n if n else 1  # whole slices: [low + i*step, low + (i+1)*step - 1] never overlap
    starts = pc.add(pc.multiply(sequence(n), pa.scalar(step, pa.int64())), pa.scalar(low, pa.int64()))
    return pc.take(pc.add(starts, ints(n, 0, step - 1, *parts, "jitter")), permutation(n, *parts, "order"))


def mask_at(n: int, rows: Sequence[int]) -> pa.BooleanArray:
    flags = bytearray(n)
    for row in rows:
        flags[row] = 1
    as_bytes = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(bytes(flags))])
    return pc.cast(as_bytes, pa.bool_())


# ---------------------------------------------------------------- regex -> values (vectorised)

TEXT_TYPES = ("string", "json")  # types whose bad values may be any text
PRINTABLE = [chr(c) for c in range(32, 127)]
CATEGORY_CHARS = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_NOT_DIGIT": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "CATEGORY_NOT_WORD": " -.,:;!?",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
}
ANY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
REGEX_UNSUPPORTED = {"ASSERT": "a lookaround", "ASSERT_NOT": "a lookaround", "GROUPREF": "a backreference"}
OPEN_REPEAT = 4  # `*`, `+` and `{m,}` add at most this many repetitions


def regex_program(pattern: str) -> list[Any]:
    """The parsed pattern, or ValueError naming what the generator cannot produce."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"'{pattern}' is not a regular expression: {exc}") from None
    _check_regex(list(parsed), pattern)
    return list(parsed)


def _check_regex(items: list[Any], pattern: str) -> None:
    supported = {"LITERAL", "NOT_LITERAL", "ANY", "IN", "BRANCH", "SUBPATTERN", "MAX_REPEAT", "MIN_REPEAT", "AT"}
    for op, arg in items:
        if str(op) not in supported and str(op) != "CATEGORY":
            what = REGEX_UNSUPPORTED.get(str(op), str(op).lower())
            raise ValueError(f"'{pattern}': {what} is not supported by the generator; simplify the pattern")
        if str(op) == "BRANCH":
            for alt in arg[1]:
                _check_regex(list(alt), pattern)
        elif str(op) == "SUBPATTERN":
            _check_regex(list(arg[3]), pattern)
        elif str(op) in ("MAX_REPEAT", "MIN_REPEAT"):
            _check_regex(list(arg[2]), pattern)


def _class_chars(items: list[Any]) -> str:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(chr(arg))
        elif name == "RANGE":
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif name == "CATEGORY":
            chars.update(CATEGORY_CHARS[str(arg)])
    if negate:
        chars = {c for c in PRINTABLE if c not in chars}
    return "".join(sorted(chars))


def _chars(chars: str, n: int, parts: tuple[Any, ...]) -> pa.Array:
    return sample(pa.array(list(chars), pa.string()), n, *parts)


def _regex_items(items: list[Any], n: int, parts: tuple[Any, ...]) -> list[pa.Array | str]:
    out: list[pa.Array | str] = []
    for i, (op, arg) in enumerate(items):
        out.append(_regex_item(str(op), arg, n, (*parts, i)))
    return out


def _regex_item(op: str, arg: Any, n: int, parts: tuple[Any, ...]) -> pa.Array | str:
    if op == "LITERAL":
        return chr(arg)
    if op == "AT":
        return ""
    if op == "NOT_LITERAL":
        return _chars("".join(c for c in ANY_CHARS if c != chr(arg)), n, parts)
    if op == "ANY":
        return _chars(ANY_CHARS, n, parts)
    if op == "IN":
        return _chars(_class_chars(list(arg)), n, parts)
    if op == "CATEGORY":
        return _chars(CATEGORY_CHARS[str(arg)], n, parts)
    if op == "SUBPATTERN":
        return _join(_regex_items(list(arg[3]), n, parts), n)
    if op == "BRANCH":
        alts = [_as_array(_join(_regex_items(list(alt), n, (*parts, k)), n), n) for k, alt in enumerate(arg[1])]
        return pc.choose(ints(n, 0, len(alts) - 1, *parts, "branch"), *alts)
    low, high, sub = arg
    high = low + OPEN_REPEAT if high == sre_parse.MAXREPEAT else high
    count = ints(n, low, high, *parts, "count") if high > low else None
    pieces: list[pa.Array | str] = []
    for k in range(high):
        piece = _join(_regex_items(list(sub), n, (*parts, "rep", k)), n)
        if k >= low and count is not None:
            piece = pc.if_else(pc.greater(count, k), _as_array(piece, n), "")
        pieces.append(piece)
    return _join(pieces, n)


def _as_array(value: pa.Array | str, n: int) -> pa.Array:
    return pa.repeat(value, n) if isinstance(value, str) else value


def _join(pieces: list[pa.Array | str], n: int) -> pa.Array | str:
    merged: list[pa.Array | str] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif not (isinstance(piece, str) and piece == ""):
            merged.append(piece)
    if not merged:
        return ""
    if len(merged) == 1:
        return merged[0]
    if all(isinstance(p, str) for p in merged):
        return "".join(str(p) for p in merged)
    return pc.binary_join_element_wise(*merged, "")


def regex_values(pattern: str, n: int, *parts: Any) -> pa.Array:
    """n strings that fully match `pattern` (common subset: classes, groups, |, quantifiers)."""
    return pc.cast(_as_array(_join(_regex_items(regex_program(pattern), n, parts), n), n), pa.string())


# ---------------------------------------------------------------- realistic values by column name

# column name (or its last `_word`) -> Faker provider; the `faker:` hint wins over this table
NAME_PROVIDERS = {
    "email": "email", "first_name": "first_name", "last_name": "last_name", "name": "name",
    "full_name": "name", "customer_name": "name", "city": "city", "country": "country",
    "country_code": "country_code", "state": "state", "zip": "postcode", "zipcode": "postcode",
    "postcode": "postcode", "postal_code": "postcode", "phone": "phone_number", "phone_number": "phone_number",
    "mobile": "phone_number", "address": "street_address", "street": "street_address",
    "street_address": "street_address", "company": "company", "company_name": "company", "url": "url",
    "website": "url", "username": "user_name", "user_name": "user_name", "job": "job", "title": "job",
    "description": "sentence", "comment": "sentence", "notes": "sentence", "currency": "currency_code",
    "ip": "ipv4", "ip_address": "ipv4", "color": "color_name", "iban": "iban", "ssn": "ssn",
    "user_agent": "user_agent", "language": "language_name", "domain": "domain_name", "product": "catch_phrase",
    "product_name": "catch_phrase", "category": "word", "page": "uri_path", "path": "uri_path",
}  # fmt: skip
# numeric column name (or its last `_word`) -> (low, high, decimals or None for whole numbers)
NAME_RANGES = {
    "amount": (1, 1000, 2), "price": (1, 500, 2), "total": (1, 2000, 2), "cost": (1, 500, 2),
    "revenue": (1, 5000, 2), "subtotal": (1, 1000, 2), "tax": (0, 100, 2), "fee": (0, 50, 2),
    "quantity": (1, 20, None), "qty": (1, 20, None), "age": (18, 90, None), "rating": (1, 5, None),
    "score": (0, 100, None), "percent": (0, 100, 2), "pct": (0, 100, 2), "discount": (0, 50, 2),
    "latitude": (-90, 90, 6), "lat": (-90, 90, 6), "longitude": (-180, 180, 6), "lon": (-180, 180, 6),
    "lng": (-180, 180, 6), "year": (1990, 2026, None), "duration": (1, 3600, None), "weight": (0, 100, 2),
}  # fmt: skip
STATUS_VALUES = ("active", "pending", "inactive")
DEFAULT_NUMBER = (0, 10_000, 2)
# a later timestamp column -> the earlier column it follows when both exist
ORDERED_AFTER = {
    "updated_at": "created_at", "modified_at": "created_at", "deleted_at": "updated_at",
    "shipped_at": "ordered_at", "delivered_at": "shipped_at", "ended_at": "started_at",
    "end_date": "start_date", "end_time": "start_time", "closed_at": "opened_at", "resolved_at": "created_at",
}  # fmt: skip


def by_name(table: dict[str, Any], name: str) -> Any:
    """Lookup by the full column name, then by its last `_word` (billing_city -> city)."""
    if name in table:
        return table[name]
    tail = name.rsplit("_", 1)[-1]
    return table.get(tail)


# ---------------------------------------------------------------- generation


@dataclass
class Violation:
    table: str
    row: int
    column: str
    rule: str
    value: Any = None
    key: dict[str, Any] = field(default_factory=dict)
    also_breaks: list[str] = field(default_factory=list)
    duplicate_of: int | None = None


@dataclass
class Dataset:
    config: Config
    tables: dict[str, pa.Table]
    violations: list[Violation]
    clean_rows: dict[str, pa.BooleanArray]


class _Context:
    """Faker pools (drawn once per provider and column, seeded) and the generated parents."""

    def __init__(self, config: Config) -> None:
        from faker import Faker

        self.config = config
        self.faker = Faker(config.locale)
        self.tables: dict[str, pa.Table] = {}
        self.clean: dict[str, pa.BooleanArray] = {}
        self._pools: dict[tuple[str, ...], pa.Array] = {}
        self._keys: dict[tuple[str, str], set[Any]] = {}
        self._kept: dict[str, pa.BooleanArray] = {}

    def key_set(self, table: str, column: str) -> set[Any]:
        """Every value of a generated parent column (for checking dangling references)."""
        if (table, column) not in self._keys:
            self._keys[(table, column)] = set(self.tables[table].column(column).to_pylist())
        return self._keys[(table, column)]

    def kept(self, name: str) -> pa.BooleanArray:
        """The clean rows of a generated parent that its extract's filter keeps (`keeps`): the rows
        the warehouse will hold. Every clean row when it has no filter, or when the filter keeps
        none (the children then name rows the warehouse lacks; validate warns, R480)."""
        if name not in self._kept:
            table = next(t for t in self.config.tables if t.name == name)
            clean = self.clean[name]
            if table.keeps:
                kept = pc.and_(clean, filter_mask(self.tables[name], table))
                clean = kept if pc.any(kept).as_py() else clean
            self._kept[name] = clean
        return self._kept[name]

    def provider(self, name: str) -> Callable[[], Any]:
        method = getattr(self.faker, name, None)
        if name.startswith("_") or not callable(method):
            raise ConfigError([f"faker: '{name}' is not a Faker provider of locale {self.config.locale}"])
        return method  # type: ignore[no-any-return]

    def pool(self, provider: str, *parts: str, size: int | None = None) -> pa.Array:
        key = (provider, *parts)
        if key not in self._pools:
            method = self.provider(provider)
            self.faker.seed_instance(seed_for(self.config.seed, "pool", provider, *parts))
            values = [method() for _ in range(size or self.config.pool_size)]
            values = [v.replace("\n", ", ") if isinstance(v, str) else v for v in values]
            if any(isinstance(v, list | tuple | dict | set) for v in values):  # words, pylist, ...: JSON text
                values = [json.dumps(sorted(v) if isinstance(v, set) else v, default=str) for v in values]
            self._pools[key] = pa.array(values)
        return self._pools[key]


def generate(config: Config) -> Dataset:
    """Every table in foreign-key order, with bad rows injected and recorded."""
    ctx = _Context(config)
    violations: list[Violation] = []
    for table in table_order(config.tables):
        arrow, bad = _generate_table(ctx, table)
        ctx.tables[table.name] = arrow
        ctx.clean[table.name] = pc.invert(mask_at(table.rows, sorted({v.row for v in bad})))
        violations.extend(bad)
    ordered = {t.name: ctx.tables[t.name] for t in config.tables}
    return Dataset(config, ordered, violations, ctx.clean)


def _column_order(table: Table) -> list[Column]:
    """Columns another column follows (created_at before updated_at) come first."""
    names = {c.name for c in table.columns}
    first = [c for c in table.columns if by_name(ORDERED_AFTER, c.name) not in names]
    rest = [c for c in table.columns if c not in first]
    while rest:
        ready = [c for c in rest if by_name(ORDERED_AFTER, c.name) in {f.name for f in first}]
        if not ready:
            first.extend(rest)
            break
        first.extend(ready)
        rest = [c for c in rest if c not in ready]
    return first


def _generate_table(ctx: _Context, table: Table) -> tuple[pa.Table, list[Violation]]:
    arrays: dict[str, pa.Array] = {}
    for column in _column_order(table):
        parts = (ctx.config.seed, table.name, column.name)
        values = _column_values(ctx, table, column, arrays, parts)
        arrays[column.name] = _add_noise(table, column, values, parts)
    _unique_key_tuples(ctx, table, arrays)
    violations = _inject_bad_rows(ctx, table, arrays)
    # no NOT NULL in the written schema: a source must be able to hold the bad rows
    schema = pa.schema([pa.field(c.name, c.type.arrow()) for c in table.columns])
    return pa.table([arrays[c.name] for c in table.columns], schema=schema), violations


def _column_values(
    ctx: _Context, table: Table, column: Column, arrays: dict[str, pa.Array], parts: tuple[Any, ...]
) -> pa.Array:
    n = table.rows
    try:
        if column.foreign_key:
            return _foreign_values(ctx, column, n, parts)
        if column.accepted:
            return _accepted_values(column, n, parts)
        if column.regex:
            return _regex_column(column, n, parts)
        if column.faker and column.type.name in TEXT_TYPES:
            return _faker_column(ctx, column, n, parts)
        # numbers, dates, times and uuids are made by type, within their range and the time
        # window, unique where asked: a Faker hint on them (random_int, pydecimal,
        # date_time_this_year) would ignore the spec's range, scale and uniqueness
        return _typed_values(ctx, table, column, arrays, n, parts)
    except ValueError as exc:
        raise ConfigError([f"{table.name}.{column.name}: {exc}"]) from None


def _foreign_values(ctx: _Context, column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    assert column.foreign_key
    parent, target = column.foreign_key
    keys = pc.filter(ctx.tables[parent].column(target).combine_chunks(), ctx.kept(parent))
    keys = _own_rules(column, pc.drop_null(keys))
    if len(keys) == 0 and n:
        raise ValueError(
            f"parent table {parent} has no clean rows to reference"
            + ("; none of its keys meets this column's own range/accepted values" if _has_bounds(column) else "")
        )
    if column.unique:
        if len(keys) < n:
            raise ValueError(f"unique foreign key needs {n} parent keys, {parent} has {len(keys)} clean rows")
        values = pc.take(keys, pc.take(permutation(len(keys), *parts), sequence(n)))
    elif column.covers:
        values = _covering(keys, n, parent, parts)
    else:
        values = sample(keys, n, *parts)
    return pc.cast(values, column.type.arrow())


def _has_bounds(column: Column) -> bool:
    return column.min is not None or column.max is not None or bool(column.accepted)


def _own_rules(column: Column, keys: pa.Array) -> pa.Array:
    """The parent keys this column's own rules allow (a foreign key with a range or accepted values
    references only parent keys inside them, so the clean rows break neither rule)."""
    if column.min is not None:
        keys = pc.filter(keys, pc.greater_equal(keys, column.min))
    if column.max is not None:
        keys = pc.filter(keys, pc.less_equal(keys, column.max))
    if column.accepted:
        keys = pc.filter(keys, pc.is_in(keys, value_set=pa.array(list(column.accepted)).cast(keys.type)))
    return keys


def _covering(keys: pa.Array, n: int, parent: str, parts: tuple[Any, ...]) -> pa.Array:
    """Every parent key once, then random parent keys for the remaining rows, in random order."""
    if n < len(keys):
        raise ValueError(f"covers: every key of {parent} needs a row here: {len(keys)} rows at least, got {n}")
    every = pc.take(keys, permutation(len(keys), *parts, "cover"))
    values = pa.concat_arrays([every, sample(keys, n - len(keys), *parts)])
    return pc.take(values, permutation(n, *parts, "cover-order"))


def _accepted_values(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    if column.type.name == "decimal":  # int -> small decimal casts need precision 19 in Arrow: go by text
        pool = pa.array([_number_as(column.type, Decimal(str(v))) for v in column.accepted], column.type.arrow())
    else:
        pool = pa.array(list(column.accepted)).cast(column.type.arrow())
    if column.unique:
        if len(pool) < n:
            raise ValueError(f"unique with {len(pool)} accepted values cannot fill {n} rows")
        return pc.take(pool, pc.take(permutation(len(pool), *parts), sequence(n)))
    return sample(pool, n, *parts)


def _regex_column(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    assert column.regex
    values = regex_values(column.regex, n, *parts)
    if column.unique:
        values = _redraw_duplicates(values, lambda k, r: regex_values(str(column.regex), k, *parts, "redraw", r))
    return values.cast(column.type.arrow())


def _redraw_duplicates(values: pa.Array, draw: Callable[[int, int], pa.Array], rounds: int = 30) -> pa.Array:
    current = values.to_pylist()
    for attempt in range(rounds):
        seen: set[Any] = set()
        dups = []
        for i, value in enumerate(current):
            if value in seen:
                dups.append(i)
            seen.add(value)
        if not dups:
            return pa.array(current, values.type)
        for i, value in zip(dups, draw(len(dups), attempt).to_pylist(), strict=True):
            current[i] = value
    raise ValueError(f"cannot make {len(current)} unique values from its pattern; widen the pattern or drop unique")


def _faker_column(ctx: _Context, column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    assert column.faker
    pool = ctx.pool(column.faker, *map(str, parts[1:]))
    if column.unique:
        return _unique_strings(pool, n, parts, column)
    values = _to_type(sample(pool, n, *parts), column)
    return pc.utf8_slice_codeunits(values, 0, column.type.length) if column.type.length else values


def _to_type(values: pa.Array, column: Column) -> pa.Array:
    target = column.type.arrow()
    if values.type == target:
        return values
    try:
        return values.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pc.cast(values.cast(pa.string()), target)


def _unique_strings(pool: pa.Array, n: int, parts: tuple[Any, ...], column: Column) -> pa.Array:
    """Pool values made distinct with the row number (jane@x.org -> jane17@x.org), within varchar(n)."""
    drawn = sample(pool.cast(pa.string()), n, *parts)
    suffix = pc.cast(sequence(n, 1), pa.string())
    room = None if column.type.length is None else column.type.length - len(str(n)) - 1
    if room is not None and room < 1:
        return _to_type(_codes("", n, column.type.length), column)
    if column.faker == "email" or (column.faker is None and by_name(NAME_PROVIDERS, column.name) == "email"):
        split = pc.split_pattern(drawn, "@", max_splits=1)
        head, tail = pc.list_element(split, 0), pc.list_element(split, 1)
        if room is not None:
            head = pc.utf8_slice_codeunits(head, 0, max(1, room - pc.max(pc.utf8_length(tail)).as_py()))
        return pc.binary_join_element_wise(head, suffix, "@", tail, "")
    if room is not None:
        drawn = pc.utf8_slice_codeunits(drawn, 0, room)
    return _to_type(pc.binary_join_element_wise(drawn, suffix, "-"), column)


def _codes(prefix: str, n: int, length: int | None) -> pa.Array:
    """ORD-0000001, ORD-0000002, ...: distinct codes that fit varchar(length)."""
    digits = len(str(n))
    if length is not None and len(prefix) + 1 + digits > length:
        prefix = ""
    width = max(digits, min(7, (length or 99) - len(prefix) - (1 if prefix else 0)))
    numbers = pc.utf8_lpad(pc.cast(sequence(n, 1), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, numbers, "-") if prefix else numbers


def _typed_values(
    ctx: _Context, table: Table, column: Column, arrays: dict[str, pa.Array], n: int, parts: tuple[Any, ...]
) -> pa.Array:
    builders: dict[str, Callable[[], pa.Array]] = {
        "string": lambda: _string_values(ctx, table, column, n, parts),
        "boolean": lambda: _boolean_values(column, n, parts),
        "date": lambda: _temporal_values(ctx, table, column, arrays, n, parts),
        "timestamp": lambda: _temporal_values(ctx, table, column, arrays, n, parts),
        "timestamp_tz": lambda: _temporal_values(ctx, table, column, arrays, n, parts),
        "time": lambda: pc.multiply(_draw(column, n, 0, 86_399, parts), 1_000_000).view(pa.time64("us")),
        "uuid": lambda: _uuid_values(column, n, parts),
        "json": lambda: _json_values(column, n, parts),
        "binary": lambda: _binary_values(column, n, parts),
    }
    builder = builders.get(column.type.name)
    return builder() if builder else _number_values(table, column, n, parts)


def _string_values(ctx: _Context, table: Table, column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    provider = by_name(NAME_PROVIDERS, column.name)
    if provider is not None and not is_provider(ctx.config.locale, provider):
        provider = None  # this locale lacks it (ja_JP has no `state`)
    if provider is None and (column.unique or column.name in table.primary_key):
        return _codes(re.sub(r"[^A-Z]", "", table.name.upper())[:3] or "ID", n, column.type.length)
    if provider is None and by_name({"status": 1, "state": 1}, column.name):
        return sample(pa.array(STATUS_VALUES), n, *parts)
    pool = ctx.pool(provider or "word", *map(str, parts[1:]))
    values = _unique_strings(pool, n, parts, column) if column.unique else sample(pool, n, *parts)
    values = values.cast(pa.string())
    return pc.utf8_slice_codeunits(values, 0, column.type.length) if column.type.length else values


def _uuid_values(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    pattern = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    values = regex_values(pattern, n, *parts)
    if column.unique:
        values = _redraw_duplicates(values, lambda k, r: regex_values(pattern, k, *parts, "redraw", r))
    return values


def _draw(column: Column, n: int, low: int, high: int, parts: tuple[Any, ...]) -> pa.Array:
    """Integers in [low, high]; distinct ones for a unique column."""
    return spread_unique(n, low, high, *parts) if column.unique else ints(n, low, high, *parts)


def _boolean_values(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    if column.unique and n > 2:
        raise ValueError(f"a unique boolean column holds at most 2 rows, not {n}; drop unique")
    if column.holds:
        return pa.array([True] * n, pa.bool_())
    return pc.equal(_draw(column, n, 0, 1, parts), 1)


def _binary_values(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    values = regex_values("[0-9a-f]{16}", n, *parts)
    if column.unique:
        values = _redraw_duplicates(values, lambda k, r: regex_values("[0-9a-f]{16}", k, *parts, "redraw", r))
    return values.cast(pa.binary())


def _json_values(column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    if column.shape:
        return _as_array(_shaped_json(column.shape, n, parts), n)
    ids = pc.cast(sequence(n, 1) if column.unique else ints(n, 1, 1000, *parts, "id"), pa.string())
    flag = pc.if_else(pc.less(uniform(n, *parts, "flag"), 0.5), "true", "false")
    tag = sample(pa.array(["a", "b", "c"]), n, *parts, "tag")
    return pc.binary_join_element_wise('{"id": ', ids, ', "flag": ', flag, ', "tag": "', tag, '"}', "")


def _type_args(text: str) -> tuple[str, list[str]]:
    """'struct<a: int, b: array<string>>' -> ('struct', ['a: int', 'b: array<string>'])."""
    text = text.strip()
    if "<" not in text or not text.endswith(">"):
        return text.split("(")[0].strip().lower(), []
    name, inner = text[: text.index("<")].strip().lower(), text[text.index("<") + 1 : -1]
    args, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    return name, [*args, inner[start:].strip()]


def _shaped_json(shape: str, n: int, parts: tuple[Any, ...]) -> pa.Array | str:
    """JSON text of the nested type `shape` (array<T>: two elements, map<K, V>: two entries,
    struct<...>: every field), built column-wise, so staging can cast it to the nested type."""
    name, args = _type_args(shape)
    if name in ("array", "list"):
        items = [_shaped_json(args[0], n, (*parts, "item", i)) for i in range(2)]
        return _join(["[", items[0], ", ", items[1], "]"], n)
    if name == "map":
        values = [_shaped_json(args[1], n, (*parts, "value", i)) for i in range(2)]
        return _join(['{"k1": ', values[0], ', "k2": ', values[1], "}"], n)
    if name in ("struct", "row"):
        pieces: list[pa.Array | str] = ["{"]
        for i, arg in enumerate(args):
            field_name, field_type = (part.strip() for part in arg.split(":", 1))
            value = _shaped_json(field_type, n, (*parts, field_name))
            pieces += [", " if i else "", json.dumps(field_name) + ": ", value]
        return _join([*pieces, "}"], n)
    canonical = TYPE_ALIASES.get(name, name)
    if canonical in ("int", "bigint", "smallint"):
        return pc.cast(ints(n, 1, 100, *parts), pa.string())
    if canonical in ("float", "double", "decimal"):
        return pc.cast(pc.round(pc.multiply(uniform(n, *parts), 100.0), 2), pa.string())
    if canonical == "boolean":
        return pc.if_else(pc.less(uniform(n, *parts), 0.5), "true", "false")
    if canonical in ("date", "timestamp", "timestamp_tz"):
        return '"2026-01-01"' if canonical == "date" else '"2026-01-01T00:00:00"'
    return _join(['"', sample(pa.array(["alpha", "beta", "gamma"]), n, *parts), '"'], n)


def _number_bounds(column: Column) -> tuple[float, float, int | None]:
    """The configured range, else one by column name (amount 1..1000), clipped to what the type holds."""
    low, high, decimals = by_name(NAME_RANGES, column.name) or DEFAULT_NUMBER
    width = high - low
    if column.min is not None:
        low, high = column.min, column.max if column.max is not None else max(high, column.min + width)
    elif column.max is not None:
        low, high = (low if low <= column.max else column.max - width), column.max
    if column.type.name == "decimal":
        decimals = column.type.scale
        limit = 10 ** (column.type.precision - column.type.scale) - 1
        low, high = max(low, -limit), min(high, limit)
    if column.type.name in INT_BOUNDS:
        lo_t, hi_t = INT_BOUNDS[column.type.name]
        return max(math.ceil(low), lo_t), min(math.floor(high), hi_t), None
    return low, high, decimals


def _number_values(table: Table, column: Column, n: int, parts: tuple[Any, ...]) -> pa.Array:
    low, high, decimals = _number_bounds(column)
    if column.type.name in INT_ARROW:
        return _int_values(table, column, n, int(low), int(high), parts).cast(column.type.arrow())
    scale = 10 ** (decimals if decimals is not None else 6)
    lo_units, hi_units = math.ceil(low * scale), math.floor(high * scale)
    if column.unique and column.max is None:  # room for n distinct values above the usual range
        top = _type_limits(column.type)[1]
        wanted = lo_units + 2 * n
        hi_units = max(hi_units, wanted if math.isinf(top) else min(wanted, math.floor(top * scale)))
    units = spread_unique(n, lo_units, hi_units, *parts) if column.unique else ints(n, lo_units, hi_units, *parts)
    if column.type.name == "decimal":
        return pc.cast(units, pa.decimal128(38, 0)).view(pa.decimal128(38, column.type.scale)).cast(column.type.arrow())
    return pc.divide(pc.cast(units, pa.float64()), float(scale)).cast(column.type.arrow())


def _int_values(table: Table, column: Column, n: int, low: int, high: int, parts: tuple[Any, ...]) -> pa.Array:
    """Keys count up from range.min (or 1); other unique ints are spread over the range."""
    if not column.unique:
        return ints(n, low, high, *parts)
    start = int(column.min) if column.min is not None else 1
    if column.max is None:
        high = max(high, start + 2 * n)
    if table.primary_key == (column.name,):
        if start + n - 1 > high:
            raise ValueError(f"a key of {n} rows does not fit in range {start}..{high}")
        return sequence(n, start)
    return spread_unique(n, start if column.min is not None else low, high, *parts)


def _temporal_values(
    ctx: _Context, table: Table, column: Column, arrays: dict[str, pa.Array], n: int, parts: tuple[Any, ...]
) -> pa.Array:
    # values are drawn in whole seconds (milliseconds for timestamp(3)), then scaled to the unit
    unit = "s" if column.type.name == "date" else column.type.unit
    ticks = 1_000 if unit == "ms" else 1
    lo, hi = _temporal_bounds(ctx.config, column, ticks)
    earlier = by_name(ORDERED_AFTER, column.name)
    if column.unique and column.max is None:  # room for n distinct values past the window if need be
        hi = max(hi, lo + n * (86_400 if column.type.name == "date" else 1) * ticks)
    if earlier in arrays and earlier != column.name and _is_temporal(arrays[earlier].type) and not column.unique:
        base = pc.max_element_wise(pc.fill_null(_as_ticks(arrays[earlier], ticks), lo), pa.scalar(lo, pa.int64()))
        span = pc.max_element_wise(pc.subtract(pa.scalar(hi, pa.int64()), base), 0)
        offset = pc.cast(pc.floor(pc.multiply(uniform(n, *parts), pc.cast(span, pa.float64()))), pa.int64())
        values = pc.add(base, offset)
    elif column.unique and column.type.name == "date":  # distinct days, not distinct seconds
        days = spread_unique(n, -(-lo // 86_400), hi // 86_400, *parts)
        values = pc.multiply(days, 86_400)
    elif column.unique:
        values = spread_unique(n, lo, hi, *parts)
    else:
        values = _with_gaps(table, ints(n, lo, hi, *parts), lo, hi, parts)
    return _from_ticks(values, column.type, ticks, TICKS[unit])


def _is_temporal(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(dtype) or pa.types.is_date32(dtype))


def _temporal_bounds(config: Config, column: Column, ticks: int) -> tuple[int, int]:
    start = int((config.start - EPOCH).total_seconds())
    lo, hi = start * ticks, int(start + config.window_days * 86_400) * ticks - 1
    if column.min is not None:
        lo = _instant_ticks(column.min, ticks)
        hi = max(hi, lo)
    if column.max is not None:
        hi = _instant_ticks(column.max, ticks) + (86_400 * ticks - 1 if column.type.name == "date" else 0)
        lo = min(lo, hi)
    if column.recent is not None and column.min is None:  # the window's last `recent` seconds (dates: a day)
        lo = max(lo, hi + 1 - max(int(column.recent), 86_400 if column.type.name == "date" else 1) * ticks)
    return lo, hi


def _instant_ticks(value: date | datetime, ticks: int) -> int:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int((value - EPOCH).total_seconds()) * ticks


def _as_ticks(values: pa.Array, ticks: int) -> pa.Array:
    """An earlier date/timestamp column in `ticks` per second (rounded up, so order holds)."""
    if pa.types.is_date32(values.type):
        return pc.multiply(values.view(pa.int32()).cast(pa.int64()), 86_400 * ticks)
    source = TICKS[values.type.unit]
    raw = values.view(pa.int64())
    if source == ticks:
        return raw
    if source < ticks:
        return pc.multiply(raw, ticks // source)
    return pc.cast(pc.ceil(pc.divide(pc.cast(raw, pa.float64()), source // ticks)), pa.int64())


def _from_ticks(values: pa.Array, ctype: ColType, ticks: int, unit_ticks: int) -> pa.Array:
    if ctype.name == "date":
        return pc.divide(values, 86_400 * ticks).cast(pa.int32()).view(pa.date32())
    return pc.multiply(values, unit_ticks // ticks).view(ctype.arrow())


def _with_gaps(table: Table, values: pa.Array, lo: int, hi: int, parts: tuple[Any, ...]) -> pa.Array:
    """inject.gaps: that fraction of 100 equal slices of the window gets no rows at all."""
    if table.gaps <= 0 or hi <= lo:
        return values
    slices = 100
    closed = set(permutation(slices, *parts, "gaps").to_pylist()[: min(slices - 1, round(table.gaps * slices))])
    open_slices = [s for s in range(slices) if s not in closed]
    width = (hi - lo + 1) / slices
    where = pc.cast(pc.floor(pc.divide(pc.cast(pc.subtract(values, lo), pa.float64()), width)), pa.int64())
    target = pc.take(pa.array([open_slices[s % len(open_slices)] if s in closed else s for s in range(slices)]), where)
    shift = pc.cast(pc.floor(pc.multiply(pc.cast(pc.subtract(target, where), pa.float64()), width)), pa.int64())
    moved = pc.add(values, shift)
    return pc.min_element_wise(pc.max_element_wise(moved, lo), hi)


def _add_noise(table: Table, column: Column, values: pa.Array, parts: tuple[Any, ...]) -> pa.Array:
    """inject.outliers and inject.nulls: odd but legal values."""
    n = table.rows
    can_outlie = column.type.name in INT_ARROW or column.type.name in FLOAT_ARROW
    plain = not (column.has_rule("range") or column.unique or column.foreign_key or column.accepted)
    if table.outliers > 0 and can_outlie and plain and n:
        hit = pc.less(uniform(n, *parts, "outliers"), table.outliers)
        big = pc.multiply_checked(values.cast(pa.float64()), 100.0)
        hi_t = INT_BOUNDS.get(column.type.name, (0, 1e300))[1]
        big = pc.min_element_wise(big, float(hi_t)).cast(values.type, safe=False)
        values = pc.if_else(hit, big, values)
    if table.nulls > 0 and not column.not_null and not column.unique and n:
        values = pc.if_else(pc.less(uniform(n, *parts, "nulls"), table.nulls), pa.scalar(None, values.type), values)
    return values


def _unique_key_tuples(ctx: _Context, table: Table, arrays: dict[str, pa.Array]) -> None:
    """A composite key: the last key column becomes a 1-based ordinal within the others (line_no)."""
    if len(table.primary_key) < 2 or not table.rows:
        return
    last = table.column(table.primary_key[-1])
    if last.type.name in INT_ARROW and not last.foreign_key:
        others = list(zip(*(arrays[k].to_pylist() for k in table.primary_key[:-1]), strict=True))
        counts: Counter[tuple[Any, ...]] = Counter()
        ordinals = []
        for group in others:
            counts[group] += 1
            ordinals.append(counts[group])
        arrays[last.name] = pa.array(ordinals, pa.int64()).cast(last.type.arrow())
        return
    # no ordinal to count (link tables: two foreign keys): redraw every key column where a key repeats
    columns = {k: arrays[k].to_pylist() for k in table.primary_key}
    for attempt in range(50):
        seen: set[tuple[Any, ...]] = set()
        repeats = []
        for i, key in enumerate(zip(*columns.values(), strict=True)):
            if key in seen:
                repeats.append(i)
            seen.add(key)
        if not repeats:
            for name, values in columns.items():
                arrays[name] = pa.array(values, table.column(name).type.arrow())
            return
        subset = replace(table, rows=len(repeats))
        for name in table.primary_key:
            parts = (ctx.config.seed, table.name, name, "redraw", attempt)
            fresh = _column_values(ctx, subset, table.column(name), {}, parts).to_pylist()
            for i, value in zip(repeats, fresh, strict=True):
                columns[name][i] = value
    raise ConfigError([f"{table.name}: cannot make {table.rows} distinct primary keys {tuple(table.primary_key)}"])


# ---------------------------------------------------------------- bad rows


def _violable(ctx: _Context, table: Table, column: Column) -> list[str]:
    """The column's rules a bad row can break: its strategy finds a value the type can hold."""
    if column.name in table.intact:
        return []
    return [r for r in table.bad_rules if column.has_rule(r) and BREAKABLE[KINDS[r][1]](ctx, table, column)]


def _can_dangle(ctx: _Context, column: Column, rows: int) -> bool:
    if not column.foreign_key:
        return True
    parent, target = column.foreign_key
    return _dangling(ctx.tables[parent].column(target), column, rows) is not None


def _regex_miss(pattern: str, row: int) -> str | None:
    """A value that `pattern` finds nowhere in (so it fails both search and full-match tests)."""
    letters = "".join(chr(ord("g") + int(d)) for d in str(row))
    for candidate in ("~", f"~bad~{letters}~", "~~~", " ", "!", "#", "", f"{row}"):
        if re.search(pattern, candidate) is None:
            return candidate
    return None


def _inject_bad_rows(ctx: _Context, table: Table, arrays: dict[str, pa.Array]) -> list[Violation]:
    n = table.rows
    count = min(n, round(n * table.bad_row_rate))
    rng = random.Random(seed_for(ctx.config.seed, table.name, "bad"))
    rows = sorted(rng.sample(range(n), count))
    bad = set(rows)
    # a duplicate copies the value of a clean row, so unique needs one
    clean_pool = [r for r in rng.sample(range(n), min(n, count * 2 + 1)) if r not in bad]
    targets = [(c, r) for c in table.columns for r in _violable(ctx, table, c)
               if KINDS[r][1] != "duplicate" or clean_pool]  # fmt: skip
    if not count or not targets:
        return []
    plan: dict[str, list[tuple[int, str, Any, int | None]]] = {}
    for i, row in enumerate(rows):
        column, rule = targets[rng.randrange(len(targets))]
        source = clean_pool[i % len(clean_pool)] if clean_pool else None
        value, dup = _bad_value(ctx, column, rule, row, arrays[column.name], source)
        plan.setdefault(column.name, []).append((row, rule, value, dup))
    for name, items in plan.items():
        column = table.column(name)
        replacements = pa.array([v for _, _, v, _ in items], type=column.type.arrow())
        arrays[name] = pc.replace_with_mask(arrays[name], mask_at(n, [r for r, *_ in items]), replacements)
    return _record(ctx, table, arrays, plan)


def _bad_value(
    ctx: _Context, column: Column, rule: str, row: int, values: pa.Array, source: int | None
) -> tuple[Any, int | None]:
    """A value breaking `rule` in `row` (by its kind's strategy), and the clean row a duplicate copies."""
    return BAD_VALUES[KINDS[rule][1]](ctx, column, row, values, source)


def _dangling_value(ctx: _Context, column: Column, row: int) -> Any:
    parent, target = column.foreign_key or ("", "")
    return _dangling(ctx.tables[parent].column(target), column, row)


def _out_of_range(column: Column, row: int) -> Any:
    """Just past max (or below min) by 1..7 units, days for dates; None if the type cannot hold one."""
    step = 1 + row % 7
    if column.type.temporal:
        delta = timedelta(days=step)
        return column.max + delta if column.max is not None else column.min - delta
    low, high = _type_limits(column.type)
    above = [column.max + k for k in (step, 1)] if column.max is not None else []
    below = [column.min - k for k in (step, 1)] if column.min is not None else []
    for value in (*above, *below):
        if low <= value <= high:
            return _number_as(column.type, value)
    return None


def _type_limits(ctype: ColType) -> tuple[float, float]:
    if ctype.name in INT_BOUNDS:
        return INT_BOUNDS[ctype.name]
    if ctype.name == "decimal":
        top = 10 ** (ctype.precision - ctype.scale) - 10**-ctype.scale
        return -top, top
    return -math.inf, math.inf


def _number_as(ctype: ColType, value: float | Decimal) -> Any:
    if ctype.name in INT_BOUNDS:
        return math.floor(value) if value > 0 else math.ceil(value)
    if ctype.name == "decimal":
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-ctype.scale))
    return float(value)


def _outside_values(column: Column, row: int) -> Any:
    """A value outside accepted_values that the column's type can hold; None if there is none."""
    if column.type.numeric:
        numbers = [float(v) for v in column.accepted if _is_number(v)]
        value = _number_as(column.type, (max(numbers) if numbers else 0) + 1 + row % 7)
        low, high = _type_limits(column.type)
        return value if low <= value <= high else None
    if column.type.name == "boolean":
        return next((v for v in (True, False) if v not in column.accepted), None)
    return f"__invalid_{row}__" if column.type.name in TEXT_TYPES else None


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _dangling(parent_keys: pa.ChunkedArray, column: Column, row: int) -> Any:
    """A key the parent does not have, of the child's type; None for types without one."""
    if column.type.name in INT_ARROW or column.type.name == "decimal":
        top = pc.max(parent_keys).as_py() or 0
        value = int(top) + 1 + row
        return value if value <= _type_limits(column.type)[1] else None
    if column.type.name == "uuid":
        return f"00000000-0000-4000-8000-{row:012d}"
    return f"__missing_{row}__" if column.type.name in TEXT_TYPES else None


def _record(
    ctx: _Context, table: Table, arrays: dict[str, pa.Array], plan: dict[str, list[tuple[int, str, Any, int | None]]]
) -> list[Violation]:
    out = []
    for name, items in plan.items():
        column = table.column(name)
        final = arrays[name]
        counts = _value_counts(final, [v for _, _, v, _ in items]) if column.unique else Counter()
        for row, rule, _value, dup in items:
            value = final[row].as_py()
            broken = _broken_rules(ctx, column, value, counts)
            if rule not in broken:
                raise AssertionError(f"{table.name}.{name} row {row}: injected {rule} but value {value!r} keeps it")
            key = {k: _jsonable(arrays[k][row].as_py()) for k in table.primary_key}
            also = [r for r in broken if r != rule]
            out.append(Violation(table.name, row, name, rule, _jsonable(value), key, also, dup))
    return sorted(out, key=lambda v: (v.row, v.column))


def _value_counts(values: pa.Array, wanted: list[Any]) -> Counter[Any]:
    """How often each wanted value occurs in `values` (vectorised: no full pass in Python)."""
    present = [v for v in wanted if v is not None]
    if not present:
        return Counter()
    hits = pc.filter(values, pc.is_in(values, value_set=pa.array(present, values.type)))
    return Counter({row["values"]: row["counts"] for row in pc.value_counts(hits).to_pylist()})


def _broken_rules(ctx: _Context, column: Column, value: Any, counts: Counter[Any]) -> list[str]:
    """The column's rules `value` breaks, in the kinds' order (a null breaks only not-null rules)."""
    if value is None:
        return [r for r in RULES if column.has_rule(r) and KINDS[r][1] == "null"]
    return [r for r in RULES if column.has_rule(r) and BREAKS[KINDS[r][1]](ctx, column, value, counts)]


def _outside_range(column: Column, value: Any) -> bool:
    comparable = _comparable(column, value)
    return (column.min is not None and comparable < column.min) or (column.max is not None and comparable > column.max)


def breaks(column: Column, rule: str, value: Any) -> bool:
    """Whether one value breaks the column's `rule` (a kind whose strategy one value decides: null,
    out_of_range, outside_values, regex_miss); a null breaks only not-null rules."""
    strategy = KINDS[rule][1]
    if strategy not in PER_VALUE:
        raise ValueError(f"rule {rule!r} ({strategy}) is not decided by one value (one of: {', '.join(PER_VALUE)})")
    return strategy == "null" if value is None else BREAKS[strategy](None, column, value, Counter())  # type: ignore[arg-type]


def _missing_parent(ctx: _Context, column: Column, value: Any) -> bool:
    parent, target = column.foreign_key or ("", "")
    return bool(column.foreign_key) and value not in ctx.key_set(parent, target)


# The bad-value strategies rules.json names (STRATEGY_NAMES), as data: whether a bad row can break
# the column's rule this way, the value it writes (and the clean row a duplicate copies), and
# whether a non-null value breaks the rule (what the manifest's `also_breaks` lists).
BREAKABLE: dict[str, Callable[[_Context, Table, Column], bool]] = {
    "null": lambda ctx, table, column: True,
    "duplicate": lambda ctx, table, column: not (len(table.primary_key) > 1 and column.name in table.primary_key),
    "out_of_range": lambda ctx, table, column: _out_of_range(column, 0) is not None,
    "outside_values": lambda ctx, table, column: _outside_values(column, 0) is not None,
    "regex_miss": lambda ctx, table, column: (
        _regex_miss(str(column.regex), 0) is not None and column.type.name in TEXT_TYPES
    ),
    "dangling": lambda ctx, table, column: _can_dangle(ctx, column, table.rows),
}
PER_VALUE = ("null", "out_of_range", "outside_values", "regex_miss")  # strategies one value decides (BREAKS)
BAD_VALUES: dict[str, Callable[[_Context, Column, int, pa.Array, int | None], tuple[Any, int | None]]] = {
    "null": lambda ctx, column, row, values, source: (None, None),
    "duplicate": lambda ctx, column, row, values, source: (values[source].as_py(), source),
    "out_of_range": lambda ctx, column, row, values, source: (_out_of_range(column, row), None),
    "outside_values": lambda ctx, column, row, values, source: (_outside_values(column, row), None),
    "regex_miss": lambda ctx, column, row, values, source: (_regex_miss(str(column.regex), row), None),
    "dangling": lambda ctx, column, row, values, source: (_dangling_value(ctx, column, row), None),
}
BREAKS: dict[str, Callable[[_Context, Column, Any, Counter[Any]], bool]] = {
    "null": lambda ctx, column, value, counts: False,
    "duplicate": lambda ctx, column, value, counts: counts[value] > 1,
    "out_of_range": lambda ctx, column, value, counts: _outside_range(column, value),
    "outside_values": lambda ctx, column, value, counts: value not in column.accepted,
    "regex_miss": lambda ctx, column, value, counts: re.search(str(column.regex), str(value)) is None,
    "dangling": lambda ctx, column, value, counts: _missing_parent(ctx, column, value),
}


def _comparable(column: Column, value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | time):
        # the same text the CSV/JSONL/SQLite writers use: 2026-01-01 10:00:00[.123][+00:00]
        spec = "seconds" if not value.microsecond else "milliseconds" if not value.microsecond % 1000 else "auto"
        return value.isoformat(sep=" ", timespec=spec) if isinstance(value, datetime) else value.isoformat(spec)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def manifest(dataset: Dataset) -> dict[str, Any]:
    tables = {}
    for name, arrow in dataset.tables.items():
        bad = len({v.row for v in dataset.violations if v.table == name})
        tables[name] = {"rows": arrow.num_rows, "bad_rows": bad}
    return {
        "seed": dataset.config.seed,
        "tables": tables,
        "violations": [asdict(v) for v in dataset.violations],
    }


def manifest_text(data: dict[str, Any]) -> str:
    """JSON with one violation a line: readable, diffable, and written by the C encoder."""
    head = {k: v for k, v in data.items() if k != "violations"}
    lines = [json.dumps(v, sort_keys=True) for v in data["violations"]]
    body = ",\n  ".join(lines)
    return json.dumps(head, sort_keys=True)[:-1] + ',\n "violations": [\n  ' + body + "\n ]\n}\n"


# ---------------------------------------------------------------- writers


def _text_column(values: pa.ChunkedArray | pa.Array, ctype: ColType) -> pa.Array:
    """A column as it reads in text formats and SQLite: ISO times, decimal text, hex bytes."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if ctype.name in ("timestamp", "timestamp_tz", "date", "time", "decimal"):
        text = pc.cast(_whole_seconds(values, ctype), pa.string())
        return pc.replace_substring_regex(text, r"Z$", "+00:00") if ctype.name == "timestamp_tz" else text
    if ctype.name == "binary":
        return pa.array([v.hex() if v is not None else None for v in values.to_pylist()], pa.string())
    return values


def _whole_seconds(values: pa.Array, ctype: ColType) -> pa.Array:
    """Seconds-resolution times print without a fraction (2026-01-01 10:00:00, not ...00.000000)."""
    if ctype.name == "time":
        return values.cast(pa.time32("s"), safe=False)
    if ctype.name in ("timestamp", "timestamp_tz") and ctype.unit in ("us", "ns"):
        return values.cast(pa.timestamp("s", tz=values.type.tz), safe=False)
    return values


def _text_table(arrow: pa.Table, table: Table, *, keep_bytes: bool = False) -> pa.Table:
    """Text for CSV and SQLite; SQLite keeps binary columns as bytes (BLOB)."""
    return pa.table(
        {
            c.name: arrow.column(c.name)
            if keep_bytes and c.type.name == "binary"
            else _text_column(arrow.column(c.name), c.type)
            for c in table.columns
        }
    )


def write_csv(arrow: pa.Table, table: Table, path: Path) -> None:
    from pyarrow import csv

    csv.write_csv(_text_table(arrow, table), path)


def write_parquet(arrow: pa.Table, table: Table, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(arrow, path, compression="zstd")


JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _json_value(values: pa.Array, ctype: ColType) -> pa.Array:
    """Every row's value as JSON text, built column-wise (no per-row json.dumps)."""
    text = _text_column(values, ctype)
    if ctype.name == "boolean":
        text = pc.if_else(text, "true", "false")
    elif ctype.name == "json" or ctype.numeric:
        text = pc.cast(text, pa.string())
    else:
        if pc.any(pc.match_substring_regex(text, '[\\\\"\\n\\r\\t]')).as_py():
            for raw, escaped in JSON_ESCAPES:
                text = pc.replace_substring(text, raw, escaped)
        text = pc.binary_join_element_wise('"', text, '"', "")
    return pc.fill_null(text, "null")


def _string_bytes(values: pa.Array) -> bytes:
    """The concatenated UTF-8 of a null-free string array, straight from its data buffer."""
    offsets = memoryview(values.buffers()[1]).cast("i")
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    data: bytes = values.buffers()[2].to_pybytes()
    return data[start:end]


def write_jsonl(arrow: pa.Table, table: Table, path: Path, chunk: int = 200_000) -> None:
    with path.open("wb") as out:
        for offset in range(0, arrow.num_rows, chunk):
            part = arrow.slice(offset, chunk)
            pieces: list[Any] = []
            for i, c in enumerate(table.columns):
                pieces.append(("{" if i == 0 else ", ") + json.dumps(c.name) + ": ")
                pieces.append(_json_value(part.column(c.name).combine_chunks(), c.type))
            out.write(_string_bytes(pc.binary_join_element_wise(*pieces, "}\n", "")))


def write_sqlite(tables: dict[str, tuple[pa.Table, Table]], path: Path) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        _load_sqlite(con, tables)
        con.commit()
    finally:
        con.close()


def _load_sqlite(con: sqlite3.Connection, tables: dict[str, tuple[pa.Table, Table]]) -> None:
    for arrow, table in tables.values():
        cols = ", ".join(f"{_quote(c.name)} {c.type.sql(0)}" for c in table.columns)
        con.execute(f"CREATE TABLE {_quote(table.name)} ({cols})")
        marks = ", ".join("?" for _ in table.columns)
        insert = f"INSERT INTO {_quote(table.name)} VALUES ({marks})"
        for batch in _text_table(arrow, table, keep_bytes=True).to_batches(100_000):
            con.executemany(insert, zip(*(col.to_pylist() for col in batch.columns), strict=True))


def filter_mask(arrow: pa.Table, table: Table) -> pa.BooleanArray:
    """Which rows the table's `keeps` condition keeps, decided by SQLite over the rows as the
    stand-in holds them (the local extract runs the same WHERE there; REGEXP as the extract's)."""
    con = sqlite3.connect(":memory:")
    try:
        con.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None)
        _load_sqlite(con, {table.name: (arrow, table)})
        query = f"SELECT rowid - 1 FROM {_quote(table.name)} WHERE {table.keeps}"
        kept = {row for (row,) in con.execute(query)}
    finally:
        con.close()
    return pa.array([i in kept for i in range(arrow.num_rows)], pa.bool_())


def write_duckdb(tables: dict[str, tuple[pa.Table, Table]], path: Path) -> None:
    try:
        import duckdb
    except ImportError:
        raise ConfigError(["--format duckdb needs the duckdb package: pip install duckdb"]) from None
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for arrow, table in tables.values():
            cols = ", ".join(f"{_quote(c.name)} {c.type.sql(1)}" for c in table.columns)
            con.execute(f"CREATE TABLE {_quote(table.name)} ({cols})")
            con.register("_synthetic_src", arrow)
            casts = ", ".join(f"CAST({_quote(c.name)} AS {c.type.sql(1)})" for c in table.columns)
            con.execute(f"INSERT INTO {_quote(table.name)} SELECT {casts} FROM _synthetic_src")
            con.unregister("_synthetic_src")
    finally:
        con.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


FILE_WRITERS: dict[str, tuple[str, Callable[[pa.Table, Table, Path], None]]] = {
    "csv": (".csv", write_csv),
    "parquet": (".parquet", write_parquet),
    "jsonl": (".jsonl", write_jsonl),
}
DB_WRITERS: dict[str, tuple[str, Callable[[dict[str, tuple[pa.Table, Table]], Path], None]]] = {
    "sqlite": ("synthetic.sqlite", write_sqlite),
    "duckdb": ("synthetic.duckdb", write_duckdb),
}


def write(dataset: Dataset, out: Path, fmt: str) -> list[Path]:
    """Write every table in `fmt` under `out`, plus the bad-row manifest. Returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    specs = {t.name: t for t in dataset.config.tables}
    written: list[Path] = []
    if fmt in FILE_WRITERS:
        suffix, writer = FILE_WRITERS[fmt]
        for name, arrow in dataset.tables.items():
            writer(arrow, specs[name], out / f"{name}{suffix}")
            written.append(out / f"{name}{suffix}")
    else:
        filename, db_writer = DB_WRITERS[fmt]
        db_writer({n: (a, specs[n]) for n, a in dataset.tables.items()}, out / filename)
        written.append(out / filename)
    manifest_path = out / MANIFEST
    manifest_path.write_text(manifest_text(manifest(dataset)), encoding="utf-8")
    return [*written, manifest_path]


# ---------------------------------------------------------------- streams


def stream_events(
    config: Config,
    table_name: str,
    *,
    rate: float = 10.0,
    burst_every: float = 0.0,
    burst_seconds: float = 0.0,
    burst_factor: float = 10.0,
    endless: bool = False,
    batch: int = 1000,
    time_column: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Events of one table as dicts, event time set by `rate`/s with bursts; no clock is read.

    Every `burst_every` seconds of event time, for `burst_seconds`, the rate is multiplied by
    `burst_factor`. Finite streams yield the table's `rows`; `endless=True` never stops (the
    caller paces it). Chunks are seeded by their index, so a stream replays identically.
    Foreign keys point at the parents a batch run with the same config writes. Events are
    clean (bad rows are a batch feature).
    """
    table = next(t for t in config.tables if t.name == table_name)
    time_column = time_column or next((c.name for c in table.columns if c.type.temporal), None)
    naive = time_column is not None and table.column(time_column).type.name != "timestamp_tz"
    ctx = _Context(config)
    for parent in table_order(config.tables):  # the parents, exactly as the batch run writes them
        if parent.name == table_name:
            break
        ctx.tables[parent.name], bad = _generate_table(ctx, parent)
        ctx.clean[parent.name] = pc.invert(mask_at(parent.rows, sorted({v.row for v in bad})))
    elapsed, chunk, emitted = 0.0, 0, 0
    while endless or emitted < table.rows:
        size = batch if endless else min(batch, table.rows - emitted)
        ctx.config = replace(config, seed=seed_for(config.seed, "stream", chunk))
        events, _ = _generate_table(ctx, replace(table, rows=size, bad_row_rate=0.0))
        for row in events.to_pylist():
            in_burst = burst_every > 0 and (elapsed % burst_every) < burst_seconds
            elapsed += 1.0 / (rate * (burst_factor if in_burst else 1.0))
            if time_column:
                stamp = config.start + timedelta(seconds=elapsed)
                move_times(row, table, time_column, stamp.replace(tzinfo=None) if naive else stamp)
            yield row
        emitted += size
        chunk += 1


def move_times(row: dict[str, Any], table: Table, time_column: str, stamp: datetime) -> None:
    """Set the event time and shift the row's other timestamps with it (updated_at stays after)."""
    before = row[time_column]
    row[time_column] = stamp
    if not isinstance(before, datetime):
        return
    delta = stamp - before
    for column in table.columns:
        value = row[column.name]
        if column.name != time_column and isinstance(value, datetime) and value.tzinfo == before.tzinfo:
            row[column.name] = value + delta


# ---------------------------------------------------------------- CLI


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> Config:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config: {exc.strerror}"]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"]) from None
    try:
        return parse_config(data, overrides)
    except ConfigError as exc:
        raise ConfigError([f"{path}: {p}" for p in exc.problems]) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Write seeded synthetic data for the pipeline's sources.",
        epilog="example: python synthetic.py --config synthetic.json --rows 100000 --out data --format sqlite",
    )
    parser.add_argument("--config", type=Path, required=True, help="the JSON config (see the module docstring)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--format", choices=FORMATS, default="sqlite", help="output format (default: sqlite)")
    parser.add_argument("--rows", type=_count, help="rows of the largest table; the others keep their proportion")
    parser.add_argument("--seed", type=int, help="overrides the config's seed")
    parser.add_argument("--bad-row-rate", type=_fraction, help="overrides the config's bad_row_rate (0..1)")
    return parser


def _count(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"rows": args.rows, "seed": args.seed, "bad_row_rate": args.bad_row_rate}
    try:
        dataset = generate(load_config(args.config, overrides))
        paths = write(dataset, args.out, args.format)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write under {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    rows = sum(t.num_rows for t in dataset.tables.values())
    print(f"wrote {rows} rows in {len(dataset.tables)} tables ({len(dataset.violations)} bad) to {paths[0].parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
