-- SCD type 2 from the products snapshot: one row per product version (price/cost changes).
with

snapshot_rows as (
    select * from {{ ref('products_snapshot') }}
),

final as (
    select
        {{ surrogate_key(['product_id', 'dbt_valid_from']) }} as product_history_key,
        {{ surrogate_key(['product_id']) }} as product_key,
        product_id,
        category_id,
        brand_id,
        unit_price,
        unit_cost,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current
    from snapshot_rows
)

select * from final
