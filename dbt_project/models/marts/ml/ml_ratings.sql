-- Explicit feedback for the recommender: one row per review.
with

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
),

final as (
    select
        review_id,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        {{ surrogate_key(['product_id']) }} as product_key,
        customer_id,
        product_id,
        cast(rating as integer) as rating,
        reviewed_at
    from reviews
)

select * from final
