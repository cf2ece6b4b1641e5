{% macro pipegen_type(name) %}
{%- set types = {"databricks": {"decimal(10,2)": "DECIMAL(10, 2)", "int": "INT", "string": "STRING", "timestamp": "TIMESTAMP", "uuid": "STRING"}, "duckdb": {"decimal(10,2)": "DECIMAL(10, 2)", "int": "INT", "string": "TEXT", "timestamp": "TIMESTAMP", "uuid": "UUID"}, "spark": {"decimal(10,2)": "DECIMAL(10, 2)", "int": "INT", "string": "STRING", "timestamp": "TIMESTAMP", "uuid": "STRING"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
