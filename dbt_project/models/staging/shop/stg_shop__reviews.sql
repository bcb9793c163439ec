with

source as (
    select * from {{ source('shop', 'reviews') }}
),

renamed as (
    select
        ---------- ids
        cast(review_id as bigint) as review_id,
        cast(product_id as bigint) as product_id,
        cast(customer_id as bigint) as customer_id,
        cast(order_id as bigint) as order_id,
        ---------- numerics
        cast(rating as bigint) as rating,
        ---------- dates
        {{ utc_date('reviewed_at') }} as reviewed_date,
        ---------- timestamps
        cast(reviewed_at as timestamptz) as reviewed_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
