{# Integer yyyymmdd key of a date expression (the dim_date surrogate key). #}
{% macro date_key(date_expression) -%}
    cast(to_char({{ date_expression }}, 'YYYYMMDD') as integer)
{%- endmacro %}
