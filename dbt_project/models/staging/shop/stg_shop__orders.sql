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
        cast(store_id as bigint) as store_id,
        ---------- strings
        -- optional in the contract: an export without a status holds completed orders
        coalesce(cast(status as text), 'completed') as order_status,
        coalesce(cast(channel as text), 'unknown') as sales_channel,
        coalesce(cast(currency as text), 'USD') as currency,
        ---------- numerics
        -- optional amounts default so that order_total = subtotal - discount + shipping holds
        cast(
            coalesce(
                items_subtotal,
                order_total + coalesce(discount_amount, 0) - coalesce(shipping_amount, 0)
            ) as numeric(14, 2)
        ) as items_subtotal,
        cast(coalesce(discount_amount, 0) as numeric(14, 2)) as discount_amount,
        cast(coalesce(shipping_amount, 0) as numeric(14, 2)) as shipping_amount,
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
