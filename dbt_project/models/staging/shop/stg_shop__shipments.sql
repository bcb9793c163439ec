with

source as (
    select * from {{ source('shop', 'shipments') }}
),

renamed as (
    select
        ---------- ids
        cast(shipment_id as bigint) as shipment_id,
        cast(order_id as bigint) as order_id,
        ---------- strings
        cast(carrier as text) as carrier,
        cast(status as text) as shipment_status,
        ---------- dates
        {{ utc_date('shipped_at') }} as shipped_date,
        {{ utc_date('delivered_at') }} as delivered_date,
        ---------- timestamps
        cast(shipped_at as timestamptz) as shipped_at,
        cast(delivered_at as timestamptz) as delivered_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
