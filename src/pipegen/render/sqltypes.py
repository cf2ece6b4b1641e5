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


@cache
def sql_type(portable: str, dialect: str) -> str:
    """'decimal(12,2)' -> 'DECIMAL(12, 2)' in duckdb, 'NUMERIC(12, 2)' in bigquery; 'string' ->
    'TEXT' (duckdb), 'STRING' (bigquery), 'VARCHAR' (snowflake)."""
    from sqlglot import exp

    ctype = parse_column_type(portable)
    return exp.DataType.build(_sqlglot_name(ctype)).sql(dialect=dialect)


def _sqlglot_name(ctype: ColumnType) -> str:
    if ctype.name == "decimal":
        return f"DECIMAL({ctype.precision}, {ctype.scale})"
    return _SQLGLOT[ctype.name]
