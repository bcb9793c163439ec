{{
    config(
        materialized='incremental',
        unique_key='review_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['review_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: reviews never change once loaded, so a run adds the rows loaded
-- after the newest load already in the table.
with

reviews as (
    select * from {{ ref('stg_shop__reviews') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
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
        reviewed_at,
        loaded_at
    from reviews
)

select * from final
