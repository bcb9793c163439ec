with

source as (
    select * from {{ source('shop', 'stores') }}
),

renamed as (
    select
        ---------- ids
        cast(store_id as bigint) as store_id,
        cast(geography_id as bigint) as geography_id,
        ---------- strings
        cast(store_name as text) as store_name,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
