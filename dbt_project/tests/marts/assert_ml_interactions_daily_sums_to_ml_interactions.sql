-- ml_interactions_daily summed over days equals ml_interactions, pair by pair (the recommender
-- splits the daily mart by time; the pair mart feeds the app and the API). In an incremental
-- build, only pairs with rows loaded since the last fully tested build (macros/test_scope.sql).
with

pairs_in_scope as (
    select
        new_pairs.customer_id,
        new_pairs.product_id
    from {{ ref('ml_interactions') }} as new_pairs
    where {{ loaded_since_tested_build('new_pairs.loaded_at') }}
    union
    select
        new_days.customer_id,
        new_days.product_id
    from {{ ref('ml_interactions_daily') }} as new_days
    where {{ loaded_since_tested_build('new_days.loaded_at') }}
),

pairs as (
    select interactions.*
    from {{ ref('ml_interactions') }} as interactions
    inner join pairs_in_scope
        on
            interactions.customer_id = pairs_in_scope.customer_id
            and interactions.product_id = pairs_in_scope.product_id
),

daily_sums as (
    select
        daily_rows.customer_id,
        daily_rows.product_id,
        sum(daily_rows.purchase_count) as purchase_count,
        sum(daily_rows.add_to_cart_count) as add_to_cart_count,
        sum(daily_rows.view_count) as view_count
    from {{ ref('ml_interactions_daily') }} as daily_rows
    inner join pairs_in_scope
        on
            daily_rows.customer_id = pairs_in_scope.customer_id
            and daily_rows.product_id = pairs_in_scope.product_id
    group by daily_rows.customer_id, daily_rows.product_id
)

select
    coalesce(pairs.customer_id, daily_sums.customer_id) as customer_id,
    coalesce(pairs.product_id, daily_sums.product_id) as product_id,
    pairs.purchase_count as pair_purchases,
    daily_sums.purchase_count as daily_purchases
from pairs
full outer join daily_sums
    on
        pairs.customer_id = daily_sums.customer_id
        and pairs.product_id = daily_sums.product_id
where
    pairs.purchase_count is distinct from daily_sums.purchase_count
    or pairs.add_to_cart_count is distinct from daily_sums.add_to_cart_count
    or pairs.view_count is distinct from daily_sums.view_count
