{# not_null with a threshold: fails when the share of nulls is more than 1 - mostly. #}
{% test pipegen_not_null(model, column_name, mostly=1.0) %}
select sum(case when {{ column_name }} is null then 1 else 0 end) as failures, count(*) as total
from {{ model }}
having sum(case when {{ column_name }} is null then 1 else 0 end) > {{ 1.0 - mostly }} * count(*)
{% endtest %}
