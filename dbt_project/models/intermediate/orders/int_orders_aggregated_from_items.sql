-- One row per order with at least one line: line counts, units, merchandise value and cost.
with

order_items as (
    select * from {{ ref('int_order_items_joined_to_products') }}
),

final as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as unit_count,
        count(distinct product_id) as distinct_product_count,
        sum(line_total) as lines_total,
        -- null unless every line has a cost (products.unit_cost is optional in the contract):
        -- a partial cost would overstate the margin
        case when count(line_cost) = count(*) then sum(line_cost) end as items_cost,
        case when count(line_margin) = count(*) then sum(line_margin) end as items_margin
    from order_items
    group by order_id
)

select * from final
