with

source as (
    select * from {{ source('shop', 'brands') }}
),

renamed as (
    select
        ---------- ids
        cast(brand_id as bigint) as brand_id,
        ---------- strings
        cast(brand_name as text) as brand_name,
        ---------- booleans
        cast(is_private_label as boolean) as is_private_label,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
