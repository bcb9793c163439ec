-- Current products with their category, department (the category's parent; a top-level
-- category is its own department) and brand.
with

products as (
    select * from {{ ref('int_products_deduplicated') }}
),

categories as (
    select * from {{ ref('stg_shop__categories') }}
),

brands as (
    select * from {{ ref('stg_shop__brands') }}
),

categories_with_departments as (
    select
        categories.category_id,
        categories.category_name,
        coalesce(departments.category_id, categories.category_id) as department_id,
        coalesce(departments.category_name, categories.category_name) as department_name
    from categories
    left join categories as departments
        on categories.parent_category_id = departments.category_id
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
