-- The star schema agrees with itself: each order's merchandise net of discounts and its unit
-- count equal the sums over its lines in fct_order_items. In an incremental build, only orders
-- with rows loaded since the last fully tested build (macros/test_scope.sql).
with

orders_in_scope as (
    select new_orders.order_key from {{ ref('fct_orders') }} as new_orders
    where {{ loaded_since_tested_build('new_orders.loaded_at') }}
    union
    select new_items.order_key from {{ ref('fct_order_items') }} as new_items
    where {{ loaded_since_tested_build('new_items.loaded_at') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where order_key in (select orders_in_scope.order_key from orders_in_scope)
),

order_items as (
    select * from {{ ref('fct_order_items') }}
    where order_key in (select orders.order_key from orders)
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
