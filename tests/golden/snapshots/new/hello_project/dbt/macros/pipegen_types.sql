{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"bigint": "BIGINT", "decimal(12,2)": "DECIMAL(12, 2)", "string": "TEXT", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
