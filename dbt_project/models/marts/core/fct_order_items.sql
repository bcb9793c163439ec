{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['order_item_id'], 'unique': true},
            {'columns': ['loaded_at']},
            {'columns': ['order_key']},
            {'columns': ['ordered_date']},
        ],
    )
}}
-- Incremental on load time: a run processes only lines (or orders) loaded after the newest
-- load already in the table. Lines never change once loaded (raw tables are append-only and
-- the product cost is the one in force at order time), so new rows are all there is to add.
-- order_key and ordered_date are indexed for the scoped reconciliation tests, which read the
-- lines of the orders and dates in scope (tests/dbt/test_scoped_test_plans.py).
with

order_items as (
    select * from {{ ref('int_order_items_joined_to_products') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

final as (
    select
        {{ surrogate_key(['order_item_id']) }} as order_item_key,
        order_item_id,
        {{ surrogate_key(['order_id']) }} as order_key,
        order_id,
        line_number,
        {{ surrogate_key(['product_id']) }} as product_key,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        {{ date_key('ordered_date') }} as date_key,
        {{ surrogate_key(['shipping_geography_id']) }} as geography_key,
        {{ surrogate_key(['sales_channel']) }} as channel_key,
        case
            when campaign_id is not null then {{ surrogate_key(['campaign_id']) }}
        end as campaign_key,
        quantity,
        unit_price,
        discount_amount,
        line_total,
        unit_cost,
        line_cost,
        line_margin,
        ordered_date,
        ordered_at,
        loaded_at
    from order_items
)

select * from final
