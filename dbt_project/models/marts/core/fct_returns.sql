{{
    config(
        materialized='incremental',
        unique_key='return_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['return_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: returns never change once loaded, so a run adds the rows loaded
-- after the newest load already in the table.
with

returns as (
    select * from {{ ref('stg_shop__returns') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

order_items as (
    select * from {{ ref('int_order_items_joined_to_products') }}
),

final as (
    select
        {{ surrogate_key(['returns.return_id']) }} as return_key,
        returns.return_id,
        {{ surrogate_key(['returns.order_item_id']) }} as order_item_key,
        returns.order_item_id,
        {{ surrogate_key(['returns.order_id']) }} as order_key,
        returns.order_id,
        {{ surrogate_key(['order_items.product_id']) }} as product_key,
        {{ surrogate_key(['order_items.customer_id']) }} as customer_key,
        {{ date_key('returns.returned_date') }} as date_key,
        {{ surrogate_key(['order_items.shipping_geography_id']) }} as geography_key,
        {{ surrogate_key(['order_items.sales_channel']) }} as channel_key,
        returns.return_reason,
        returns.returned_quantity,
        returns.refund_amount,
        cast(returns.returned_quantity * order_items.unit_cost as numeric(14, 2)) as returned_cost,
        cast(
            extract(epoch from returns.returned_at - order_items.ordered_at) / 86400.0 as numeric(12, 2)
        ) as days_since_order,
        returns.returned_date,
        returns.returned_at,
        returns.loaded_at
    from returns
    inner join order_items
        on returns.order_item_id = order_items.order_item_id
)

select * from final
