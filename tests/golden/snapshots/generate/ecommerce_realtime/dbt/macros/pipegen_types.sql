{% macro pipegen_type(name) %}
{%- set types = {"clickhouse": {"bigint": "Nullable(Int64)", "boolean": "Nullable(Bool)", "date": "Nullable(DATE)", "decimal(10,2)": "Nullable(Decimal(10, 2))", "int": "Nullable(Int32)", "smallint": "Nullable(Int16)", "string": "Nullable(String)", "timestamp": "Nullable(DateTime)", "timestamp(3)": "Nullable(DateTime)"}, "duckdb": {"bigint": "BIGINT", "boolean": "BOOLEAN", "date": "DATE", "decimal(10,2)": "DECIMAL(10, 2)", "int": "INT", "smallint": "SMALLINT", "string": "TEXT", "timestamp": "TIMESTAMP", "timestamp(3)": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
