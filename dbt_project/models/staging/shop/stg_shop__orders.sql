with

source as (
    select * from {{ source('shop', 'orders') }}
),

renamed as (
    select
        ---------- ids
        cast(order_id as bigint) as order_id,
        cast(customer_id as bigint) as customer_id,
        cast(shipping_geography_id as bigint) as shipping_geography_id,
        cast(campaign_id as bigint) as campaign_id,
        ---------- strings
        cast(status as text) as order_status,
        cast(channel as text) as sales_channel,
        cast(currency as text) as currency,
        ---------- numerics
        cast(items_subtotal as numeric(14, 2)) as items_subtotal,
        cast(discount_amount as numeric(14, 2)) as discount_amount,
        cast(shipping_amount as numeric(14, 2)) as shipping_amount,
        cast(order_total as numeric(14, 2)) as order_total,
        ---------- dates
        {{ utc_date('ordered_at') }} as ordered_date,
        ---------- timestamps
        cast(ordered_at as timestamptz) as ordered_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
