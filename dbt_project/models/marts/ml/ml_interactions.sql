-- Implicit feedback for the recommender: one row per customer x product with counts of
-- purchases (purchase order lines), add-to-carts and product views, and their weighted sum
-- weight = var('interaction_weight_purchase') * purchases
--        + var('interaction_weight_add_to_cart') * add-to-carts
--        + var('interaction_weight_view') * views.
-- Timestamps let callers split train/holdout by time.
-- Incremental: counts, sums, first and last times all merge, so a run aggregates only the
-- interactions loaded after the watermark and folds them into the pairs' existing rows
-- (delete+insert on customer_id x product_id).
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'product_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['customer_id', 'product_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
with

interactions as (
    select * from {{ ref('int_interactions_unioned') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
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
        min(interacted_at) filter (where interaction_type = 'purchase') as first_purchased_at,
        max(loaded_at) as loaded_at
    from interactions
    group by customer_id, product_id
),

merged as (
    {% if is_incremental() %}
    select
        counted.customer_id,
        counted.product_id,
        counted.purchase_count + coalesce(previous.purchase_count, 0) as purchase_count,
        counted.purchased_unit_count + coalesce(previous.purchased_unit_count, 0) as purchased_unit_count,
        counted.add_to_cart_count + coalesce(previous.add_to_cart_count, 0) as add_to_cart_count,
        counted.view_count + coalesce(previous.view_count, 0) as view_count,
        least(counted.first_interacted_at, previous.first_interacted_at) as first_interacted_at,
        greatest(counted.last_interacted_at, previous.last_interacted_at) as last_interacted_at,
        least(counted.first_purchased_at, previous.first_purchased_at) as first_purchased_at,
        greatest(counted.loaded_at, previous.loaded_at) as loaded_at
    from counted
    left join {{ this }} as previous
        on
            counted.customer_id = previous.customer_id
            and counted.product_id = previous.product_id
    {% else %}
        select * from counted
    {% endif %}
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
        first_purchased_at,
        loaded_at
    from merged
)

select * from final
