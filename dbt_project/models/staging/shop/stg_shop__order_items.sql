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
        -- optional in the contract: line order by id, no discount, price from the total
        cast(
            coalesce(
                line_number,
                row_number() over (
                    partition by order_id
                    order by order_item_id
                )
            ) as bigint
        ) as line_number,
        cast(quantity as bigint) as quantity,
        cast(
            coalesce(
                unit_price,
                (line_total + coalesce(discount_amount, 0)) / nullif(quantity, 0)
            ) as numeric(14, 2)
        ) as unit_price,
        cast(coalesce(discount_amount, 0) as numeric(14, 2)) as discount_amount,
        cast(line_total as numeric(14, 2)) as line_total,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
