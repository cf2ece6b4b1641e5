{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"date": "DATE", "int": "INT", "string": "TEXT"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
