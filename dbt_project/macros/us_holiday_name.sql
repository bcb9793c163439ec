{#
    us_holiday_name(day): the US federal holiday (observed on its calendar date, not shifted off
    weekends) or retail peak day (Black Friday, Cyber Monday) falling on a date; null otherwise.
    Floating holidays are "n-th weekday of the month": the n-th Monday falls on days 7n-6 .. 7n.
#}
{% macro us_holiday_name(day) -%}
    {%- set month = "extract(month from " ~ day ~ ")" -%}
    {%- set dom = "extract(day from " ~ day ~ ")" -%}
    {%- set dow = "extract(isodow from " ~ day ~ ")" -%}
    {%- set four_days_before = "(" ~ day ~ " - 4)" -%}
    case
        when {{ month }} = 1 and {{ dom }} = 1 then 'New Year''s Day'
        when {{ month }} = 1 and {{ dow }} = 1 and {{ dom }} between 15 and 21 then 'Martin Luther King Jr. Day'
        when {{ month }} = 2 and {{ dow }} = 1 and {{ dom }} between 15 and 21 then 'Presidents'' Day'
        when {{ month }} = 5 and {{ dow }} = 1 and {{ dom }} >= 25 then 'Memorial Day'
        when {{ month }} = 6 and {{ dom }} = 19 then 'Juneteenth'
        when {{ month }} = 7 and {{ dom }} = 4 then 'Independence Day'
        when {{ month }} = 9 and {{ dow }} = 1 and {{ dom }} <= 7 then 'Labor Day'
        when {{ month }} = 10 and {{ dow }} = 1 and {{ dom }} between 8 and 14 then 'Columbus Day'
        when {{ month }} = 11 and {{ dom }} = 11 then 'Veterans Day'
        when {{ month }} = 11 and {{ dow }} = 4 and {{ dom }} between 22 and 28 then 'Thanksgiving Day'
        when {{ month }} = 11 and {{ dow }} = 5 and {{ dom }} between 23 and 29 then 'Black Friday'
        when
            {{ dow }} = 1
            and extract(month from {{ four_days_before }}) = 11
            and extract(day from {{ four_days_before }}) between 22 and 28
            then 'Cyber Monday'
        when {{ month }} = 12 and {{ dom }} = 25 then 'Christmas Day'
    end
{%- endmacro %}
