-- Every version of every product with its validity window [valid_from, valid_to): the price and
-- cost in force at any instant. The first version is valid from launch (or its own stamp if
-- earlier); consumers looking up a time before that fall back to version 1.
with

products as (
    select * from {{ ref('stg_shop__products') }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by product_id
            order by updated_at, loaded_at
        ) as version_number,
        lead(updated_at) over (
            partition by product_id
            order by updated_at, loaded_at
        ) as next_updated_at
    from products
),

final as (
    select
        {{ surrogate_key(['product_id', 'version_number']) }} as product_version_key,
        product_id,
        version_number,
        category_id,
        brand_id,
        unit_price,
        unit_cost,
        updated_at,
        case
            when version_number = 1 then least(launched_at, updated_at)
            else updated_at
        end as valid_from,
        next_updated_at as valid_to,
        next_updated_at is null as is_current
    from ordered
)

select * from final
