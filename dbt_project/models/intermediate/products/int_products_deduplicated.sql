-- One row per product: the newest version (latest updated_at; ties broken by the later load).
with

products as (
    select * from {{ ref('stg_shop__products') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_id
            order by updated_at desc, loaded_at desc
        ) as recency_rank,
        count(*) over (partition by product_id) as version_count
    from products
),

final as (
    select
        product_id,
        sku,
        product_name,
        category_id,
        brand_id,
        unit_price,
        unit_cost,
        weight_kg,
        launched_date,
        launched_at,
        updated_at,
        version_count,
        loaded_at
    from ranked
    where recency_rank = 1
)

select * from final
