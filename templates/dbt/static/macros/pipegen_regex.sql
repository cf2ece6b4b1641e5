{# Whether `column` matches the regular expression `pattern`, in each adapter's own function; the
   pattern is a string literal in the adapter's escaping (pipegen_string_literal). #}
{% macro pipegen_regex_matches(column, pattern) -%}
    {{ return(adapter.dispatch('pipegen_regex_matches')(column, pattern)) }}
{%- endmacro %}

{% macro default__pipegen_regex_matches(column, pattern) -%}
    regexp_like({{ column }}, {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__pipegen_regex_matches(column, pattern) -%}
    regexp_matches({{ column }}, {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro postgres__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} ~ {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro redshift__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} ~ {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro bigquery__pipegen_regex_matches(column, pattern) -%}
    regexp_contains({{ column }}, {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro databricks__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} rlike {{ pipegen_string_literal(pattern) }})
{%- endmacro %}

{% macro spark__pipegen_regex_matches(column, pattern) -%}
    ({{ column }} rlike {{ pipegen_string_literal(pattern) }})
{%- endmacro %}
