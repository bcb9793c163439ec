-- Soft anomaly (warn): a day's merchandise revenue more than (1 + threshold) times, or less
-- than 1 / (1 + threshold) of, its trailing 28-day mean (var('daily_revenue_swing_threshold')).
-- Worth a look, not a reason to stop the pipeline.
{{ config(severity='warn') }}

with

revenue as (
    select * from {{ ref('finance_revenue_daily') }}
),

daily as (
    select
        revenue_date,
        sum(gross_revenue) as gross_revenue
    from revenue
    group by revenue_date
),

with_trailing_mean as (
    select
        revenue_date,
        gross_revenue,
        avg(gross_revenue) over (
            order by revenue_date
            rows between 28 preceding and 1 preceding
        ) as trailing_mean,
        count(*) over (
            order by revenue_date
            rows between 28 preceding and 1 preceding
        ) as trailing_days
    from daily
)

select * from with_trailing_mean
where
    trailing_days >= 14
    and (
        gross_revenue > trailing_mean * (1 + {{ var('daily_revenue_swing_threshold') }})
        or gross_revenue < trailing_mean / (1 + {{ var('daily_revenue_swing_threshold') }})
    )
