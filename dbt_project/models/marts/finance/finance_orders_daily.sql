-- Order-level money of purchase orders by order date, ship-to region and sales channel:
-- merchandise, order discounts, shipping and the amount charged.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

geographies as (
    select * from {{ ref('dim_geography') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

final as (
    select
        orders.ordered_date as revenue_date,
        orders.date_key,
        geographies.region,
        channels.sales_channel,
        count(*) as order_count,
        count(*) filter (where orders.is_first_purchase) as first_purchase_count,
        sum(orders.items_subtotal) as items_subtotal,
        sum(orders.discount_amount) as discount_amount,
        sum(orders.shipping_amount) as shipping_amount,
        sum(orders.order_total) as order_total,
        sum(orders.gross_margin) as gross_margin,
        round(avg(orders.order_total), 2) as average_order_value
    from orders
    left join geographies
        on orders.geography_key = geographies.geography_key
    inner join channels
        on orders.channel_key = channels.channel_key
    where orders.is_purchase
    group by
        orders.ordered_date,
        orders.date_key,
        geographies.region,
        channels.sales_channel
)

select * from final
