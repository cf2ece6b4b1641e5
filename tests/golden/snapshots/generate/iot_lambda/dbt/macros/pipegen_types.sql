{% macro pipegen_type(name) %}
{%- set types = {"bigquery": {"date": "DATE", "double": "FLOAT64", "string": "STRING", "timestamp": "DATETIME"}, "clickhouse": {"date": "Nullable(DATE)", "double": "Nullable(Float64)", "string": "Nullable(String)", "timestamp": "Nullable(DateTime)"}, "duckdb": {"date": "DATE", "double": "DOUBLE", "string": "TEXT", "timestamp": "TIMESTAMP"}} -%}
{{- return(types.get(target.type, types['duckdb'])[name]) -}}
{% endmacro %}
