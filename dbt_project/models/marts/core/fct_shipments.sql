{{
    config(
        materialized='incremental',
        unique_key='shipment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['shipment_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: shipments never change once loaded, so a run adds the rows loaded
-- after the newest load already in the table.
with

shipments as (
    select * from {{ ref('stg_shop__shipments') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

final as (
    select
        {{ surrogate_key(['shipments.shipment_id']) }} as shipment_key,
        shipments.shipment_id,
        {{ surrogate_key(['shipments.order_id']) }} as order_key,
        shipments.order_id,
        {{ surrogate_key(['orders.customer_id']) }} as customer_key,
        {{ date_key('shipments.shipped_date') }} as date_key,
        {{ date_key('shipments.delivered_date') }} as delivered_date_key,
        {{ surrogate_key(['orders.shipping_geography_id']) }} as geography_key,
        {{ surrogate_key(['orders.sales_channel']) }} as channel_key,
        shipments.carrier,
        shipments.shipment_status,
        shipments.delivered_at is not null as is_delivered,
        cast(
            extract(epoch from shipments.shipped_at - orders.ordered_at) / 86400.0 as numeric(12, 2)
        ) as days_to_ship,
        cast(
            extract(epoch from shipments.delivered_at - shipments.shipped_at) / 86400.0 as numeric(12, 2)
        ) as days_in_transit,
        shipments.shipped_date,
        shipments.shipped_at,
        shipments.delivered_date,
        shipments.delivered_at,
        shipments.loaded_at
    from shipments
    inner join orders
        on shipments.order_id = orders.order_id
)

select * from final
