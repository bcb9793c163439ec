with

source as (
    select * from {{ source('shop', 'products') }}
),

renamed as (
    select
        ---------- ids
        cast(product_id as bigint) as product_id,
        cast(category_id as bigint) as category_id,
        cast(brand_id as bigint) as brand_id,
        ---------- strings
        cast(sku as text) as sku,
        cast(product_name as text) as product_name,
        ---------- numerics
        cast(unit_price as numeric(14, 2)) as unit_price,
        cast(unit_cost as numeric(14, 2)) as unit_cost,
        cast(weight_kg as double precision) as weight_kg,
        ---------- dates
        {{ utc_date('launched_at') }} as launched_date,
        ---------- timestamps
        cast(launched_at as timestamptz) as launched_at,
        -- optional: a product without versions is valid from its launch, else its first load
        cast(coalesce(updated_at, launched_at, _loaded_at) as timestamptz) as updated_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
