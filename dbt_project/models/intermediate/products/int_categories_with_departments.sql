-- Every category with its department: the category's parent, or the category itself when it
-- is top-level.
with

categories as (
    select * from {{ ref('stg_shop__categories') }}
),

final as (
    select
        categories.category_id,
        categories.category_name,
        coalesce(departments.category_id, categories.category_id) as department_id,
        coalesce(departments.category_name, categories.category_name) as department_name
    from categories
    left join categories as departments
        on categories.parent_category_id = departments.category_id
)

select * from final
