-- Merchandise revenue, cost and margin of purchase orders by order date, product category,
-- ship-to region and sales channel. Revenue is the line total (after line discounts);
-- order-level discounts and shipping live in finance_orders_daily.
with

order_items as (
    select * from {{ ref('fct_order_items') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

geographies as (
    select * from {{ ref('dim_geography') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

purchase_lines as (
    select order_items.*
    from order_items
    inner join orders
        on order_items.order_key = orders.order_key
    where orders.is_purchase
),

final as (
    select
        purchase_lines.ordered_date as revenue_date,
        purchase_lines.date_key,
        products.department_name,
        products.category_id,
        products.category_name,
        geographies.region,
        channels.sales_channel,
        count(distinct purchase_lines.order_key) as order_count,
        cast(sum(purchase_lines.quantity) as bigint) as unit_count,
        sum(purchase_lines.line_total) as gross_revenue,
        sum(purchase_lines.line_cost) as cost_of_goods,
        sum(purchase_lines.line_margin) as gross_margin,
        round(sum(purchase_lines.line_margin) / nullif(sum(purchase_lines.line_total), 0), 4) as gross_margin_rate
    from purchase_lines
    inner join products
        on purchase_lines.product_key = products.product_key
    inner join geographies
        on purchase_lines.geography_key = geographies.geography_key
    inner join channels
        on purchase_lines.channel_key = channels.channel_key
    group by
        purchase_lines.ordered_date,
        purchase_lines.date_key,
        products.department_name,
        products.category_id,
        products.category_name,
        geographies.region,
        channels.sales_channel
)

select * from final
