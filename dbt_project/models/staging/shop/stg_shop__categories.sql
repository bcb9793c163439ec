with

source as (
    select * from {{ source('shop', 'categories') }}
),

renamed as (
    select
        ---------- ids
        cast(category_id as bigint) as category_id,
        cast(parent_category_id as bigint) as parent_category_id,
        ---------- strings
        cast(category_name as text) as category_name,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
