-- Every grain of finance_sales_daily covers every purchase line once: per order date and grain,
-- revenue, margin and units equal the sums over the purchase lines of fct_order_items; the total
-- and ship-to grains count each purchase order once (an order has one date and one ship-to), the
-- category and brand grains at least once. Returns the offending dates. In an incremental build,
-- only the dates with lines or mart rows loaded since the last fully tested build
-- (macros/test_scope.sql).
with

dates_in_scope as (
    select new_items.ordered_date from {{ ref('fct_order_items') }} as new_items
    where {{ loaded_since_tested_build('new_items.loaded_at') }}
    union
    select new_cells.ordered_date from {{ ref('finance_sales_daily') }} as new_cells
    where {{ loaded_since_tested_build('new_cells.loaded_at') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
    where ordered_date in (select dates_in_scope.ordered_date from dates_in_scope)
),

orders as (
    select * from {{ ref('fct_orders') }}
),

sales_daily as (
    select * from {{ ref('finance_sales_daily') }}
    where ordered_date in (select dates_in_scope.ordered_date from dates_in_scope)
),

lines_by_date as (
    select
        order_items.ordered_date,
        count(distinct order_items.order_key) as order_count,
        sum(order_items.quantity) as unit_count,
        sum(order_items.line_total) as gross_revenue,
        sum(order_items.line_margin) as gross_margin
    from order_items
    inner join orders
        on order_items.order_key = orders.order_key
    where orders.is_purchase
    group by order_items.ordered_date
),

grains as (
    select grain
    from (values ('total'), ('category'), ('brand'), ('geography')) as grains (grain)
),

expected as (
    select
        grains.grain,
        lines_by_date.ordered_date,
        lines_by_date.order_count,
        lines_by_date.unit_count,
        lines_by_date.gross_revenue,
        lines_by_date.gross_margin
    from lines_by_date
    cross join grains
),

mart_by_date as (
    select
        grain,
        ordered_date,
        sum(order_count) as order_count,
        sum(unit_count) as unit_count,
        sum(gross_revenue) as gross_revenue,
        sum(gross_margin) as gross_margin
    from sales_daily
    group by grain, ordered_date
),

compared as (
    select
        coalesce(expected.grain, mart_by_date.grain) as grain,
        coalesce(expected.ordered_date, mart_by_date.ordered_date) as ordered_date,
        expected.gross_revenue as expected_revenue,
        mart_by_date.gross_revenue as mart_revenue,
        expected.gross_margin as expected_margin,
        mart_by_date.gross_margin as mart_margin,
        expected.unit_count as expected_units,
        mart_by_date.unit_count as mart_units,
        expected.order_count as expected_orders,
        mart_by_date.order_count as mart_orders
    from expected
    full outer join mart_by_date
        on
            expected.grain = mart_by_date.grain
            and expected.ordered_date = mart_by_date.ordered_date
)

select *
from compared
where
    expected_revenue is distinct from mart_revenue
    or expected_margin is distinct from mart_margin
    or expected_units is distinct from mart_units
    or (grain in ('total', 'geography') and expected_orders is distinct from mart_orders)
    or (grain in ('category', 'brand') and not coalesce(mart_orders >= expected_orders, false))
