with

source as (
    select * from {{ source('shop', 'returns') }}
),

renamed as (
    select
        ---------- ids
        cast(return_id as bigint) as return_id,
        cast(order_item_id as bigint) as order_item_id,
        cast(order_id as bigint) as order_id,
        ---------- strings
        cast(reason as text) as return_reason,
        ---------- numerics
        cast(quantity as bigint) as returned_quantity,
        cast(refund_amount as numeric(14, 2)) as refund_amount,
        ---------- dates
        {{ utc_date('returned_at') }} as returned_date,
        ---------- timestamps
        cast(returned_at as timestamptz) as returned_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
