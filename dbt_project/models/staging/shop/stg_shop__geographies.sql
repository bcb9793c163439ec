with

source as (
    select * from {{ source('shop', 'geography') }}
),

renamed as (
    select
        ---------- ids
        cast(geography_id as bigint) as geography_id,
        ---------- strings
        cast(country_code as text) as country_code,
        cast(region as text) as region,
        cast(state as text) as state,
        cast(city as text) as city,
        cast(postal_code as text) as postal_code,
        ---------- numerics
        cast(latitude as double precision) as latitude,
        cast(longitude as double precision) as longitude,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
