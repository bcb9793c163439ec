{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['order_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental: a run rewrites every order of each customer with an order loaded after the
-- watermark (their purchase numbering and gaps may change), delete+insert on order_id.
with

orders as (
    select * from {{ ref('int_orders_sequenced') }}
    {% if is_incremental() %}
        where {{ loaded_since_watermark('customer_id', ref('int_orders_sequenced'), 'customer_id') }}
    {% endif %}
),

order_items as (
    select * from {{ ref('int_orders_aggregated_from_items') }}
    {% if is_incremental() %}
        -- = any(array(...)), not in (...): a plain condition on the grouping column, which
        -- PostgreSQL pushes below the view's group by (a semi-join would aggregate every line)
        where order_id = any(array(select orders.order_id from orders))
    {% endif %}
),

final as (
    select
        {{ surrogate_key(['orders.order_id']) }} as order_key,
        orders.order_id,
        {{ surrogate_key(['orders.customer_id']) }} as customer_key,
        {{ date_key('orders.ordered_date') }} as date_key,
        {{ surrogate_key(['orders.shipping_geography_id']) }} as geography_key,
        {{ surrogate_key(['orders.sales_channel']) }} as channel_key,
        case
            when orders.campaign_id is not null then {{ surrogate_key(['orders.campaign_id']) }}
        end as campaign_key,
        orders.customer_id,
        orders.order_status,
        orders.currency,
        orders.is_purchase,
        orders.is_first_purchase,
        orders.customer_purchase_number,
        coalesce(order_items.line_count, 0) as line_count,
        cast(coalesce(order_items.unit_count, 0) as bigint) as unit_count,
        orders.items_subtotal,
        orders.discount_amount,
        orders.shipping_amount,
        orders.order_total,
        -- an order without lines costs nothing; one whose products have no unit cost has an
        -- unknown cost and margin (null), never a margin equal to its whole merchandise value
        cast(
            case when order_items.order_id is null then 0 else order_items.items_cost end
            as numeric(14, 2)
        ) as items_cost,
        cast(
            orders.items_subtotal - orders.discount_amount
            - case when order_items.order_id is null then 0 else order_items.items_cost end
            as numeric(14, 2)
        ) as gross_margin,
        cast(orders.days_since_previous_purchase as numeric(12, 2)) as days_since_previous_purchase,
        cast(orders.days_since_customer_signup as numeric(12, 2)) as days_since_customer_signup,
        orders.ordered_date,
        orders.ordered_at,
        orders.loaded_at
    from orders
    left join order_items
        on orders.order_id = order_items.order_id
)

select * from final
