"""Portable column types (spec) -> each engine's type name: the one table of them
(`ENGINE_TYPES`), a column per engine. SQL dialects go through sqlglot's own type mappings
(per-dialect differences are sqlglot's data, not ours); Flink SQL, which sqlglot does not
know, has its own column (render/flinksql.py renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipegen.spec.types import ColumnType, parse_column_type


@dataclass(frozen=True)
class EngineTypes:
    """One portable type's name per engine (precision, decimal and nested types are built around it)."""

    sqlglot: str  # sqlglot's notation: every SQL dialect through sqlglot
    flink: str  # Flink SQL


# portable name -> its type per engine (every canonical type but decimal and the nested ones)
ENGINE_TYPES: dict[str, EngineTypes] = {
    "string": EngineTypes("VARCHAR", "STRING"),
    "int": EngineTypes("INT", "INT"),
    "bigint": EngineTypes("BIGINT", "BIGINT"),
    "smallint": EngineTypes("SMALLINT", "SMALLINT"),
    "float": EngineTypes("FLOAT", "FLOAT"),
    "double": EngineTypes("DOUBLE", "DOUBLE"),
    "boolean": EngineTypes("BOOLEAN", "BOOLEAN"),
    "date": EngineTypes("DATE", "DATE"),
    "time": EngineTypes("TIME", "TIME"),
    "timestamp": EngineTypes("TIMESTAMP", "TIMESTAMP"),
    "timestamp_tz": EngineTypes("TIMESTAMPTZ", "TIMESTAMP_LTZ"),
    "json": EngineTypes("JSON", "STRING"),
    "binary": EngineTypes("VARBINARY", "BYTES"),
    "uuid": EngineTypes("UUID", "STRING"),
}


# Dialects whose timestamp types take a fractional-seconds precision (`TIMESTAMP(3)`); elsewhere
# the precision is the engine's own (DuckDB and BigQuery: microseconds, Spark: microseconds).
TIMESTAMP_PRECISION = frozenset({"postgres", "snowflake", "redshift", "mysql", "trino", "tsql", "oracle"})


@cache
def sql_type(portable: str, dialect: str) -> str:
    """'decimal(12,2)' -> 'DECIMAL(12, 2)' in duckdb, 'NUMERIC(12, 2)' in bigquery; 'string' ->
    'TEXT' (duckdb), 'STRING' (bigquery), 'VARCHAR' (snowflake)."""
    from sqlglot import exp

    ctype = parse_column_type(portable)
    return exp.DataType.build(_sqlglot_name(ctype, dialect in TIMESTAMP_PRECISION)).sql(dialect=dialect)


def _sqlglot_name(ctype: ColumnType, precise: bool = True) -> str:
    """The type in sqlglot's own notation (nested types included)."""
    if ctype.name == "decimal":
        return f"DECIMAL({ctype.precision}, {ctype.scale})"
    if ctype.name == "array":
        return f"ARRAY<{_sqlglot_name(ctype.args[0], precise)}>"
    if ctype.name == "map":
        return f"MAP<{_sqlglot_name(ctype.args[0], precise)}, {_sqlglot_name(ctype.args[1], precise)}>"
    if ctype.name == "struct":
        return (
            "STRUCT<"
            + ", ".join(f"{n} {_sqlglot_name(a, precise)}" for n, a in zip(ctype.fields, ctype.args, strict=True))
            + ">"
        )
    base = ENGINE_TYPES[ctype.name].sqlglot
    return f"{base}({ctype.precision})" if precise and ctype.precision is not None else base
