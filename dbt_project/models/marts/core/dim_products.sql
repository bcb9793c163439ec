with

products as (
    select * from {{ ref('int_products_joined_to_categories') }}
),

final as (
    select
        {{ surrogate_key(['product_id']) }} as product_key,
        product_id,
        sku,
        product_name,
        category_id,
        category_name,
        department_id,
        department_name,
        brand_id,
        brand_name,
        is_private_label,
        unit_price,
        unit_cost,
        cast(unit_price - unit_cost as numeric(14, 2)) as unit_margin,
        weight_kg,
        launched_date,
        launched_at,
        updated_at,
        version_count
    from products
)

select * from final
