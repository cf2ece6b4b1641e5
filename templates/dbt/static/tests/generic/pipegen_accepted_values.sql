{# Non-null values of `column_name` are one of `values`; returns each other value and its count.
   Text values become string literals through pipegen_string_literal (a quote or a backslash in a
   value stays part of the value, in every adapter), numbers and booleans are written as such. #}
{% test pipegen_accepted_values(model, column_name, values) %}
select {{ column_name }} as value_field, count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (
    {%- for value in values -%}
        {%- if value is string -%}{{ pipegen_string_literal(value) }}
        {%- elif value is sameas true -%}true
        {%- elif value is sameas false -%}false
        {%- else -%}{{ value }}{%- endif -%}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%})
group by {{ column_name }}
{% endtest %}
