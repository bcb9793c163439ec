with

source as (
    select * from {{ source('shop', 'payments') }}
),

renamed as (
    select
        ---------- ids
        cast(payment_id as bigint) as payment_id,
        cast(order_id as bigint) as order_id,
        ---------- strings
        cast(payment_method as text) as payment_method,
        cast(status as text) as payment_status,
        ---------- numerics
        cast(amount as numeric(14, 2)) as payment_amount,
        ---------- dates
        {{ utc_date('paid_at') }} as paid_date,
        ---------- timestamps
        cast(paid_at as timestamptz) as paid_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
