{# Whether `column` matches the regular expression `pattern`, in each adapter's own function. #}
{% macro pipegen_regex_matches(column, pattern) -%}
    {{ return(adapter.dispatch('pipegen_regex_matches')(column, pattern)) }}
{%- endmacro %}

{% macro default__pipegen_regex_matches(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro duckdb__pipegen_regex_matches(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro postgres__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} ~ '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro redshift__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} ~ '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro bigquery__pipegen_regex_matches(column, pattern) -%}
    regexp_contains({{ column }}, r'{{ pattern | replace("'", "\\'") }}')
{%- endmacro %}

{% macro databricks__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} rlike '{{ pattern | replace("\\", "\\\\") | replace("'", "\\'") }}')
{%- endmacro %}

{% macro spark__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} rlike '{{ pattern | replace("\\", "\\\\") | replace("'", "\\'") }}')
{%- endmacro %}
