{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"bigint": "BIGINT", "boolean": "BOOLEAN", "decimal(14,2)": "DECIMAL(14, 2)", "string": "TEXT", "timestamp": "TIMESTAMP"}, "snowflake": {"bigint": "BIGINT", "boolean": "BOOLEAN", "decimal(14,2)": "DECIMAL(14, 2)", "string": "VARCHAR", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
