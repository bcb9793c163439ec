-- RFM scores (1-5, 5 best) and named segments of every customer who purchased by the cutoff.
-- Scores come from percent ranks, so equal values always get equal scores:
-- score = 1 + floor(5 * percent_rank), capped at 5; recency ranks the most recent highest.
with

purchases as (
    select * from {{ ref('int_customer_purchases_summarized') }}
),

ranked as (
    select
        customer_id,
        cutoff_date,
        days_since_last_purchase,
        purchase_count,
        total_spend,
        percent_rank() over (
            order by days_since_last_purchase desc
        ) as recency_percent_rank,
        percent_rank() over (
            order by purchase_count
        ) as frequency_percent_rank,
        percent_rank() over (
            order by total_spend
        ) as monetary_percent_rank
    from purchases
),

scored as (
    select
        *,
        cast(least(5, 1 + floor(5 * recency_percent_rank)) as integer) as recency_score,
        cast(least(5, 1 + floor(5 * frequency_percent_rank)) as integer) as frequency_score,
        cast(least(5, 1 + floor(5 * monetary_percent_rank)) as integer) as monetary_score
    from ranked
),

final as (
    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        cutoff_date,
        days_since_last_purchase,
        purchase_count,
        total_spend,
        recency_score,
        frequency_score,
        monetary_score,
        recency_score * 100 + frequency_score * 10 + monetary_score as rfm_cell,
        case
            when recency_score >= 4 and frequency_score >= 4 and monetary_score >= 4 then 'champions'
            when recency_score <= 2 and frequency_score >= 4 and monetary_score >= 4 then 'cannot_lose_them'
            when recency_score >= 3 and frequency_score >= 4 then 'loyal_customers'
            when recency_score >= 4 and frequency_score >= 2 then 'potential_loyalists'
            when recency_score >= 4 then 'new_customers'
            when recency_score = 3 and frequency_score >= 2 then 'need_attention'
            when recency_score = 3 then 'promising'
            when frequency_score >= 3 then 'at_risk'
            when recency_score = 2 then 'hibernating'
            else 'lost'
        end as rfm_segment
    from scored
)

select * from final
