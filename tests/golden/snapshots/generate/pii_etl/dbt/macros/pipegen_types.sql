{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"bigint": "BIGINT", "smallint": "SMALLINT", "string": "TEXT", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
