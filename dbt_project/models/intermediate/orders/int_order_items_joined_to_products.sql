-- Order lines with their order's header (customer, time, channel, ship-to) and the product
-- version in force when the order was placed (category, brand, unit cost), so margins use the
-- cost of the day. loaded_at is the later of the line's and the order's load (incremental facts).
-- Orders come from int_orders_sequenced, which joins customers: every line-level mart then sits
-- downstream of both the order and the customer gates (see docs/quality-gates.md).
-- A table, incremental (delete+insert on order_item_id): the line-level marts and features all
-- read it, so the product-version join runs once per line, when the line arrives.
{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['order_item_id'], 'unique': true},
            {'columns': ['order_id']},
            {'columns': ['loaded_at']},
        ],
    )
}}
with

{% if is_incremental() %}
new_orders as (
    -- orders with a line loaded after the watermark, or loaded after it themselves
    select new_lines.order_id
    from {{ ref('stg_shop__order_items') }} as new_lines
    where new_lines.loaded_at > {{ loaded_at_watermark() }}
    union
    select sequenced.order_id
    from {{ ref('int_orders_sequenced') }} as sequenced
    where sequenced.loaded_at > {{ loaded_at_watermark() }}
),
{% endif %}

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
    {% if is_incremental() %}
        where order_id in (select new_orders.order_id from new_orders)
    {% endif %}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

product_versions as (
    select * from {{ ref('int_products_versioned') }}
),

items_with_orders as (
    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        orders.customer_id,
        orders.sales_channel,
        orders.shipping_geography_id,
        orders.campaign_id,
        order_items.quantity,
        order_items.unit_price,
        order_items.discount_amount,
        order_items.line_total,
        orders.ordered_date,
        orders.ordered_at,
        greatest(order_items.loaded_at, orders.loaded_at) as loaded_at
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
),

final as (
    select
        items_with_orders.order_item_id,
        items_with_orders.order_id,
        items_with_orders.line_number,
        items_with_orders.product_id,
        product_versions.product_version_key,
        items_with_orders.customer_id,
        items_with_orders.sales_channel,
        items_with_orders.shipping_geography_id,
        items_with_orders.campaign_id,
        product_versions.category_id,
        product_versions.brand_id,
        items_with_orders.quantity,
        items_with_orders.unit_price,
        items_with_orders.discount_amount,
        items_with_orders.line_total,
        product_versions.unit_cost,
        cast(items_with_orders.quantity * product_versions.unit_cost as numeric(14, 2)) as line_cost,
        cast(
            items_with_orders.line_total - items_with_orders.quantity * product_versions.unit_cost
            as numeric(14, 2)
        ) as line_margin,
        items_with_orders.ordered_date,
        items_with_orders.ordered_at,
        items_with_orders.loaded_at
    from items_with_orders
    left join product_versions
        on
            items_with_orders.product_id = product_versions.product_id
            and (
                items_with_orders.ordered_at >= product_versions.valid_from
                or product_versions.version_number = 1
            )
            and (
                items_with_orders.ordered_at < product_versions.valid_to
                or product_versions.valid_to is null
            )
)

select * from final
