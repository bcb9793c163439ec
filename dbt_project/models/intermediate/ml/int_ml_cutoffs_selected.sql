{#
    The cutoff dates the ML marts are built for, and the role of each. In order of precedence:
    var('ml_cutoff_dates') (a list of YYYY-MM-DD), var('cutoff_date') (one cutoff), else the
    default plan on the latest order date D with horizon h = var('churn_horizon_days'),
    n = var('ml_train_cutoff_count') and step s = var('ml_cutoff_step_days') (default h):
    training cutoffs D - h - k*s (k = n..1), the evaluation cutoff D - h (its labels are just
    observable) and the scoring cutoff D. With s >= h no training label window reaches past
    the evaluation cutoff. Roles: the latest labelled cutoff evaluates, the other labelled
    ones train, the latest cutoff without labels is scored. Dagster passes these vars to the
    dbt asset, so training reads what the warehouse build produced and never runs dbt itself.
#}
{%- set requested_dates = var('ml_cutoff_dates') -%}
{%- if requested_dates is string -%}
    {%- set requested_dates = requested_dates.split(',') -%}
{%- endif -%}
{%- set horizon_days = var('churn_horizon_days') | int -%}
{%- set train_count = var('ml_train_cutoff_count') | int -%}
{%- set step_days = (var('ml_cutoff_step_days') or horizon_days) | int -%}
{%- if horizon_days < 1 or train_count < 1 -%}
    {{ exceptions.raise_compiler_error(
        "vars churn_horizon_days and ml_train_cutoff_count must be >= 1, got "
        ~ horizon_days ~ " and " ~ train_count
    ) }}
{%- endif -%}
{%- if step_days < horizon_days -%}
    {{ exceptions.raise_compiler_error(
        "var ml_cutoff_step_days (" ~ step_days ~ ") must be >= churn_horizon_days ("
        ~ horizon_days ~ ") so a training label window never overlaps the evaluation period"
    ) }}
{%- endif -%}

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
        {% for k in range(train_count, 0, -1) %}
            select data_end_date - {{ horizon_days + k * step_days }} as cutoff_date
            from data_range
            union
        {% endfor %}
        select data_end_date - {{ horizon_days }} as cutoff_date
        from data_range
        union
        select data_end_date as cutoff_date
        from data_range
    {% endif %}
),

observed as (
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
),

ranked as (
    select
        *,
        row_number() over (
            partition by is_label_observable
            order by cutoff_date desc
        ) as recency_rank
    from observed
),

final as (
    select
        cutoff_date,
        cutoff_at,
        churn_horizon_days,
        horizon_end_date,
        data_end_date,
        is_label_observable,
        case
            when is_label_observable and recency_rank = 1 then 'evaluation'
            when is_label_observable then 'train'
            when recency_rank = 1 then 'scoring'
            else 'unused'
        end as cutoff_role
    from ranked
)

select * from final
