with

geographies as (
    select * from {{ ref('stg_shop__geographies') }}
),

final as (
    select
        {{ surrogate_key(['geography_id']) }} as geography_key,
        geography_id,
        country_code,
        region,
        state,
        city,
        postal_code,
        latitude,
        longitude
    from geographies
)

select * from final
