"""Portable column types (spec) -> each SQL dialect's type name, through sqlglot's own type
mappings: per-dialect differences are sqlglot's data, not ours."""

from __future__ import annotations

from functools import cache

from pipegen.spec.types import ColumnType, parse_column_type

# portable name -> the sqlglot type it means (precision filled in for decimal)
_SQLGLOT: dict[str, str] = {
    "string": "VARCHAR",
    "int": "INT",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "TIMESTAMP",
    "timestamp_tz": "TIMESTAMPTZ",
    "json": "JSON",
    "binary": "VARBINARY",
    "uuid": "UUID",
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
    base = _SQLGLOT[ctype.name]
    return f"{base}({ctype.precision})" if precise and ctype.precision is not None else base
