-- Implicit feedback at day grain, for recommenders that split train/holdout by time: one row
-- per customer x product x UTC day with the purchases (purchase order lines), add-to-carts
-- and product views of logged-in customers that day. Summed over days, the counts equal
-- ml_interactions' (a singular test checks it). Callers weight the counts themselves.
-- Incremental: counts merge, so a run aggregates only the interactions loaded after the
-- watermark and folds them into the days' existing rows (delete+insert on the key).
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'product_id', 'interaction_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['customer_id', 'product_id', 'interaction_date'], 'unique': true},
            {'columns': ['interaction_date']},
            {'columns': ['loaded_at']},
        ],
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
        {{ utc_date('interacted_at') }} as interaction_date,
        count(*) filter (where interaction_type = 'purchase') as purchase_count,
        count(*) filter (where interaction_type = 'add_to_cart') as add_to_cart_count,
        count(*) filter (where interaction_type = 'product_view') as view_count,
        max(loaded_at) as loaded_at
    from interactions
    group by customer_id, product_id, {{ utc_date('interacted_at') }}
),

merged as (
    {% if is_incremental() %}
    select
        counted.customer_id,
        counted.product_id,
        counted.interaction_date,
        counted.purchase_count + coalesce(previous.purchase_count, 0) as purchase_count,
        counted.add_to_cart_count + coalesce(previous.add_to_cart_count, 0) as add_to_cart_count,
        counted.view_count + coalesce(previous.view_count, 0) as view_count,
        greatest(counted.loaded_at, previous.loaded_at) as loaded_at
    from counted
    left join {{ this }} as previous
        on
            counted.customer_id = previous.customer_id
            and counted.product_id = previous.product_id
            and counted.interaction_date = previous.interaction_date
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
        interaction_date,
        purchase_count,
        add_to_cart_count,
        view_count,
        loaded_at
    from merged
)

select * from final
