{# Fails on every row where the column is below zero (nulls pass; pair with not_null). #}
{% test not_negative(model, column_name) %}

select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
