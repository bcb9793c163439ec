-- Current products with their category, department (the category's parent; a top-level
-- category is its own department) and brand.
with

products as (
    select * from {{ ref('int_products_deduplicated') }}
),

categories_with_departments as (
    select * from {{ ref('int_categories_with_departments') }}
),

brands as (
    select * from {{ ref('stg_shop__brands') }}
),

final as (
    select
        products.product_id,
        products.sku,
        products.product_name,
        products.category_id,
        categories_with_departments.category_name,
        categories_with_departments.department_id,
        categories_with_departments.department_name,
        products.brand_id,
        brands.brand_name,
        brands.is_private_label,
        products.unit_price,
        products.unit_cost,
        products.weight_kg,
        products.launched_date,
        products.launched_at,
        products.updated_at,
        products.version_count
    from products
    left join categories_with_departments
        on products.category_id = categories_with_departments.category_id
    left join brands
        on products.brand_id = brands.brand_id
)

select * from final
