-- Finance marts add up to the raw data: merchandise revenue (line totals) and order totals of
-- orders in var('purchase_order_statuses') equal the same sums computed straight from raw.
-- status is optional in the contract: an order without one is 'completed' (as in staging).
with

revenue_mart as (
    select sum(gross_revenue) as amount from {{ ref('finance_revenue_daily') }}
),

orders_mart as (
    select sum(order_total) as amount from {{ ref('finance_orders_daily') }}
),

raw_orders as (
    select * from {{ source('shop', 'orders') }}
),

raw_order_items as (
    select * from {{ source('shop', 'order_items') }}
),

raw_revenue as (
    select coalesce(sum(raw_order_items.line_total), 0) as amount
    from raw_order_items
    inner join raw_orders
        on raw_order_items.order_id = raw_orders.order_id
    where coalesce(raw_orders.status, 'completed') in ({{ quoted_list(var('purchase_order_statuses')) }})
),

raw_order_totals as (
    select coalesce(sum(order_total), 0) as amount
    from raw_orders
    where coalesce(status, 'completed') in ({{ quoted_list(var('purchase_order_statuses')) }})
),

comparison as (
    select
        'merchandise revenue' as measure,
        coalesce(revenue_mart.amount, 0) as mart_amount,
        raw_revenue.amount as raw_amount
    from revenue_mart
    cross join raw_revenue
    union all
    select
        'order totals' as measure,
        coalesce(orders_mart.amount, 0) as mart_amount,
        raw_order_totals.amount as raw_amount
    from orders_mart
    cross join raw_order_totals
)

select * from comparison
where mart_amount != raw_amount
