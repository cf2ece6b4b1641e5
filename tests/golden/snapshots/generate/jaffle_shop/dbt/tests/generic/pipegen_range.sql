{# Values of `column_name` within [min_value, max_value] (either bound optional); fails when
   the share of rows outside the range is more than 1 - mostly. Nulls are not checked here. #}
{% test pipegen_range(model, column_name, min_value=none, max_value=none, mostly=1.0) %}
with checked as (
    select
        case
            when {{ column_name }} is null then 0
            {% if min_value is not none %}when {{ column_name }} < {{ min_value }} then 1{% endif %}
            {% if max_value is not none %}when {{ column_name }} > {{ max_value }} then 1{% endif %}
            else 0
        end as failed
    from {{ model }}
)
select sum(failed) as failures, count(*) as total
from checked
having sum(failed) > {{ 1.0 - mostly }} * count(*)
{% endtest %}
