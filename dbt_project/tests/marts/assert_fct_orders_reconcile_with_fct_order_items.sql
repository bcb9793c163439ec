-- The star schema agrees with itself: each order's merchandise net of discounts and its unit
-- count equal the sums over its lines in fct_order_items.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

line_totals as (
    select
        order_key,
        sum(line_total) as lines_total,
        sum(quantity) as unit_count
    from order_items
    group by order_key
)

select
    orders.order_id,
    orders.items_subtotal,
    orders.discount_amount,
    line_totals.lines_total,
    orders.unit_count,
    line_totals.unit_count as line_unit_count
from orders
left join line_totals
    on orders.order_key = line_totals.order_key
where
    orders.items_subtotal - orders.discount_amount != coalesce(line_totals.lines_total, 0)
    or orders.unit_count != coalesce(line_totals.unit_count, 0)
