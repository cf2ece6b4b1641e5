{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"bigint": "BIGINT", "decimal(10,2)": "DECIMAL(10, 2)", "string": "TEXT", "timestamp": "TIMESTAMP"}, "spark": {"bigint": "BIGINT", "decimal(10,2)": "DECIMAL(10, 2)", "string": "STRING", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
