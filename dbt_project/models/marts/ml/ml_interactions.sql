-- Implicit feedback for the recommender: one row per customer x product with counts of
-- purchases (purchase order lines), add-to-carts and product views, and their weighted sum
-- weight = var('interaction_weight_purchase') * purchases
--        + var('interaction_weight_add_to_cart') * add-to-carts
--        + var('interaction_weight_view') * views.
-- Timestamps let callers split train/holdout by time.
with

interactions as (
    select * from {{ ref('int_interactions_unioned') }}
),

counted as (
    select
        customer_id,
        product_id,
        count(*) filter (where interaction_type = 'purchase') as purchase_count,
        coalesce(sum(interaction_count) filter (where interaction_type = 'purchase'), 0) as purchased_unit_count,
        count(*) filter (where interaction_type = 'add_to_cart') as add_to_cart_count,
        count(*) filter (where interaction_type = 'product_view') as view_count,
        min(interacted_at) as first_interacted_at,
        max(interacted_at) as last_interacted_at,
        min(interacted_at) filter (where interaction_type = 'purchase') as first_purchased_at
    from interactions
    group by customer_id, product_id
),

final as (
    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        {{ surrogate_key(['product_id']) }} as product_key,
        customer_id,
        product_id,
        purchase_count,
        cast(purchased_unit_count as bigint) as purchased_unit_count,
        add_to_cart_count,
        view_count,
        cast(
            {{ var('interaction_weight_purchase') }} * purchase_count
            + {{ var('interaction_weight_add_to_cart') }} * add_to_cart_count
            + {{ var('interaction_weight_view') }} * view_count
            as double precision
        ) as interaction_weight,
        first_interacted_at,
        last_interacted_at,
        first_purchased_at
    from counted
)

select * from final
