{# `value` as a SQL string literal in the adapter's own escaping: the quote doubled where the
   dialect reads '' (DuckDB, PostgreSQL), backslashes doubled and the quote escaped where the
   dialect reads backslash escapes (BigQuery, Spark, Databricks, Snowflake, ClickHouse, Redshift),
   as pipegen's render/filters.py `sql_str` writes them. #}
{% macro pipegen_string_literal(value) -%}
    {{ return(adapter.dispatch('pipegen_string_literal')(value)) }}
{%- endmacro %}

{% macro default__pipegen_string_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro snowflake__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}

{% macro redshift__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}

{% macro clickhouse__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}

{% macro bigquery__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") | replace("\n", "\\n") | replace("\r", "\\r") }}'
{%- endmacro %}

{% macro spark__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro databricks__pipegen_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
