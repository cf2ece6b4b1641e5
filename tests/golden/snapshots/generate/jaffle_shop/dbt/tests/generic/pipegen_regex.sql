{# Non-null values of `column_name` match `pattern`; fails when the share that does not is
   more than 1 - mostly. #}
{% test pipegen_regex(model, column_name, pattern, mostly=1.0) %}
with checked as (
    select case when {{ column_name }} is not null
                 and not {{ pipegen_regex_matches(column_name, pattern) }} then 1 else 0 end as failed
    from {{ model }}
)
select sum(failed) as failures, count(*) as total
from checked
having sum(failed) > {{ 1.0 - mostly }} * count(*)
{% endtest %}
