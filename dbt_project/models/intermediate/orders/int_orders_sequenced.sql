{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['order_id'], 'unique': true},
            {'columns': ['customer_id']},
            {'columns': ['loaded_at']},
        ],
    )
}}
-- One row per order with the customer's order history around it: position in the customer's
-- sequence of purchases, time since the previous purchase and since signup. Cancelled orders
-- (statuses outside var('purchase_order_statuses')) are kept but not counted as purchases.
-- A table, incremental: a run re-sequences every order of each customer with an order loaded
-- after the watermark (delete+insert on order_id), so the numbering equals a full rebuild's even
-- when a late order lands between older ones. Downstream facts join it by order_id (indexed).
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
    {% if is_incremental() %}
        where {{ loaded_since_watermark('customer_id', ref('stg_shop__orders'), 'customer_id') }}
    {% endif %}
),

customers as (
    select * from {{ ref('int_customers_deduplicated') }}
),

flagged as (
    select
        orders.*,
        orders.order_status in ({{ quoted_list(var('purchase_order_statuses')) }}) as is_purchase,
        customers.signed_up_at as customer_signed_up_at
    from orders
    left join customers
        on orders.customer_id = customers.customer_id
),

sequenced as (
    select
        *,
        case
            when is_purchase
                then
                    row_number() over (
                        partition by customer_id, is_purchase
                        order by ordered_at, order_id
                    )
        end as customer_purchase_number,
        case
            when is_purchase
                then
                    lag(ordered_at) over (
                        partition by customer_id, is_purchase
                        order by ordered_at, order_id
                    )
        end as previous_purchase_at
    from flagged
),

final as (
    select
        order_id,
        customer_id,
        shipping_geography_id,
        campaign_id,
        sales_channel,
        order_status,
        currency,
        is_purchase,
        customer_purchase_number,
        coalesce(customer_purchase_number = 1, false) as is_first_purchase,
        items_subtotal,
        discount_amount,
        shipping_amount,
        order_total,
        ordered_date,
        ordered_at,
        previous_purchase_at,
        extract(epoch from ordered_at - previous_purchase_at) / 86400.0 as days_since_previous_purchase,
        extract(epoch from ordered_at - customer_signed_up_at) / 86400.0 as days_since_customer_signup,
        loaded_at
    from sequenced
)

select * from final
