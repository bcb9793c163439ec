{#
    date_spine(start_date_sql, end_date_sql): a select of one row per day, column `date_day`,
    from start to end inclusive. Both arguments are SQL expressions yielding dates.
#}
{% macro date_spine(start_date_sql, end_date_sql) -%}
    select cast(spine.day_start as date) as date_day
    from generate_series(
        cast({{ start_date_sql }} as timestamp),
        cast({{ end_date_sql }} as timestamp),
        interval '1 day'
    ) as spine (day_start)
{%- endmacro %}
