{{
    config(
        materialized='incremental',
        unique_key='ordered_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['ordered_date']},
            {'columns': ['grain', 'ordered_date']},
            {'columns': ['loaded_at']},
        ],
    )
}}
-- depends_on: {{ ref('stg_shop__customers') }}
-- Merchandise sales of purchase orders pre-aggregated for the BI app's Sales page: per order
-- date, sales channel and the customer's loyalty tier when the order was placed, the total and
-- three breakdowns (product category, brand, ship-to postal area), each in its own rows (`grain`).
-- An order has one date, channel, customer and ship-to, so distinct orders add up over dates,
-- channels, tiers and ship-to areas (not over categories or brands: one order can hold several).
-- Category, brand and tier are those in force when the order was placed (product and customer
-- versions), never today's: a later tier change does not move old sales, so incremental rows do
-- not go stale. Incremental: the order dates touched by loads after the newest loaded_at here
-- (sales_order_dates_to_refresh, which includes late-arriving customer versions) are deleted and
-- rebuilt whole, so the table always equals a full refresh.
with

order_items as (
    select * from {{ ref('fct_order_items') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

product_versions as (
    select * from {{ ref('int_products_versioned') }}
),

customer_versions as (
    select * from {{ ref('int_customers_versioned') }}
),

purchase_lines as (
    select
        order_items.ordered_date,
        order_items.date_key,
        order_items.order_id,
        order_items.channel_key,
        order_items.product_key,
        order_items.geography_key,
        orders.customer_id,
        order_items.quantity,
        order_items.line_total,
        order_items.line_margin,
        order_items.ordered_at,
        order_items.loaded_at
    from order_items
    inner join orders
        on order_items.order_key = orders.order_key
    where
        orders.is_purchase
    {% if is_incremental() %}
        and {{ date_in('order_items.ordered_date', sales_order_dates_to_refresh(this)) }}
    {% endif %}
),

lines_described as (
    select
        purchase_lines.ordered_date,
        purchase_lines.date_key,
        channels.sales_channel,
        customer_versions.loyalty_tier,
        product_versions.category_id,
        product_versions.brand_id,
        purchase_lines.geography_key,
        purchase_lines.order_id,
        purchase_lines.quantity,
        purchase_lines.line_total,
        purchase_lines.line_margin,
        purchase_lines.loaded_at
    from purchase_lines
    inner join channels
        on purchase_lines.channel_key = channels.channel_key
    inner join products
        on purchase_lines.product_key = products.product_key
    -- the versions in force when the order was placed (the first one for anything earlier)
    left join product_versions
        on
            products.product_id = product_versions.product_id
            and (
                purchase_lines.ordered_at >= product_versions.valid_from
                or product_versions.version_number = 1
            )
            and (
                purchase_lines.ordered_at < product_versions.valid_to
                or product_versions.valid_to is null
            )
    left join customer_versions
        on
            purchase_lines.customer_id = customer_versions.customer_id
            and (
                purchase_lines.ordered_at >= customer_versions.valid_from
                or customer_versions.version_number = 1
            )
            and (
                purchase_lines.ordered_at < customer_versions.valid_to
                or customer_versions.valid_to is null
            )
),

final as (
    select
        case
            when grouping(category_id) = 0 then 'category'
            when grouping(brand_id) = 0 then 'brand'
            when grouping(geography_key) = 0 then 'geography'
            else 'total'
        end as grain,
        ordered_date,
        date_key,
        sales_channel,
        loyalty_tier,
        category_id,
        brand_id,
        geography_key,
        count(distinct order_id) as order_count,
        cast(sum(quantity) as bigint) as unit_count,
        cast(sum(line_total) as numeric(14, 2)) as gross_revenue,
        cast(sum(line_margin) as numeric(14, 2)) as gross_margin,
        max(loaded_at) as loaded_at
    from lines_described
    group by
        ordered_date,
        date_key,
        sales_channel,
        loyalty_tier,
        grouping sets ((), (category_id), (brand_id), (geography_key))
)

select * from final
