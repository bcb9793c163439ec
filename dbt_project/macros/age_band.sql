{# Ten-year age band ('18-27', ... , '68+') of a birth date on a given date; null when unknown. #}
{% macro age_band(birth_date, on_date) -%}
    case
        when {{ birth_date }} is null or {{ on_date }} is null then null
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 18 then 'under 18'
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 28 then '18-27'
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 38 then '28-37'
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 48 then '38-47'
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 58 then '48-57'
        when date_part('year', age({{ on_date }}, {{ birth_date }})) < 68 then '58-67'
        else '68+'
    end
{%- endmacro %}
