{#
    The analysis cutoff. `cutoff_date()` is a SQL date expression: var('cutoff_date') when set,
    else the latest order date in the data. `cutoff_at()` is the first instant after the cutoff
    day (UTC): facts "as of the cutoff" are those strictly before it.
#}
{% macro cutoff_date() -%}
    {%- set configured = var('cutoff_date') -%}
    {%- if configured -%}
        cast('{{ validated_date_var("cutoff_date", configured) }}' as date)
    {%- else -%}
        (select max(orders.ordered_date) from {{ ref('stg_shop__orders') }} as orders)
    {%- endif -%}
{%- endmacro %}

{% macro cutoff_at() -%}
    (cast({{ cutoff_date() }} + 1 as timestamp) at time zone 'UTC')
{%- endmacro %}

{% macro validated_date_var(name, value) -%}
    {#- A real calendar date as YYYY-MM-DD, or a compiler error naming the var and the value. -#}
    {%- set text = value | string | trim -%}
    {%- set error = "var '" ~ name ~ "' must be a real date as YYYY-MM-DD, got '" ~ text ~ "'" -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(error) }}
    {%- endif -%}
    {%- set year, month, day = text.split('-') | map('int') | list -%}
    {%- set is_leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if is_leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {{ exceptions.raise_compiler_error(error) }}
    {%- endif -%}
    {{- text -}}
{%- endmacro %}
