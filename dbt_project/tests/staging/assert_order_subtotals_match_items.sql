-- Gate (error): every order's merchandise net of discounts (items_subtotal - discount_amount)
-- equals the sum of its lines' totals (quantity * unit_price - line discount); an order without
-- lines has zero. Catches lost, moved or orphaned lines before any mart is built. In an
-- incremental build, only orders with rows loaded since the last fully tested build.
with

orders_in_scope as (
    select new_orders.order_id from {{ ref('stg_shop__orders') }} as new_orders
    where {{ loaded_since_tested_build('new_orders.loaded_at') }}
    union
    select new_items.order_id from {{ ref('stg_shop__order_items') }} as new_items
    where {{ loaded_since_tested_build('new_items.loaded_at') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
    where order_id in (select orders_in_scope.order_id from orders_in_scope)
),

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
    where order_id in (select orders.order_id from orders)
),

line_totals as (
    select
        order_id,
        sum(line_total) as lines_total
    from order_items
    group by order_id
)

select
    orders.order_id,
    orders.items_subtotal,
    orders.discount_amount,
    line_totals.lines_total
from orders
left join line_totals
    on orders.order_id = line_totals.order_id
where orders.items_subtotal - orders.discount_amount != coalesce(line_totals.lines_total, 0)
