with

source as (
    select * from {{ source('shop', 'order_items') }}
),

renamed as (
    select
        ---------- ids
        cast(order_item_id as bigint) as order_item_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,
        ---------- numerics
        cast(line_number as bigint) as line_number,
        cast(quantity as bigint) as quantity,
        cast(unit_price as numeric(14, 2)) as unit_price,
        cast(discount_amount as numeric(14, 2)) as discount_amount,
        cast(line_total as numeric(14, 2)) as line_total,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
