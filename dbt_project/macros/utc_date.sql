{# The UTC calendar date of a timestamptz, independent of the session time zone. #}
{% macro utc_date(timestamp_expression) -%}
    cast(({{ timestamp_expression }} at time zone 'UTC') as date)
{%- endmacro %}
