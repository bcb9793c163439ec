{#
    The cutoff dates the ML marts are built for. In order of precedence:
    var('ml_cutoff_dates') (a list of YYYY-MM-DD), var('cutoff_date'), else two defaults: a
    training cutoff one churn horizon before the latest order date (its labels are observable)
    and a scoring cutoff on the latest order date.
#}
{%- set requested_dates = var('ml_cutoff_dates') -%}
{%- if requested_dates is string -%}
    {%- set requested_dates = requested_dates.split(',') -%}
{%- endif -%}
{%- set horizon_days = var('churn_horizon_days') | int -%}

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

data_range as (
    select max(ordered_date) as data_end_date
    from orders
),

requested as (
    {% if requested_dates %}
        {% for requested_date in requested_dates %}
            select cast('{{ validated_date_var("ml_cutoff_dates", requested_date) }}' as date) as cutoff_date
            {% if not loop.last %}union{% endif %}
        {% endfor %}
    {% elif var('cutoff_date') %}
        select {{ cutoff_date() }} as cutoff_date
    {% else %}
        select data_end_date - {{ horizon_days }} as cutoff_date
        from data_range
        union
        select data_end_date as cutoff_date
        from data_range
    {% endif %}
),

final as (
    select
        requested.cutoff_date,
        cast(requested.cutoff_date + 1 as timestamp) at time zone 'UTC' as cutoff_at,
        {{ horizon_days }} as churn_horizon_days,
        requested.cutoff_date + {{ horizon_days }} as horizon_end_date,
        data_range.data_end_date,
        requested.cutoff_date + {{ horizon_days }} <= data_range.data_end_date as is_label_observable
    from requested
    cross join data_range
    where requested.cutoff_date is not null
)

select * from final
