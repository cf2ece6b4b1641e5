{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"bigint": "BIGINT", "double": "DOUBLE", "int": "INT", "string": "TEXT", "timestamp": "TIMESTAMP"}, "spark": {"bigint": "BIGINT", "double": "DOUBLE", "int": "INT", "string": "STRING", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
