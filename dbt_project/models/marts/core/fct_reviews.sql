with

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
),

final as (
    select
        {{ surrogate_key(['review_id']) }} as review_key,
        review_id,
        {{ surrogate_key(['product_id']) }} as product_key,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        {{ surrogate_key(['order_id']) }} as order_key,
        {{ date_key('reviewed_date') }} as date_key,
        product_id,
        customer_id,
        order_id,
        rating,
        rating >= 4 as is_positive,
        reviewed_date,
        reviewed_at
    from reviews
)

select * from final
