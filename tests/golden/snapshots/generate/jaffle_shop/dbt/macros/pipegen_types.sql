{% macro pipegen_type(name) %}
{%- set types = {"duckdb": {"date": "DATE", "double": "DOUBLE", "int": "INT", "string": "TEXT"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
