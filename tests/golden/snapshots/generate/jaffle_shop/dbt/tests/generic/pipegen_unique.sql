{# unique with a threshold: fails when the share of rows whose value is repeated is more than 1 - mostly. #}
{% test pipegen_unique(model, column_name, mostly=1.0) %}
with counted as (
    select {{ column_name }} as value, count(*) as n
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}
)
select sum(case when n > 1 then n else 0 end) as failures
from counted
having sum(case when n > 1 then n else 0 end) > {{ 1.0 - mostly }} * (select count(*) from {{ model }})
{% endtest %}
