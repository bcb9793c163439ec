-- finance_sales_monthly is finance_sales_daily summed over the days of each month, cell by cell
-- (what an incremental run must keep true). Returns the cells that differ or exist on one side.
-- In an incremental build, only the months with rows loaded since the last fully tested build on
-- either side (macros/test_scope.sql).
with

months_in_scope as (
    select cast(date_trunc('month', new_days.ordered_date) as date) as ordered_month
    from {{ ref('finance_sales_daily') }} as new_days
    where {{ loaded_since_tested_build('new_days.loaded_at') }}
    union
    select new_months.ordered_month
    from {{ ref('finance_sales_monthly') }} as new_months
    where {{ loaded_since_tested_build('new_months.loaded_at') }}
),

sales_daily as (
    -- a date range per month, so the ordered_date index finds the days
    select sales_daily.*
    from {{ ref('finance_sales_daily') }} as sales_daily
    inner join months_in_scope
        on
            sales_daily.ordered_date >= months_in_scope.ordered_month
            and sales_daily.ordered_date
            < cast(months_in_scope.ordered_month + interval '1 month' as date)
),

sales_monthly as (
    select * from {{ ref('finance_sales_monthly') }}
    where ordered_month in (select months_in_scope.ordered_month from months_in_scope)
),

daily_rolled_up as (
    select
        grain,
        cast(date_trunc('month', ordered_date) as date) as ordered_month,
        sales_channel,
        loyalty_tier,
        category_id,
        brand_id,
        geography_key,
        sum(order_count) as order_count,
        sum(unit_count) as unit_count,
        sum(gross_revenue) as gross_revenue,
        sum(gross_margin) as gross_margin,
        max(loaded_at) as loaded_at
    from sales_daily
    group by
        grain,
        ordered_month,
        sales_channel,
        loyalty_tier,
        category_id,
        brand_id,
        geography_key
),

matched as (
    select
        daily_rolled_up.grain as daily_grain,
        sales_monthly.grain as monthly_grain,
        coalesce(daily_rolled_up.ordered_month, sales_monthly.ordered_month) as ordered_month,
        daily_rolled_up.gross_revenue as daily_revenue,
        sales_monthly.gross_revenue as monthly_revenue,
        daily_rolled_up.order_count as daily_orders,
        sales_monthly.order_count as monthly_orders
    from daily_rolled_up
    full outer join sales_monthly
        on
            daily_rolled_up.grain = sales_monthly.grain
            and daily_rolled_up.ordered_month = sales_monthly.ordered_month
            and daily_rolled_up.sales_channel = sales_monthly.sales_channel
            and daily_rolled_up.loyalty_tier is not distinct from sales_monthly.loyalty_tier
            and daily_rolled_up.category_id is not distinct from sales_monthly.category_id
            and daily_rolled_up.brand_id is not distinct from sales_monthly.brand_id
            and daily_rolled_up.geography_key is not distinct from sales_monthly.geography_key
            and daily_rolled_up.order_count = sales_monthly.order_count
            and daily_rolled_up.unit_count = sales_monthly.unit_count
            and daily_rolled_up.gross_revenue = sales_monthly.gross_revenue
            and daily_rolled_up.gross_margin is not distinct from sales_monthly.gross_margin
            and daily_rolled_up.loaded_at = sales_monthly.loaded_at
)

select *
from matched
where daily_grain is null or monthly_grain is null
